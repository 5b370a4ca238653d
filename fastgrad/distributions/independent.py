"""``Independent``: reinterpret the last batch dimensions of a distribution
as event dimensions (log_prob and entropy are summed over them)."""
import fastgrad.functions as F
from fastgrad.distribution import Distribution, kl_divergence, register_kl


class Independent(Distribution):
    """A distribution whose trailing batch dimensions are event dimensions.

    Args:
        distribution: the base distribution.
        reinterpreted_batch_ndims (int): how many trailing batch dimensions
            become event dimensions (all but the first by default).

    >>> base = fastgrad.distributions.Normal(loc=np.float32([[0., 1.]]),
    ...                                      scale=np.float32([[1., 2.]]))
    >>> d = fastgrad.distributions.Independent(base)
    >>> d.batch_shape, d.event_shape
    ((1,), (2,))
    >>> d.log_prob(np.array([[0., 0.]], dtype=np.float32)).array
    array([-2.6560242], dtype=float32)
    """

    def __init__(self, distribution, reinterpreted_batch_ndims=None):
        ndim = len(distribution.batch_shape)
        if reinterpreted_batch_ndims is None:
            reinterpreted_batch_ndims = max(ndim - 1, 0)
        if not 0 <= reinterpreted_batch_ndims <= ndim:
            raise ValueError('Independent: reinterpreted_batch_ndims must be in '
                             '[0, {}] (the batch ndim of the distribution), got {}'
                             .format(ndim, reinterpreted_batch_ndims))
        self.distribution = distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    def _sum(self, value):
        # Per-event values (log_prob, entropy) carry no event axes of the base.
        n = self.reinterpreted_batch_ndims
        return value if n == 0 else F.sum(value, axis=tuple(range(-n, 0)))

    @property
    def batch_shape(self):
        shape = self.distribution.batch_shape
        return shape[:len(shape) - self.reinterpreted_batch_ndims]

    @property
    def event_shape(self):
        shape = self.distribution.batch_shape
        return (shape[len(shape) - self.reinterpreted_batch_ndims:]
                + self.distribution.event_shape)

    @property
    def params(self):
        return self.distribution.params

    @property
    def support(self):
        return self.distribution.support

    def log_prob(self, x):
        return self._sum(self.distribution.log_prob(x))

    def prob(self, x):
        return F.exp(self.log_prob(x))

    def log_cdf(self, x):
        return self._sum(self.distribution.log_cdf(x))

    def cdf(self, x):
        return F.exp(self.log_cdf(x))

    def log_survival_function(self, x):
        return self._sum(self.distribution.log_survival_function(x))

    def survival_function(self, x):
        return F.exp(self.log_survival_function(x))

    @property
    def entropy(self):
        return self._sum(self.distribution.entropy)

    @property
    def mean(self):
        return self.distribution.mean

    @property
    def mode(self):
        return self.distribution.mode

    @property
    def variance(self):
        return self.distribution.variance

    @property
    def stddev(self):
        return self.distribution.stddev

    def icdf(self, x):
        return self.distribution.icdf(x)

    def sample_n(self, n):
        return self.distribution.sample_n(n)


@register_kl(Independent, Independent)
def _kl_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            'kl_divergence: Independent distributions with different '
            'reinterpreted_batch_ndims ({} vs {})'.format(
                p.reinterpreted_batch_ndims, q.reinterpreted_batch_ndims))
    return p._sum(kl_divergence(p.distribution, q.distribution))
