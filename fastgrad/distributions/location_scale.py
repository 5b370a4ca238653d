"""Cauchy, Gumbel, Laplace, Pareto and Uniform: sampled by transforming
uniform noise, so samples are differentiable in the parameters."""
import math
import warnings

import numpy

import fastgrad.functions as F
from fastgrad.distribution import register_kl
from fastgrad.distributions._util import (
    EULER,
    Elementwise,
    cached,
    data,
    full_like,
    uniform,
    var,
    where_outside,
    xp_of,
)


class _LocScale(Elementwise):
    def __init__(self, loc, scale):
        self.loc, self.scale = var(loc), var(scale)

    @property
    def params(self):
        return {'loc': self.loc, 'scale': self.scale}

    @property
    def support(self):
        return 'real'

    @cached
    def _log_scale(self):
        return F.log(self.scale)

    def _z(self, x):
        return (x - self.loc) / self.scale

    def sample_n(self, n):
        u = uniform(self.loc, (n,) + self.loc.shape)
        return self.icdf(u)


class Cauchy(_LocScale):
    """Cauchy(loc, scale); its mean and variance are undefined: reading them
    warns (RuntimeWarning) and gives nan, as ``scipy.stats.cauchy`` does.

    >>> d = fastgrad.distributions.Cauchy(np.float32([0.]), np.float32([1.]))
    >>> d.log_prob(np.array([1.], dtype=np.float32)).array
    array([-1.837877], dtype=float32)
    """

    def log_prob(self, x):
        return -math.log(math.pi) - self._log_scale - F.log1p(self._z(x) ** 2)

    def cdf(self, x):
        return 0.5 + F.arctan(self._z(x)) / math.pi

    def icdf(self, x):
        return self.loc + self.scale * F.tan(math.pi * (var(x) - 0.5))

    @cached
    def entropy(self):
        return math.log(4 * math.pi) + self._log_scale

    @property
    def mean(self):
        warnings.warn('Cauchy: the mean of the Cauchy distribution is undefined '
                      '(nan).', RuntimeWarning, stacklevel=2)
        return var(full_like(self.loc, numpy.nan))

    @property
    def variance(self):
        warnings.warn('Cauchy: the variance of the Cauchy distribution is '
                      'undefined (nan).', RuntimeWarning, stacklevel=2)
        return var(full_like(self.loc, numpy.nan))


class Gumbel(_LocScale):
    """Gumbel (maximum) distribution.

    >>> d = fastgrad.distributions.Gumbel(np.float32([0.]), np.float32([1.]))
    >>> d.log_prob(np.array([0.], dtype=np.float32)).array
    array([-1.], dtype=float32)
    """

    def log_prob(self, x):
        z = self._z(x)
        return -self._log_scale - z - F.exp(-z)

    def cdf(self, x):
        return F.exp(-F.exp(-self._z(x)))

    def icdf(self, x):
        return self.loc - self.scale * F.log(-F.log(var(x)))

    @cached
    def mean(self):
        return self.loc + EULER * self.scale

    @cached
    def variance(self):
        return (math.pi ** 2 / 6) * self.scale ** 2

    @cached
    def entropy(self):
        return self._log_scale + EULER + 1


@register_kl(Gumbel, Gumbel)
def _kl_gumbel(p, q):
    r = p.scale / q.scale
    return (q._log_scale - p._log_scale + EULER * (r - 1)
            + (p.loc - q.loc) / q.scale
            + F.exp((q.loc - p.loc) / q.scale + F.lgamma(r + 1)) - 1)


def _laplace_cdf(x):
    """CDF of the standard Laplace distribution (loc 0, scale 1) at ``x``,
    differentiable in ``x``: 1/2 exp(x) below 0, 1 - 1/2 exp(-x) above."""
    x = var(x)
    return 0.5 - 0.5 * xp_of(x).sign(data(x)) * F.expm1(-F.absolute(x))


def _laplace_icdf(x):
    """Inverse CDF of the standard Laplace distribution at ``x`` in (0, 1),
    differentiable in ``x``: log(2x) below 1/2, -log(2 - 2x) above (each
    exact near its end, also in float32)."""
    x = var(x)
    xp = xp_of(x)
    below = data(x) < 0.5
    one = xp.ones_like(data(x))
    return F.log(F.where(below, 2 * x, one)) - F.log(F.where(below, one, 2 - 2 * x))


class Laplace(_LocScale):
    """Laplace (double exponential) distribution.

    >>> d = fastgrad.distributions.Laplace(np.float32([0.]), np.float32([1.]))
    >>> d.log_prob(np.array([1.], dtype=np.float32)).array
    array([-1.6931472], dtype=float32)
    >>> d.variance.array
    array([2.], dtype=float32)
    """

    def log_prob(self, x):
        return -math.log(2) - self._log_scale - F.absolute(self._z(x))

    def cdf(self, x):
        return _laplace_cdf(self._z(x))

    def icdf(self, x):
        return self.loc + self.scale * _laplace_icdf(x)

    @cached
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @cached
    def variance(self):
        return 2 * self.scale ** 2

    @cached
    def entropy(self):
        return math.log(2) + 1 + self._log_scale


