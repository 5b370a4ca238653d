"""Bernoulli, Categorical, OneHotCategorical, Geometric and Poisson.  Their
samples are not differentiable (drawn, then returned as constants)."""
import numpy

import fastgrad
import fastgrad.functions as F
from fastgrad.distribution import Distribution, register_kl
from fastgrad.distributions._util import (
    Elementwise,
    cached,
    data,
    uniform,
    var,
    where_outside,
    xp_of,
)


def _constant(array):
    return fastgrad.Variable(array, requires_grad=False)


def _bernoulli_log_prob(logit, x, binary_check=False):
    """log P(x) under Bernoulli(sigmoid(logit)), differentiable in ``logit``:
    x logit - softplus(logit), with the limits log x (logit = +inf) and
    log(1 - x) (logit = -inf), whose gradient is 0.  ``binary_check``: -inf
    for an x other than 0 or 1."""
    logit = var(logit)
    x = data(x)
    xp = xp_of(logit)
    with numpy.errstate(invalid='ignore'):    # replaced below where infinite
        lp = x * logit - F.softplus(logit)
    la = data(logit)
    if xp.isinf(la).any():     # p is exactly 0 or 1
        xb = xp.broadcast_to(x, lp.shape)
        with numpy.errstate(divide='ignore'):
            lp = F.where(xp.broadcast_to((la > 0) & xp.isinf(la), lp.shape),
                         xp.log(xb).astype(lp.dtype), lp)
            lp = F.where(xp.broadcast_to((la < 0) & xp.isinf(la), lp.shape),
                         xp.log(1 - xb).astype(lp.dtype), lp)
    if binary_check:
        lp = where_outside(xp.broadcast_to((x != 0) & (x != 1), lp.shape), -numpy.inf, lp)
    return lp


class Bernoulli(Elementwise):
    """P(x = 1) = p; give ``p`` or ``logit`` = log(p / (1 - p)).
    ``binary_check``: log_prob of an x other than 0 or 1 is -inf.

    >>> d = fastgrad.distributions.Bernoulli(p=np.array([0.2, 0.9], dtype=np.float32))
    >>> d.log_prob(np.array([1, 1], dtype=np.int32)).array
    array([-1.609438  , -0.10536051], dtype=float32)
    >>> d.mean.array
    array([0.2, 0.9], dtype=float32)
    """

    def __init__(self, p=None, logit=None, binary_check=False):
        if (p is None) == (logit is None):
            raise ValueError('Bernoulli: either `p` or `logit` (not both) must '
                             'have a value.')
        self._p, self._logit = p, logit
        self.binary_check = binary_check

    @cached
    def p(self):
        return var(self._p) if self._p is not None else F.sigmoid(self.logit)

    @cached
    def logit(self):
        if self._logit is not None:
            return var(self._logit)
        with numpy.errstate(divide='ignore'):     # p = 0 or 1: an infinite logit
            return F.log(self.p) - F.log1p(-self.p)

    @property
    def params(self):
        return {'logit': self.logit}

    @property
    def support(self):
        return '{0, 1}'

    def log_prob(self, x):
        return _bernoulli_log_prob(self.logit, x, self.binary_check)

    @cached
    def mean(self):
        return self.p

    @cached
    def variance(self):
        return self.p * (1 - self.p)

    @cached
    def entropy(self):
        # -(p log p + q log q), finite at p = 0 and p = 1
        from fastgrad.distributions.utils import _modified_xlogx
        return -(_modified_xlogx(self.p) + _modified_xlogx(1 - self.p))

    def sample_n(self, n):
        p = data(self.p)
        draws = uniform(self.p, (n,) + p.shape) < p
        return _constant(draws.astype(p.dtype))


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli(a, b):
    # log p = -softplus(-logit), log(1 - p) = -softplus(logit)
    return (a.p * (F.softplus(-b.logit) - F.softplus(-a.logit))
            + (1 - a.p) * (F.softplus(b.logit) - F.softplus(a.logit)))


def _gather_last(log_p, x):
    """log_p[..., x] for integer x of shape sample + batch."""
    xp = xp_of(log_p)
    x = xp.asarray(data(x)).astype(numpy.int32)
    k = log_p.shape[-1]
    lp = F.broadcast_to(log_p, x.shape + (k,))
    return F.select_item(F.reshape(lp, (-1, k)), x.ravel()).reshape(x.shape)


def _sum_xlogy(p, log_q):
    """sum over the last axis of p * log_q, with 0 * log 0 = 0."""
    xp = xp_of(p)
    zero = data(p) == 0
    return F.sum(F.where(xp.broadcast_to(zero, p.shape), xp.zeros(p.shape, p.dtype),
                         p * log_q), axis=-1)


