"""L.NegativeSampling: the weights of F.negative_sampling and its sampler."""
import numpy

from fastgrad import link, variable
from fastgrad.configuration import get_dtype
from fastgrad.functions.loss import negative_sampling
from fastgrad.utils import argument
from fastgrad.utils.walker_alias import WalkerAlias


class NegativeSampling(link.Link):
    """``NegativeSampling(in_size, counts, sample_size, power=0.75, dtype=None)``

    Holds ``W`` (len(counts), in_size), zero-initialised as in Chainer, and a
    :class:`~fastgrad.utils.WalkerAlias` sampler of the classes with
    probabilities proportional to ``counts ** power``.
    ``forward(x, t, reduce='sum', *, return_samples=False)``: see
    :func:`~fastgrad.functions.negative_sampling`.

    >>> ns = L.NegativeSampling(3, counts=[1, 1, 1, 1], sample_size=2)
    >>> x, t = np.zeros((2, 3), np.float32), np.array([0, 1], np.int32)
    >>> loss, samples = ns(x, t, return_samples=True)
    >>> round(float(loss.array), 4), samples.shape  # 2 x 3 log 2 (W is zero)
    (4.1589, (2, 3))
    """

    def __init__(self, in_size, counts, sample_size, power=0.75, dtype=None):
        super().__init__()
        dtype = get_dtype(dtype)
        self.sample_size = sample_size
        p = numpy.asarray(counts, dtype) ** dtype.type(power)
        self.sampler = WalkerAlias(p)
        with self.init_scope():
            self.W = variable.Parameter(numpy.zeros((len(counts), in_size), dtype))

    def device_resident_accept(self, visitor):
        super().device_resident_accept(visitor)
        self.sampler.device_resident_accept(visitor)

    def forward(self, x, t, reduce='sum', **kwargs):
        return_samples = False
        if kwargs:
            return_samples, = argument.parse_kwargs(kwargs, ('return_samples', return_samples))
        # through the module, so a test can patch the function there (as in Chainer)
        return negative_sampling.negative_sampling(
            x, t, self.W, self.sampler.sample, self.sample_size, reduce=reduce,
            return_samples=return_samples)
