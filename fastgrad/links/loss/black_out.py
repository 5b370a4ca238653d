"""L.BlackOut: the weights of F.black_out and its sampler of negatives."""
import numpy

from fastgrad import link, variable
from fastgrad.functions.loss.black_out import black_out
from fastgrad.utils.walker_alias import WalkerAlias


class BlackOut(link.Link):
    """``BlackOut(in_size, counts, sample_size)``

    Holds ``W`` (len(counts), in_size) (uninitialised, as in Chainer: set it
    or initialise it before use) and a :class:`~fastgrad.utils.WalkerAlias`
    sampler proportional to ``counts``. ``forward(x, t)`` draws
    ``(N, sample_size)`` negatives (or uses ``sample_data`` when set, for
    tests) and returns :func:`~fastgrad.functions.black_out`'s mean loss.

    >>> bo = L.BlackOut(3, counts=[1, 1, 1, 1], sample_size=2)
    >>> bo.W.array[...] = 0  # W starts uninitialised (NaN)
    >>> x, t = np.zeros((2, 3), np.float32), np.array([0, 1], np.int32)
    >>> round(float(bo(x, t).array), 4)  # -log(1/3) - 2 log(2/3)
    1.9095
    """

    sample_data = None

    def __init__(self, in_size, counts, sample_size):
        super().__init__()
        self.sampler = WalkerAlias(numpy.asarray(counts, numpy.float32))
        self.sample_size = sample_size
        with self.init_scope():
            self.W = variable.Parameter(shape=(len(counts), in_size))

    def device_resident_accept(self, visitor):
        super().device_resident_accept(visitor)
        self.sampler.device_resident_accept(visitor)

    def forward(self, x, t):
        if self.sample_data is not None:
            samples = self.sample_data
        else:
            samples = self.sampler.sample((x.shape[0], self.sample_size))
        return black_out(x, t, self.W, samples)
