"""batch_normalization: normalize with the batch's own mean and variance."""
import warnings

import numpy

from fastgrad import utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util import bn_kernels, norm_cpu
from fastgrad.functions._util.checks import Checks, same_device
from fastgrad.functions._util.recipe import Op


def parse_axis(axis, func):
    """None, an int, or an ascending sequence of ints (Chainer's rules)."""
    if axis is None:
        return None
    if isinstance(axis, (int, numpy.integer)):
        return (int(axis),)
    try:
        axis = tuple(int(a) for a in axis)
    except TypeError:
        raise TypeError('{}: axis must be None, an int or a tuple of ints, got {!r}'
                        .format(func, axis)) from None
    for a, b in zip(axis, axis[1:]):
        if a >= b:
            raise ValueError('{}: numbers in axis must be sorted in ascending order, got {}'
                             .format(func, axis))
    return axis


def _statistics_axes(axis, ndim, gamma_ndim):
    """The axes the statistics are taken over, non-negative and sorted."""
    if axis is None:
        return (0,) + tuple(range(gamma_ndim + 1, ndim))
    return tuple(sorted(a % ndim for a in axis))


def _key_shape(self, x_shape, gamma_ndim):
    """The shape gamma must have: x's along the axes left over (the key axes)."""
    axis = _statistics_axes(self.axis, len(x_shape), gamma_ndim)
    return tuple(n for i, n in enumerate(x_shape) if i not in axis)


# x, gamma and beta of both batch normalizations; the axis range is checked
# before key_shape reads it
CHECKS = ("x.dtype.kind == 'f'", "gamma.dtype.kind == 'f'",
          'beta.dtype == gamma.dtype', 'beta.shape == gamma.shape')
AXIS_CHECKS = ('self.axis is not None or x.ndim >= gamma.ndim + 1',
               'self.axis is None or -x.ndim <= min(self.axis, default=0)',
               'self.axis is None or max(self.axis, default=-1) < x.ndim',
               'gamma.shape == self.key_shape(x.shape, gamma.ndim)')


