"""Normal, LogNormal and MultivariateNormal (reparameterized sampling)."""
import numpy

import fastgrad.functions as F
from fastgrad import utils
from fastgrad._core.graph import FunctionNode
from fastgrad.distribution import Distribution, register_kl
from fastgrad.distributions._util import LOG_2PI, Elementwise, cached, data, standard_normal, var


class Normal(Elementwise):
    """Normal distribution N(loc, scale^2); give ``scale`` or ``log_scale``.

    >>> d = fastgrad.distributions.Normal(loc=np.float32([0., 1.]),
    ...                                   scale=np.float32([1., 2.]))
    >>> d.log_prob(np.array([0., 0.], dtype=np.float32)).array
    array([-0.9189385, -1.7370857], dtype=float32)
    >>> d.mean.array
    array([0., 1.], dtype=float32)
    >>> d.entropy.array
    array([1.4189385, 2.1120858], dtype=float32)
    """

    def __init__(self, loc, scale=None, log_scale=None):
        if (scale is None) == (log_scale is None):
            raise ValueError('Normal: either `scale` or `log_scale` (not both) '
                             'must have a value.')
        self._loc, self._scale, self._log_scale = loc, scale, log_scale

    @cached
    def loc(self):
        return var(self._loc)

    @cached
    def scale(self):
        return var(self._scale) if self._scale is not None else F.exp(self.log_scale)

    @cached
    def log_scale(self):
        return var(self._log_scale) if self._log_scale is not None else F.log(self.scale)

    @property
    def params(self):
        return {'loc': self.loc, 'scale': self.scale}

    @property
    def support(self):
        return 'real'

    def _z(self, x):
        return (x - self.loc) / self.scale

    def log_prob(self, x):
        return -0.5 * LOG_2PI - self.log_scale - 0.5 * self._z(x) ** 2

    def prob(self, x):
        return F.exp(self.log_prob(x))

    def cdf(self, x):
        return F.ndtr(self._z(x))

    def log_cdf(self, x):
        return F.log_ndtr(self._z(x))

    def survival_function(self, x):
        return F.ndtr(-self._z(x))

    def log_survival_function(self, x):
        return F.log_ndtr(-self._z(x))

    def icdf(self, x):
        return self.loc + self.scale * F.ndtri(x)

    @cached
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @cached
    def stddev(self):
        return self.scale

    @cached
    def variance(self):
        return self.scale ** 2

    @cached
    def entropy(self):
        return self.log_scale + 0.5 * (LOG_2PI + 1)

    def sample_n(self, n):
        return self.loc + self.scale * standard_normal(self.loc, (n,) + self.loc.shape)


@register_kl(Normal, Normal)
def _kl_normal(p, q):
    return (q.log_scale - p.log_scale
            + 0.5 * (p.variance + (p.loc - q.loc) ** 2) / q.variance - 0.5)


class LogNormal(Elementwise):
    """exp(N(mu, sigma^2)).

    >>> d = fastgrad.distributions.LogNormal(np.float32([0.]), np.float32([1.]))
    >>> d.log_prob(np.array([1.], dtype=np.float32)).array
    array([-0.9189385], dtype=float32)
    """

    def __init__(self, mu, sigma):
        self.mu, self.sigma = var(mu), var(sigma)

    @cached
    def _log_sigma(self):
        return F.log(self.sigma)

    @property
    def params(self):
        return {'mu': self.mu, 'sigma': self.sigma}

    @property
    def support(self):
        return 'positive'

    def log_prob(self, x):
        logx = F.log(x)
        return (-logx - self._log_sigma - 0.5 * LOG_2PI
                - 0.5 * ((logx - self.mu) / self.sigma) ** 2)

    @cached
    def mean(self):
        return F.exp(self.mu + 0.5 * self.sigma ** 2)

    @cached
    def variance(self):
        s2 = self.sigma ** 2
        return F.expm1(s2) * F.exp(2 * self.mu + s2)

    @cached
    def entropy(self):
        return self.mu + self._log_sigma + 0.5 * (LOG_2PI + 1)

    def sample_n(self, n):
        return F.exp(self.mu + self.sigma * standard_normal(self.mu, (n,) + self.mu.shape))


@register_kl(LogNormal, LogNormal)
def _kl_lognormal(p, q):
    return (q._log_sigma - p._log_sigma
            + 0.5 * (p.sigma ** 2 + (p.mu - q.mu) ** 2) / q.sigma ** 2 - 0.5)


