"""Gamma, Chisquare, Exponential, Beta and Dirichlet."""
import numpy

import fastgrad
import fastgrad.functions as F
from fastgrad.distribution import Distribution, register_kl
from fastgrad.distributions._util import Elementwise, cached, data, var, xp_of


def _draw(v, fn, *args, shape):
    """A draw from ``xp.random.<fn>`` as a constant of ``v``'s dtype."""
    xp = xp_of(v)
    args = [xp.broadcast_to(a, shape) for a in args]
    return getattr(xp.random, fn)(*args, size=shape).astype(data(v).dtype)


class Gamma(Elementwise):
    """Gamma with shape ``k`` and scale ``theta``.  Samples are
    differentiable in ``theta`` (x = theta * Gamma(k, 1)).

    >>> d = fastgrad.distributions.Gamma(np.float32([2.]), np.float32([3.]))
    >>> d.log_prob(np.array([1.], dtype=np.float32)).array
    array([-2.5305579], dtype=float32)
    >>> d.mean.array
    array([6.], dtype=float32)
    """

    def __init__(self, k, theta):
        self.k, self.theta = var(k), var(theta)

    @property
    def params(self):
        return {'k': self.k, 'theta': self.theta}

    @property
    def support(self):
        return 'positive'

    def log_prob(self, x):
        return (-F.lgamma(self.k) - self.k * F.log(self.theta)
                + (self.k - 1) * F.log(x) - x / self.theta)

    @cached
    def mean(self):
        return self.k * self.theta

    @cached
    def variance(self):
        return self.k * self.theta ** 2

    @cached
    def entropy(self):
        return (self.k + F.log(self.theta) + F.lgamma(self.k)
                + (1 - self.k) * F.digamma(self.k))

    def sample_n(self, n):
        k = data(self.k)
        eps = _draw(self.k, 'gamma', k, shape=(n,) + k.shape)
        return self.theta * eps


@register_kl(Gamma, Gamma)
def _kl_gamma(a, b):
    return ((a.k - b.k) * F.digamma(a.k) - F.lgamma(a.k) + F.lgamma(b.k)
            + b.k * (F.log(b.theta) - F.log(a.theta))
            + a.k * (a.theta - b.theta) / b.theta)


class Chisquare(Elementwise):
    """Chi-square with ``k`` degrees of freedom (Gamma(k/2, 2)).

    >>> d = fastgrad.distributions.Chisquare(np.array([3.], dtype=np.float32))
    >>> d.log_prob(np.array([2.], dtype=np.float32)).array
    array([-1.5723649], dtype=float32)
    >>> d.mean.array
    array([3.], dtype=float32)
    """

    def __init__(self, k):
        self.k = var(k)

    @cached
    def _half_k(self):
        return 0.5 * self.k

    @property
    def params(self):
        return {'k': self.k}

    @property
    def support(self):
        return 'positive'

    def log_prob(self, x):
        h = self._half_k
        return -F.lgamma(h) - h * numpy.log(2.0) + (h - 1) * F.log(x) - 0.5 * x

    @cached
    def mean(self):
        return self.k

    @cached
    def variance(self):
        return 2 * self.k

    @cached
    def entropy(self):
        h = self._half_k
        return h + numpy.log(2.0) + F.lgamma(h) + (1 - h) * F.digamma(h)

    def sample_n(self, n):
        k = data(self.k)
        return fastgrad.Variable(_draw(self.k, 'chisquare', k, shape=(n,) + k.shape),
                                 requires_grad=False)


