"""The position bookkeeping shared by the serial and multiprocess iterators:
given a state, the indices of the next batch and the state after it."""
import collections

import numpy

IteratorState = collections.namedtuple(
    'IteratorState', ('current_position', 'epoch', 'is_new_epoch', 'order'))


def initial_state(order_sampler, dataset_len):
    order = None
    if order_sampler is not None:
        order = order_sampler(numpy.arange(dataset_len), 0)
    return IteratorState(0, 0, False, order)


def next_batch(state, batch_size, repeat, order_sampler, dataset_len):
    """(new_state, indices); indices is None when a non-repeating iterator
    has finished its epoch."""
    pos, epoch, _, order = state
    if not repeat and epoch > 0:
        return state, None
    n = dataset_len if order is None else len(order)
    if n == 0:
        if repeat:
            raise ValueError('the dataset is empty: an iterator that repeats '
                             'needs at least one example')
        return IteratorState(0, epoch + 1, True, order), []
    indices = []
    is_new_epoch = False
    wanted = batch_size
    while True:
        take = min(wanted, n - pos)
        chunk = numpy.arange(pos, pos + take) if order is None else order[pos:pos + take]
        indices.append(chunk)
        pos += take
        wanted -= take
        if pos < n:
            break
        # end of an epoch
        epoch += 1
        is_new_epoch = True
        pos = 0
        if order_sampler is not None:
            new_order = order_sampler(order, n)
            if len(new_order) != len(order):
                raise ValueError(
                    'the order sampler returned an order of length {} but the '
                    'previous order had length {}'.format(len(new_order), len(order)))
            order = new_order
        if not repeat or wanted == 0:
            break
    indices = numpy.concatenate(indices) if len(indices) > 1 else indices[0]
    return IteratorState(pos, epoch, is_new_epoch, order), indices


class EpochTracking(object):
    """The epoch bookkeeping both iterators expose, read from ``self._state``
    (a state of this module), ``self._previous_epoch_detail`` and
    ``self._repeat``."""

    @property
    def current_position(self):
        return self._state.current_position

    @property
    def epoch(self):
        return self._state.epoch

    @property
    def is_new_epoch(self):
        return self._state.is_new_epoch

    @property
    def epoch_detail(self):
        """Epochs done, with the fraction of the current one."""
        return self.epoch + self.current_position / self._epoch_size

    @property
    def previous_epoch_detail(self):
        """``epoch_detail`` before the last batch (None before the first)."""
        if self._previous_epoch_detail < 0:
            return None
        return self._previous_epoch_detail

    @property
    def repeat(self):
        return self._repeat

    @property
    def _epoch_size(self):
        order = self._state.order
        n = len(self.dataset) if order is None else len(order)
        return n if n > 0 else 1
