import json

import numpy

from fastgrad.dataset import iterator
from fastgrad.iterators import _statemachine
from fastgrad.iterators.order_samplers import ShuffleOrderSampler


def _make_sampler(shuffle, order_sampler):
    if shuffle is not None and order_sampler is not None:
        raise ValueError('`shuffle` is not `None` and a custom `order_sampler` '
                         'is set. Please set `shuffle` to `None` to use the '
                         'custom order sampler.')
    if order_sampler is None and (shuffle is None or shuffle):
        order_sampler = ShuffleOrderSampler()
    return order_sampler


class SerialIterator(_statemachine.EpochTracking, iterator.Iterator):
    """Batches of ``batch_size`` examples taken from ``dataset`` in the main
    process.

    With ``repeat`` (the default) it cycles forever, a batch spanning the end
    of an epoch being completed from the start of the next; without it it
    stops after one epoch (the last batch may be short).  ``shuffle=True``
    (the default) draws a new order each epoch from NumPy's global RNG;
    ``order_sampler`` gives the order instead (not together with
    ``shuffle``).

    >>> it = fastgrad.iterators.SerialIterator(list(range(5)), 2, repeat=False, shuffle=False)
    >>> [batch for batch in it]
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, dataset, batch_size, repeat=True, shuffle=None,
                 order_sampler=None):
        self.dataset = dataset
        self.batch_size = batch_size
        self._repeat = repeat
        self._shuffle = shuffle
        self.order_sampler = _make_sampler(shuffle, order_sampler)
        self.reset()

    def __next__(self):
        self._previous_epoch_detail = self.epoch_detail
        self._state, indices = _statemachine.next_batch(
            self._state, self.batch_size, self._repeat, self.order_sampler,
            len(self.dataset))
        if indices is None:
            raise StopIteration
        dataset = self.dataset
        return [dataset[int(i)] for i in indices]

    next = __next__

    def reset(self):
        """Back to the start of epoch 0 (with a fresh order)."""
        self._state = _statemachine.initial_state(self.order_sampler, len(self.dataset))
        self._previous_epoch_detail = -1.

    def serialize(self, serializer):
        self._state = _serialize_state(serializer, self._state)
        _serialize_sampler(serializer, self.order_sampler)
        try:
            self._previous_epoch_detail = float(serializer(
                'previous_epoch_detail', self._previous_epoch_detail))
        except KeyError:
            # a snapshot without it: infer it from the position
            detail = self.epoch + (self.current_position - self.batch_size) / self._epoch_size
            self._previous_epoch_detail = max(detail, 0.) if self.epoch_detail > 0 else -1.


def _serialize_state(serializer, state):
    pos = int(serializer('current_position', state.current_position))
    epoch = int(serializer('epoch', state.epoch))
    is_new_epoch = bool(serializer('is_new_epoch', state.is_new_epoch))
    order = state.order
    if order is not None:
        try:
            loaded = serializer('order', order)
        except KeyError:
            loaded = serializer('_order', order)
        if loaded is not None:
            order = loaded
    return _statemachine.IteratorState(pos, epoch, is_new_epoch, order)


def _serialize_sampler(serializer, sampler, saved_state=None):
    """Save (``saved_state``, else the sampler's current state) or load the
    random state of the order sampler, as ``order_sampler/random_state``.
    Returns the state loaded, or None."""
    get = getattr(sampler, 'get_random_state', None)
    if get is None:
        return None          # a sampler without state to save (or none)
    current = get() if saved_state is None else saved_state
    if current is None:
        return None
    from fastgrad.serializers import Deserializer, Serializer
    try:
        sub = serializer['order_sampler']
    except NotImplementedError:
        return None          # a serializer without sub-hierarchies: the RNG is not kept
    if isinstance(serializer, Serializer):
        # JSON as UTF-8 bytes: HDF5 cannot store NumPy's unicode strings.
        data = numpy.array(bytearray(json.dumps(current).encode()), numpy.uint8)
        sub('random_state', data)
        return None
    # A loader (or another library's saver, which stores None here).
    try:
        stored = sub('random_state', None)
    except KeyError:
        return None          # a snapshot without it (Chainer's): keep the RNG
    if stored is None:
        return None          # nothing saved, or a validating pass
    state = json.loads(bytes(numpy.asarray(stored, numpy.uint8)).decode())
    if not isinstance(serializer, Deserializer) and state == current:
        return None          # not known to be a load: change nothing
    sampler.set_random_state(state)
    return state