class TriangularInv(FunctionNode):
    """Inverse of a stack of lower-triangular matrices (..., d, d).
    d(L^-1) = -L^-1 dL L^-1, so the gradient is -(L^-T gY L^-T) kept lower."""

    def forward(self, inputs):
        L, = inputs
        xp = utils.array_module(L)
        d = L.shape[-1]
        if L.size == 0:             # d = 0 (or an empty stack): nothing to invert
            inv = L.copy()
        elif xp is numpy:
            from scipy.linalg import solve_triangular
            eye = numpy.eye(d, dtype=L.dtype)
            flat = L.reshape(-1, d, d)
            inv = numpy.stack([solve_triangular(m, eye, lower=True) for m in flat])
            inv = inv.reshape(L.shape)
        else:
            inv = xp.linalg.solve(L, xp.broadcast_to(xp.eye(d, dtype=L.dtype), L.shape))
        self.retain_outputs((0,))
        return utils.force_array(inv.astype(L.dtype, copy=False)),

    def backward(self, indexes, grad_outputs):
        inv, = self.get_retained_outputs()
        inv_t = F.swapaxes(inv, -1, -2)
        g = -F.matmul(F.matmul(inv_t, grad_outputs[0]), inv_t)
        xp = utils.array_module(inv.array)
        lower = xp.tril(xp.ones(inv.shape[-2:], dtype=bool))
        return F.where(xp.broadcast_to(lower, g.shape), g,
                       xp.zeros(g.shape, dtype=g.dtype)),


def _tril_inv(L):
    y, = TriangularInv().apply((L,))
    return y


def _triangular_inv(x, lower=True):
    """Inverse of a triangular matrix (or a stack of them), differentiable;
    ``lower=False`` for upper-triangular ``x``.  Only the triangle is read,
    so the gradient is 0 outside it."""
    if lower:
        return _tril_inv(x)
    return F.swapaxes(_tril_inv(F.swapaxes(x, -1, -2)), -1, -2)


def _logdet_tril(L):
    """log |det L| of lower-triangular L: the sum of log |diagonal|."""
    d = L.shape[-1]
    xp = utils.array_module(data(L))
    eye = xp.eye(d, dtype=bool)
    diag = F.sum(F.where(xp.broadcast_to(eye, L.shape), L,
                         xp.zeros(L.shape, dtype=L.dtype)), axis=-1)
    return F.sum(F.log(F.absolute(diag)), axis=-1)


class MultivariateNormal(Distribution):
    """N(loc, L L^T) with ``scale_tril`` = L lower triangular.

    >>> d = fastgrad.distributions.MultivariateNormal(
    ...     np.float32([0., 0.]), scale_tril=np.float32([[1., 0.], [0., 2.]]))
    >>> d.log_prob(np.array([0., 0.], dtype=np.float32)).array
    array(-2.5310242, dtype=float32)
    """

    def __init__(self, loc, scale_tril=None):
        if scale_tril is None:
            raise ValueError('MultivariateNormal: `scale_tril` must have a value.')
        self.loc, self.scale_tril = var(loc), var(scale_tril)

    @property
    def d(self):
        return self.scale_tril.shape[-1]

    @cached
    def _logdet_scale(self):
        return _logdet_tril(self.scale_tril)

    @property
    def batch_shape(self):
        return self.loc.shape[:-1]

    @property
    def event_shape(self):
        return self.loc.shape[-1:]

    @property
    def params(self):
        return {'loc': self.loc, 'scale_tril': self.scale_tril}

    @property
    def support(self):
        return 'real'

    def log_prob(self, x):
        x = var(x)
        inv = F.broadcast_to(_tril_inv(self.scale_tril), x.shape + (self.d,))
        z = F.matmul(inv, F.expand_dims(x - F.broadcast_to(self.loc, x.shape), -1))
        maha = F.sum(z ** 2, axis=(-2, -1))
        return -0.5 * self.d * LOG_2PI - self._logdet_scale - 0.5 * maha

    @cached
    def mean(self):
        return self.loc

    @cached
    def covariance(self):
        return F.matmul(self.scale_tril, F.swapaxes(self.scale_tril, -1, -2))

    @cached
    def entropy(self):
        return self._logdet_scale + 0.5 * self.d * (LOG_2PI + 1)

    def sample_n(self, n):
        eps = standard_normal(self.loc, (n,) + self.loc.shape + (1,))
        L = F.broadcast_to(self.scale_tril, (n,) + self.scale_tril.shape)
        return self.loc + F.squeeze(F.matmul(L, eps), axis=-1)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn(p, q):
    q_inv = _tril_inv(q.scale_tril)
    trace = F.sum(F.matmul(q_inv, p.scale_tril) ** 2, axis=(-2, -1))
    diff = F.expand_dims(p.loc - q.loc, -1)
    maha = F.sum(F.matmul(q_inv, diff) ** 2, axis=(-2, -1))
    return q._logdet_scale - p._logdet_scale + 0.5 * (trace + maha - p.d)

