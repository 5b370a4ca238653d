"""``create_multi_node_iterator``: one process reads the batches, every
process gets them."""
from fastgrad.dataset import iterator as iterator_module

_STATE_KEYS = ('current_position', 'epoch', 'is_new_epoch', 'epoch_detail',
               'previous_epoch_detail')


def _state_of(it, with_order=True):
    state = {}
    for key in _STATE_KEYS:
        value = getattr(it, key, None)
        state[key] = value
    if with_order:
        state['order'] = _order_of(it)
    return state


def _order_of(it):
    """The actual iterator's current order (None if it has none)."""
    state = getattr(it, '_state', None)
    return getattr(state, 'order', None)


class _MultiNodeIteratorMaster(iterator_module.Iterator):
    """The master's side: reads ``actual_iterator`` and broadcasts each
    batch (pickled, so any kind of example and dtype goes through
    unchanged) with the iterator's position."""

    def __init__(self, actual_iterator, communicator, rank_master):
        d = self.__dict__
        d['actual_iterator'] = actual_iterator
        d['communicator'] = communicator
        d['rank_master'] = rank_master
        d['_sent_order'] = _order_of(actual_iterator)
        dataset = getattr(actual_iterator, 'dataset', None)
        communicator.bcast_obj({
            'dataset_size': None if dataset is None else len(dataset),
            'batch_size': getattr(actual_iterator, 'batch_size', None),
            'repeat': getattr(actual_iterator, 'repeat', None),
            'state': _state_of(actual_iterator)}, root=rank_master)

    def __next__(self):
        try:
            batch = self.actual_iterator.__next__()
        except StopIteration:
            self.communicator.bcast_obj(('stop', None, self._state_to_send()),
                                        root=self.rank_master)
            raise
        except Exception as e:
            # the other processes raise too, instead of waiting for a batch
            self.communicator.bcast_obj(
                ('error', '{}: {}'.format(type(e).__name__, e), None),
                root=self.rank_master)
            raise
        self.communicator.bcast_obj(('batch', batch, self._state_to_send()),
                                    root=self.rank_master)
        return batch

    def _state_to_send(self):
        """The position, and the order only when it changed since last sent."""
        state = _state_of(self.actual_iterator, with_order=False)
        order = _order_of(self.actual_iterator)
        if order is not self.__dict__.get('_sent_order'):
            self.__dict__['_sent_order'] = order
            state['order'] = order
        return state

    next = __next__

    def __getattr__(self, name):
        return getattr(self.__dict__['actual_iterator'], name)

    @property
    def current_position(self):
        return self.actual_iterator.current_position

    @property
    def epoch(self):
        return self.actual_iterator.epoch

    @property
    def epoch_detail(self):
        return self.actual_iterator.epoch_detail

    @property
    def previous_epoch_detail(self):
        return self.actual_iterator.previous_epoch_detail

    @property
    def is_new_epoch(self):
        return self.actual_iterator.is_new_epoch

    def reset(self):
        """Reset the actual iterator (call it on every process together)."""
        self.actual_iterator.reset()
        self.communicator.bcast_obj(self._state_to_send(), root=self.rank_master)

    def finalize(self):
        self.actual_iterator.finalize()

    def serialize(self, serializer):
        """Save or load the actual iterator, then give its position to the
        other processes (call it on every process together)."""
        self.actual_iterator.serialize(serializer)
        self.communicator.bcast_obj(_state_of(self.actual_iterator), root=self.rank_master)


class _MultiNodeIteratorSlave(iterator_module.Iterator):
    """The other processes' side: receives the master's batches and mirrors
    its position (``epoch``, ``epoch_detail``, ``is_new_epoch``...)."""

    def __init__(self, communicator, rank_master):
        self.communicator = communicator
        self.rank_master = rank_master
        meta = communicator.bcast_obj(None, root=rank_master)
        if 'error' in meta:
            raise ValueError(meta['error'])
        self.dataset_size = meta['dataset_size']
        self.batch_size = meta['batch_size']
        self.repeat = meta['repeat']
        self._order = None
        self._set_state(meta['state'])

    def _set_state(self, state):
        if 'order' in state:
            self._order = state['order']
        self.current_position = state['current_position']
        self.epoch = state['epoch']
        self.is_new_epoch = state['is_new_epoch']
        self.epoch_detail = state['epoch_detail']
        self.previous_epoch_detail = state['previous_epoch_detail']

    def __next__(self):
        kind, payload, state = self.communicator.bcast_obj(None, root=self.rank_master)
        if kind == 'error':
            raise RuntimeError('create_multi_node_iterator: the iterator on the master '
                               'process (rank {}) failed: {}'.format(self.rank_master,
                                                                     payload))
        self._set_state(state)
        if kind == 'stop':
            raise StopIteration
        return payload

    next = __next__

    def reset(self):
        """Back to the start (call it on every process together)."""
        self._set_state(self.communicator.bcast_obj(None, root=self.rank_master))

    def serialize(self, serializer):
        """Save this process's copy of the position; after a load, take the
        master's (call it on every process together)."""
        for key in _STATE_KEYS:
            value = getattr(self, key)
            if value is None:
                continue
            try:
                setattr(self, key, type(value)(serializer(key, value)))
            except KeyError:
                pass
        if self._order is not None:      # as ChainerMN: a plain iterator can load it
            try:
                self._order = serializer('order', self._order)
            except KeyError:
                pass
        self._set_state(self.communicator.bcast_obj(None, root=self.rank_master))


def create_multi_node_iterator(actual_iterator, communicator, rank_master=0):
    """An iterator giving every process the same batches: the master
    process (``rank_master``) reads them from ``actual_iterator`` and
    broadcasts each one.

    For model parallelism, where the processes holding different parts of
    a model must see the same examples.  The batches are sent pickled, so
    examples of any kind and dtype arrive unchanged.  ``epoch``,
    ``epoch_detail``, ``previous_epoch_detail``, ``is_new_epoch`` and
    ``current_position`` are the master's on every process.  Creating the
    iterator, ``reset()`` and ``serialize()`` must be called on all
    processes together (they communicate); on the other processes
    ``actual_iterator`` is not used.

    Args:
        actual_iterator: the iterator the master reads (e.g. a
            ``SerialIterator``).
        communicator: a ChainerMN communicator.
        rank_master (int): the rank that reads the data.
    """
    if not 0 <= rank_master < communicator.size:
        raise ValueError('create_multi_node_iterator: rank_master {} is not a rank of {} '
                         'processes'.format(rank_master, communicator.size))
    if communicator.rank == rank_master:
        if actual_iterator is None:
            error = ('create_multi_node_iterator: the master process (rank {}) needs an '
                     'actual iterator, got None'.format(rank_master))
            communicator.bcast_obj({'error': error}, root=rank_master)
            raise ValueError(error)
        return _MultiNodeIteratorMaster(actual_iterator, communicator, rank_master)
    return _MultiNodeIteratorSlave(communicator, rank_master)