class Categorical(Distribution):
    """One of K classes with probabilities ``p`` (..., K) or ``logit``.

    >>> d = fastgrad.distributions.Categorical(p=np.float32([[0.2, 0.3, 0.5]]))
    >>> d.log_prob(np.array([2], dtype=np.int32)).array
    array([-0.6931472], dtype=float32)
    """

    def __init__(self, p=None, logit=None):
        if (p is None) == (logit is None):
            raise ValueError('Categorical: either `p` or `logit` (not both) must '
                             'have a value.')
        self._p, self._logit = p, logit

    @cached
    def p(self):
        return var(self._p) if self._p is not None else F.softmax(var(self._logit), axis=-1)

    @cached
    def log_p(self):
        if self._logit is not None:
            return F.log_softmax(var(self._logit), axis=-1)
        return F.log(self.p)

    @property
    def batch_shape(self):
        return self.p.shape[:-1]

    @property
    def event_shape(self):
        return ()

    @property
    def params(self):
        return {'p': self.p}

    def log_prob(self, x):
        return _gather_last(self.log_p, x)

    @cached
    def entropy(self):
        return -_sum_xlogy(self.p, self.log_p)

    def _draw(self, n):
        p = data(self.p)
        xp = xp_of(self.p)
        u = uniform(self.p, (n,) + p.shape[:-1] + (1,))
        return (u > xp.cumsum(p, axis=-1)).sum(axis=-1).clip(0, p.shape[-1] - 1)

    def sample_n(self, n):
        return _constant(self._draw(n).astype(numpy.int32))


@register_kl(Categorical, Categorical)
def _kl_categorical(a, b):
    return _sum_xlogy(a.p, a.log_p - b.log_p)


class OneHotCategorical(Categorical):
    """Categorical whose events are one-hot vectors (event shape (K,)).

    >>> d = fastgrad.distributions.OneHotCategorical(np.float32([[0.2, 0.3, 0.5]]))
    >>> d.log_prob(np.array([[0., 0., 1.]], dtype=np.float32)).array
    array([-0.6931472], dtype=float32)
    """

    def __init__(self, p):
        super().__init__(p=p)

    @property
    def event_shape(self):
        return self.p.shape[-1:]

    def log_prob(self, x):
        xp = xp_of(self.p)
        x = xp.asarray(data(x))
        lp = F.broadcast_to(self.log_p, x.shape)
        return F.sum(F.where(x == 0, xp.zeros(x.shape, lp.dtype), lp * x), axis=-1)

    @cached
    def mean(self):
        return self.p

    @cached
    def variance(self):
        return self.p * (1 - self.p)

    def sample_n(self, n):
        xp = xp_of(self.p)
        k = self.p.shape[-1]
        return _constant(xp.eye(k, dtype=self.p.dtype)[self._draw(n)])


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_one_hot(a, b):
    return _sum_xlogy(a.p, a.log_p - b.log_p)


class Geometric(Elementwise):
    """Number of Bernoulli(p) trials up to the first success (x >= 1).

    >>> d = fastgrad.distributions.Geometric(np.array([0.25], dtype=np.float32))
    >>> d.log_prob(np.array([3.], dtype=np.float32)).array
    array([-1.9616585], dtype=float32)
    >>> d.mean.array
    array([4.], dtype=float32)
    """

    def __init__(self, p):
        self.p = var(p)

    @property
    def params(self):
        return {'p': self.p}

    @property
    def support(self):
        return 'positive integer'

    def log_prob(self, x):
        return (data(x) - 1) * F.log1p(-self.p) + F.log(self.p)

    @cached
    def mean(self):
        return 1 / self.p

    @cached
    def variance(self):
        return (1 - self.p) / self.p ** 2

    @cached
    def entropy(self):
        q = 1 - self.p
        return -(q * F.log(q) + self.p * F.log(self.p)) / self.p

    def sample_n(self, n):
        xp = xp_of(self.p)
        p = data(self.p)
        return _constant(xp.random.geometric(p, (n,) + p.shape).astype(p.dtype))


@register_kl(Geometric, Geometric)
def _kl_geometric(a, b):
    return ((1 / a.p - 1) * (F.log1p(-a.p) - F.log1p(-b.p))
            + F.log(a.p) - F.log(b.p))


class Poisson(Elementwise):
    """Counts with rate ``lam``.

    >>> d = fastgrad.distributions.Poisson(np.array([2.], dtype=np.float32))
    >>> d.log_prob(np.array([3], dtype=np.int32)).array
    array([-1.712318], dtype=float32)
    >>> d.mean.array
    array([2.], dtype=float32)
    """

    def __init__(self, lam):
        self.lam = var(lam)

    @cached
    def _log_lam(self):
        return F.log(self.lam)

    @property
    def params(self):
        return {'lam': self.lam}

    @property
    def support(self):
        return 'non negative integer'

    def log_prob(self, x):
        xp = xp_of(self.lam)
        x = xp.asarray(data(x)).astype(self.lam.dtype)
        # x + 1 as an array even for 0-d x (a NumPy scalar is not an input),
        # in x's dtype (NumPy 1 promotes a 0-d float32 plus 1 to float64)
        return x * self._log_lam - self.lam - F.lgamma(xp.asarray(x + 1, dtype=x.dtype))

    @cached
    def mean(self):
        return self.lam

    @cached
    def variance(self):
        return self.lam

    def sample_n(self, n):
        xp = xp_of(self.lam)
        lam = data(self.lam)
        return _constant(xp.random.poisson(lam, (n,) + lam.shape).astype(lam.dtype))


@register_kl(Poisson, Poisson)
def _kl_poisson(a, b):
    return a.lam * (a._log_lam - b._log_lam) - a.lam + b.lam