class Axes(object):
    """Where the statistics are taken (``axis``) and where gamma lives (``key``)."""
    __slots__ = ('axis', 'bshape', 'm')

    def __init__(self, x, gamma, axis):
        axis = _statistics_axes(axis, x.ndim, gamma.ndim)
        key = tuple(i for i in range(x.ndim) if i not in axis)
        self.axis = axis
        # gamma-like arrays reshaped to broadcast against x
        self.bshape = tuple(n if i in key else 1 for i, n in enumerate(x.shape))
        self.m = max(x.size // max(gamma.size, 1), 1)


def kernels(x, axis, gamma, *per_channel):
    """The module whose ``forward``/``backward``/``fixed_forward`` take this
    batch normalization in a few passes (``bn_kernels`` on CuPy, ``norm_cpu``
    on NumPy), or None for the generic array code."""
    for module in (bn_kernels, norm_cpu):
        if module.applies(x, axis, gamma, *per_channel):
            return module
    return None


def _warn_single_sample(axis):
    """Every axis the statistics are taken over has length 1: x - mean is 0."""
    if 0 in axis:
        msg = ('batch_normalization: the batch has one sample (every axis the '
               'statistics are taken over, {}, has length 1), so the output is '
               'all beta (x minus its mean is zero); was it run in evaluation '
               'with config.train left True, or is the last batch of a '
               'non-repeating iterator of size 1?'.format(axis))
    else:
        msg = ('batch_normalization: every axis the statistics are taken over, '
               '{}, has length 1, so the output is all beta (x minus its mean '
               'is zero)'.format(axis))
    warnings.warn(msg, UserWarning, stacklevel=4)


class BatchNormalization(Op):
    __slots__ = ('eps', 'running_mean', 'running_var', 'decay', 'axis', 'ax', 'ct',
                 'mean', 'inv_std')
    checks = Checks('x, gamma, beta', *CHECKS, *AXIS_CHECKS)
    key_shape = _key_shape

    def __init__(self, eps=2e-5, running_mean=None, running_var=None, decay=0.9, axis=None):
        self.eps = float(eps)
        self.running_mean = running_mean
        self.running_var = running_var
        self.decay = float(decay)
        self.axis = parse_axis(axis, 'batch_normalization')

    def forward(self, inputs):
        x, gamma, beta = inputs
        for name in ('running_mean', 'running_var'):
            if getattr(self, name) is not None:
                same_device('batch_normalization', name, getattr(self, name), x)
        ax = self.ax = Axes(x, gamma, self.axis)
        if all(x.shape[i] == 1 for i in ax.axis):
            _warn_single_sample(ax.axis)
        ct = self.ct = utils.compute_dtype(x.dtype, gamma.dtype)
        self.retain_inputs((0, 1))
        fast = kernels(x, ax.axis, gamma, beta, self.running_mean, self.running_var)
        if fast is not None:
            # CuPy: three launches instead of about sixteen; NumPy: two passes over x
            y, self.mean, self.inv_std = fast.forward(
                x, gamma, beta, self.eps, self.running_mean, self.running_var, self.decay)
            return y,
        xp = utils.array_module(x)
        axis = ax.axis
        mean = x.mean(axis=axis, dtype=ct, keepdims=True)
        xc = xp.subtract(x, mean, dtype=ct)
        var = xp.square(xc).mean(axis=axis, keepdims=True)
        inv_std = 1.0 / xp.sqrt(var + ct.type(self.eps))
        self.mean = mean
        self.inv_std = inv_std
        scale = gamma.reshape(ax.bshape) * inv_std
        xc *= scale
        xc += beta.reshape(ax.bshape)
        y = xc.astype(x.dtype, copy=False)
        if self.running_mean is not None:
            self._update(self.running_mean, mean.reshape(gamma.shape), 1.0)
        if self.running_var is not None:
            # Unbiased estimate, as Chainer: var * m / (m - 1).
            adjust = ax.m / max(ax.m - 1.0, 1.0)
            self._update(self.running_var, var.reshape(gamma.shape), adjust)
        return y,

    def _update(self, running, batch_stat, factor):
        """``running = decay * running + (1 - decay) * factor * batch_stat``, in place."""
        running *= self.decay
        running += ((1.0 - self.decay) * factor * batch_stat).astype(running.dtype, copy=False)

    def gradient(self, ns, indexes, grad_outputs):
        x, gamma = ns.inputs(self)
        ax, ct = self.ax, self.ct
        fast = None
        if not ns.differentiable and grad_outputs[0].dtype == x.dtype:
            fast = kernels(x, ax.axis, gamma)
        if fast is not None:
            # CuPy: two launches instead of about twelve; NumPy: two passes
            grads = fast.backward(x, grad_outputs[0], gamma, self.mean, self.inv_std,
                                  0 in indexes)
            return tuple(grads[i] for i in indexes)
        gy = ns.cast(grad_outputs[0], ct)
        xf = ns.cast(x, ct)
        if ns.differentiable:
            # statistics recomputed from x, so they are differentiated too
            xc = xf - ns.mean(xf, axis=ax.axis, keepdims=True)
            inv_std = (ns.mean(xc * xc, axis=ax.axis, keepdims=True) + self.eps) ** -0.5
        else:
            xc = xf - self.mean                 # forward's statistics
            inv_std = self.inv_std
        x_hat = xc * inv_std
        gbeta = ns.sum(gy, axis=ax.axis, keepdims=True)
        ggamma = ns.sum(gy * x_hat, axis=ax.axis, keepdims=True)
        out = []
        for i in indexes:
            if i == 0:
                # gx = gamma / std * (gy - mean(gy) - x_hat * mean(gy * x_hat))
                g = ns.reshape(ns.cast(gamma, ct), ax.bshape) * inv_std
                gx = g * (gy - (x_hat * ggamma + gbeta) * (1.0 / ax.m))
                out.append(ns.cast(gx, self.inputs[0].dtype))
            elif i == 1:
                out.append(ns.cast(ns.reshape(ggamma, gamma.shape), self.inputs[1].dtype))
            else:
                out.append(ns.cast(ns.reshape(gbeta, gamma.shape), self.inputs[2].dtype))
        return tuple(out)

def _raw(a):
    return a.array if isinstance(a, Variable) else a


def batch_normalization(x, gamma, beta, eps=2e-5, running_mean=None, running_var=None,
                        decay=0.9, axis=None, **kwargs):
    """Batch normalization: ``y = gamma * (x - mean) / sqrt(var + eps) + beta``
    with the mean and (biased) variance of ``x`` over ``axis``.

    ``axis`` defaults to ``(0,)`` plus every axis after gamma's: for ``x``
    ``(N, C, H, W)`` and ``gamma`` ``(C,)``, the statistics are per channel
    over ``(0, 2, 3)``.  ``gamma`` and ``beta`` have the shape of the axes
    left over.  If ``running_mean`` / ``running_var`` are given they are
    updated in place: ``r = decay * r + (1 - decay) * stat`` (the variance
    unbiased, times ``m / (m - 1)``).  The output dtype is ``x``'s; float16
    inputs are computed in float32.

    >>> x = np.array([[1., 2.], [3., 6.]], dtype=np.float32)
    >>> gamma = np.ones(2, dtype=np.float32)
    >>> beta = np.zeros(2, dtype=np.float32)
    >>> F.batch_normalization(x, gamma, beta).array.round(4)
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    """
    if 'train' in kwargs:
        raise ValueError('train argument is not supported anymore. Use '
                         "chainer.using_config('train', train).")
    if kwargs:
        raise TypeError('batch_normalization() got unexpected keyword arguments: {}'
                        .format(', '.join(sorted(kwargs))))
    func = BatchNormalization(eps, _raw(running_mean), _raw(running_var), decay, axis)
    y, = func.apply((x, gamma, beta))
    return y
