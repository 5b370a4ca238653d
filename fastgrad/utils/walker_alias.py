"""WalkerAlias: draw integers from a fixed discrete distribution in O(1) each
(Walker's alias method, built with Vose's two-list construction)."""
import numpy

from fastgrad.device_resident import DeviceResident


class WalkerAlias(DeviceResident):
    """``WalkerAlias(probs)``: a sampler of ``i`` with probability
    ``probs[i] / sum(probs)``.

    The table splits ``n`` equal columns between an entry and its alias:
    column ``i`` keeps ``i`` with probability ``threshold[i]`` and gives
    ``alias[i]`` otherwise.  ``sample(shape)`` draws one uniform number per
    sample, on the sampler's device (NumPy, or CuPy after ``to_device``; a link
    holding the sampler moves it along).

    >>> from fastgrad import utils
    >>> sampler = utils.WalkerAlias([0., 1., 3.])
    >>> np.random.seed(0)
    >>> s = sampler.sample((1000,))
    >>> s.dtype, sorted(set(s.tolist()))
    (dtype('int32'), [1, 2])
    """

    def __init__(self, probs):
        super().__init__()
        p = numpy.asarray(probs, dtype=numpy.float64).ravel()
        if p.size == 0 or (p < 0).any() or not numpy.isfinite(p).all() or p.sum() <= 0:
            raise ValueError('WalkerAlias: probs must be non-negative, finite and not all '
                             'zero; got {}'.format(probs))
        n = p.size
        scaled = p * (n / p.sum())
        threshold = numpy.ones(n)
        alias = numpy.arange(n, dtype=numpy.int32)
        small = [i for i in range(n) if scaled[i] < 1]
        large = [i for i in range(n) if scaled[i] >= 1]
        while small and large:
            s, g = small.pop(), large.pop()
            threshold[s], alias[s] = scaled[s], g
            scaled[g] -= 1 - scaled[s]
            (small if scaled[g] < 1 else large).append(g)
        # what is left is 1 up to rounding: those columns keep their entry
        self.threshold = threshold.astype(numpy.float32)
        self.alias = alias

    @property
    def use_gpu(self):
        return not isinstance(self.threshold, numpy.ndarray)

    def device_resident_accept(self, visitor):
        """Move the table with the object (or the link that owns it)."""
        super().device_resident_accept(visitor)
        self.threshold = visitor.visit_array(self.threshold)
        self.alias = visitor.visit_array(self.alias)

    def sample(self, shape):
        """An int32 array of ``shape`` drawn from the distribution."""
        xp = self.xp
        n = len(self.threshold)
        u = xp.random.uniform(0, n, shape)
        column = xp.minimum(u.astype(numpy.int32), n - 1)    # u == n by rounding
        keep = (u - column) < self.threshold[column]
        return xp.where(keep, column, self.alias[column]).astype(numpy.int32)
