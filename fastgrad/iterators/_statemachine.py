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