@register_kl(Laplace, Laplace)
def _kl_laplace(p, q):
    d = F.absolute(p.loc - q.loc)
    return (q._log_scale - p._log_scale + d / q.scale
            + p.scale / q.scale * F.exp(-d / p.scale) - 1)


class Pareto(Elementwise):
    """Pareto with minimum ``scale`` and shape ``alpha``.

    >>> d = fastgrad.distributions.Pareto(np.float32([1.]), np.float32([3.]))
    >>> d.log_prob(np.array([2.], dtype=np.float32)).array
    array([-1.6739764], dtype=float32)
    >>> d.mean.array
    array([1.5], dtype=float32)
    """

    def __init__(self, scale, alpha):
        self.scale, self.alpha = var(scale), var(alpha)

    @property
    def params(self):
        return {'scale': self.scale, 'alpha': self.alpha}

    @property
    def support(self):
        return '[scale, inf]'

    def log_prob(self, x):
        lp = (F.log(self.alpha) + self.alpha * F.log(self.scale)
              - (self.alpha + 1) * F.log(x))
        below = data(x) < data(self.scale)
        return where_outside(xp_of(lp).broadcast_to(below, lp.shape), -numpy.inf, lp)

    @cached
    def mean(self):
        m = self.alpha * self.scale / (self.alpha - 1)
        return where_outside(data(self.alpha) <= 1, numpy.inf, m)

    @cached
    def variance(self):
        a = self.alpha
        v = self.scale ** 2 * a / ((a - 1) ** 2 * (a - 2))
        return where_outside(data(a) <= 2, numpy.inf, v)

    @cached
    def entropy(self):
        return F.log(self.scale) - F.log(self.alpha) + 1 / self.alpha + 1

    def sample_n(self, n):
        u = uniform(self.scale, (n,) + self.scale.shape)
        return self.scale * u ** (-1 / self.alpha)


@register_kl(Pareto, Pareto)
def _kl_pareto(p, q):
    kl = (F.log(p.alpha) - F.log(q.alpha) + q.alpha * (F.log(p.scale) - F.log(q.scale))
          + q.alpha / p.alpha - 1)
    return where_outside(data(p.scale) < data(q.scale), numpy.inf, kl)


class Uniform(Elementwise):
    """Uniform on [low, high); give ``low``/``high`` or ``loc``/``scale``
    (low = loc, high = loc + scale).

    >>> d = fastgrad.distributions.Uniform(low=np.float32([0.]), high=np.float32([4.]))
    >>> d.log_prob(np.array([1.], dtype=np.float32)).array
    array([-1.3862944], dtype=float32)
    >>> d.mean.array
    array([2.], dtype=float32)
    """

    def __init__(self, low=None, high=None, loc=None, scale=None):
        if (low is None) != (high is None) or (loc is None) != (scale is None) \
                or (low is None) == (loc is None):
            raise ValueError('Uniform: give either low and high, or loc and scale.')
        if low is not None:
            self.low, self.high = var(low), var(high)
        else:
            self.low = var(loc)
            self.high = self.low + var(scale)

    @property
    def loc(self):
        return self.low

    @cached
    def scale(self):
        return self.high - self.low

    @property
    def params(self):
        return {'low': self.low, 'high': self.high}

    @property
    def support(self):
        return '[low, high]'

    def log_prob(self, x):
        lp = F.broadcast_to(-F.log(self.scale), xp_of(self.low).broadcast_shapes(
            numpy.shape(data(x)), self.low.shape))
        x = data(x)
        outside = (x < data(self.low)) | (x >= data(self.high))
        return where_outside(xp_of(lp).broadcast_to(outside, lp.shape), -numpy.inf, lp)

    def cdf(self, x):
        return F.clip((x - self.low) / self.scale, 0.0, 1.0)

    def icdf(self, x):
        return self.low + self.scale * x

    @cached
    def mean(self):
        return 0.5 * (self.low + self.high)

    @cached
    def variance(self):
        return self.scale ** 2 / 12

    @cached
    def stddev(self):
        return self.scale / math.sqrt(12)

    @cached
    def entropy(self):
        return F.log(self.scale)

    def sample_n(self, n):
        return self.icdf(uniform(self.low, (n,) + self.low.shape))


@register_kl(Uniform, Uniform)
def _kl_uniform(p, q):
    kl = F.log(q.scale) - F.log(p.scale)
    inside = (data(q.low) <= data(p.low)) & (data(p.high) <= data(q.high))
    return where_outside(~inside, numpy.inf, kl)