class Exponential(Elementwise):
    """Exponential with rate ``lam`` (reparameterized sampling).

    >>> d = fastgrad.distributions.Exponential(np.array([2.], dtype=np.float32))
    >>> d.log_prob(np.array([1.], dtype=np.float32)).array
    array([-1.3068528], dtype=float32)
    >>> d.mean.array
    array([0.5], dtype=float32)
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
        return 'positive'

    def log_prob(self, x):
        return self._log_lam - self.lam * x

    def cdf(self, x):
        return -F.expm1(-self.lam * x)

    def icdf(self, x):
        return -F.log1p(-var(x)) / self.lam

    @cached
    def mean(self):
        return 1 / self.lam

    @cached
    def variance(self):
        return 1 / self.lam ** 2

    @cached
    def entropy(self):
        return 1 - self._log_lam

    def sample_n(self, n):
        lam = data(self.lam)
        eps = _draw(self.lam, 'standard_exponential', shape=(n,) + lam.shape)
        return eps / self.lam


@register_kl(Exponential, Exponential)
def _kl_exponential(a, b):
    return a._log_lam - b._log_lam + b.lam / a.lam - 1


def _lbeta(a, b):
    return F.lgamma(a) + F.lgamma(b) - F.lgamma(a + b)


class Beta(Elementwise):
    """Beta(a, b) on [0, 1].

    >>> d = fastgrad.distributions.Beta(np.float32([2.]), np.float32([3.]))
    >>> d.log_prob(np.array([0.5], dtype=np.float32)).array
    array([0.40546513], dtype=float32)
    >>> d.mean.array
    array([0.4], dtype=float32)
    """

    def __init__(self, a, b):
        self.a, self.b = var(a), var(b)

    @cached
    def _a_plus_b(self):
        return self.a + self.b

    @property
    def params(self):
        return {'a': self.a, 'b': self.b}

    @property
    def support(self):
        return '[0, 1]'

    def log_prob(self, x):
        return ((self.a - 1) * F.log(x) + (self.b - 1) * F.log1p(-var(x))
                - _lbeta(self.a, self.b))

    @cached
    def mean(self):
        return self.a / self._a_plus_b

    @cached
    def variance(self):
        s = self._a_plus_b
        return self.a * self.b / (s ** 2 * (s + 1))

    @cached
    def entropy(self):
        return (_lbeta(self.a, self.b) - (self.a - 1) * F.digamma(self.a)
                - (self.b - 1) * F.digamma(self.b)
                + (self._a_plus_b - 2) * F.digamma(self._a_plus_b))

    def sample_n(self, n):
        a, b = data(self.a), data(self.b)
        shape = (n,) + a.shape
        draws = _draw(self.a, 'beta', a, b, shape=shape)
        return fastgrad.Variable(draws, requires_grad=False)


@register_kl(Beta, Beta)
def _kl_beta(p, q):
    s_p, s_q = p._a_plus_b, q._a_plus_b
    return (-_lbeta(p.a, p.b) + _lbeta(q.a, q.b)
            + (p.a - q.a) * F.digamma(p.a) + (p.b - q.b) * F.digamma(p.b)
            + (s_q - s_p) * F.digamma(s_p))


class Dirichlet(Distribution):
    """Dirichlet(alpha) over the simplex; events of shape (K,).

    >>> d = fastgrad.distributions.Dirichlet(np.array([[1., 2., 3.]], dtype=np.float32))
    >>> d.log_prob(np.array([[0.2, 0.3, 0.5]], dtype=np.float32)).array
    array([1.5040774], dtype=float32)
    >>> d.mean.array
    array([[0.16666667, 0.33333334, 0.5       ]], dtype=float32)
    """

    def __init__(self, alpha):
        self.alpha = var(alpha)

    @cached
    def alpha0(self):
        return F.sum(self.alpha, axis=-1)

    @cached
    def _lbeta(self):
        return F.sum(F.lgamma(self.alpha), axis=-1) - F.lgamma(self.alpha0)

    @property
    def batch_shape(self):
        return self.alpha.shape[:-1]

    @property
    def event_shape(self):
        return self.alpha.shape[-1:]

    @property
    def params(self):
        return {'alpha': self.alpha}

    @property
    def support(self):
        return '[0, 1]'

    def log_prob(self, x):
        return -self._lbeta + F.sum((self.alpha - 1) * F.log(x), axis=-1)

    @cached
    def mean(self):
        return self.alpha / F.expand_dims(self.alpha0, -1)

    @cached
    def variance(self):
        a0 = F.expand_dims(self.alpha0, -1)
        return self.alpha * (a0 - self.alpha) / (a0 ** 2 * (a0 + 1))

    @cached
    def entropy(self):
        k = self.alpha.shape[-1]
        return (self._lbeta + (self.alpha0 - k) * F.digamma(self.alpha0)
                - F.sum((self.alpha - 1) * F.digamma(self.alpha), axis=-1))

    def sample_n(self, n):
        # Normalized Gamma(alpha_i, 1) draws.
        alpha = data(self.alpha)
        shape = (n,) + alpha.shape
        g = _draw(self.alpha, 'gamma', alpha, shape=shape)
        return fastgrad.Variable(g / g.sum(axis=-1, keepdims=True), requires_grad=False)


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet(p, q):
    return (-p._lbeta + q._lbeta
            + F.sum((p.alpha - q.alpha) * (F.digamma(p.alpha) - F.expand_dims(
                F.digamma(p.alpha0), -1)), axis=-1))
