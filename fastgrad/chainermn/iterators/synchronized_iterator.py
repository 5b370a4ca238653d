"""``create_synchronized_iterator``: the same shuffled order on every process."""
import numpy

from fastgrad.dataset import iterator as iterator_module
from fastgrad.iterators.order_samplers import ShuffleOrderSampler


class _SynchronizedIterator(iterator_module.Iterator):

    def __init__(self, actual_iterator, communicator):
        if not hasattr(actual_iterator, 'order_sampler'):
            raise ValueError('create_synchronized_iterator: the actual iterator ({}) has no '
                             'order_sampler'.format(type(actual_iterator).__name__))
        self.__dict__['actual_iterator'] = actual_iterator
        self.__dict__['communicator'] = communicator
        seed = numpy.random.randint(0, 2 ** 32 - 1) if communicator.rank == 0 else None
        seed = communicator.bcast_obj(seed, root=0)
        actual_iterator.order_sampler = ShuffleOrderSampler(numpy.random.RandomState(seed))
        actual_iterator.reset()

    def __getattr__(self, name):
        return getattr(self.__dict__['actual_iterator'], name)

    def __setattr__(self, name, value):
        setattr(self.actual_iterator, name, value)

    def __next__(self):
        return self.actual_iterator.__next__()

    next = __next__

    def reset(self):
        self.actual_iterator.reset()

    def finalize(self):
        self.actual_iterator.finalize()

    def serialize(self, serializer):
        self.actual_iterator.serialize(serializer)


def create_synchronized_iterator(actual_iterator, communicator):
    """``actual_iterator``, shuffling in the same order on every process.

    Rank 0 draws a seed and broadcasts it; each process's iterator then
    gets a ``ShuffleOrderSampler`` on a RandomState of that seed and is
    reset.  Unlike :func:`create_multi_node_iterator` nothing is sent per
    batch: every process reads its own copy of the dataset, in the same
    order.  fastgrad's iterators save the sampler's random state in
    snapshots, so the processes stay in step after a resume.

    Args:
        actual_iterator: an iterator with an ``order_sampler`` attribute
            (``SerialIterator``, ``MultiprocessIterator``...).
        communicator: a ChainerMN communicator.
    """
    return _SynchronizedIterator(actual_iterator, communicator)
