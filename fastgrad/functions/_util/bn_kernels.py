"""Batch normalization on CuPy arrays in few launches.

The generic op (functions/normalization/batch_normalization.py) makes one
CuPy call per NumPy operation: 16 launches forward (with the running
statistics) and 12 for the gradient.  Small CNNs are bound by launches, so
on CuPy arrays normalized per channel (``x`` of shape ``(N, C)`` or
``(N, C, ...)``, the statistics over every axis but 1; ``gamma``, ``beta``
and the running statistics float32 or float64, all of one dtype, the
compute dtype: ``x`` float16 or of a dtype no wider) these kernels do the
same:

* ``fastgrad_bn_mean``: the per-channel mean (a ``cupy.ReductionKernel``);
  ``_running`` also updates the running mean in place.
* ``fastgrad_bn_inv_std``: ``1 / sqrt(var + eps)`` from the centred squares
  (two passes over ``x``, as the generic path); ``_running`` also updates
  the running variance with the unbiased variance (``var * m / (m - 1)``).
* ``fastgrad_bn_forward``: ``y = (x - mean) * (gamma * inv_std) + beta``
  (a ``cupy.ElementwiseKernel``).
* ``fastgrad_bn_grad_sums``: ``sum(gy)`` and ``sum(gy * x_hat)`` per
  channel in one reduction: the gradients of ``beta`` and ``gamma``.
* ``fastgrad_bn_backward``: the gradient of ``x``.
* ``fastgrad_bn_fixed_forward``: fixed_batch_normalization (given
  statistics, inference mode) in one launch instead of nine.

The operations in the dtype are the generic path's, in its order; the sums
are accumulated in double (the generic path's in the dtype), so results
agree to rounding (float16 outputs are rounded once, from the compute
dtype, as the generic path's cast).  float16 gamma (computed in float32),
a gamma narrower than ``x`` and a ``gy`` of another dtype than ``x`` keep the
generic path, and so does double backprop (its gradient is differentiated).

``SPECS`` lists every kernel (name -> ``Elementwise`` or ``Reduction``, the
strings given to CuPy) so that tests compile each body outside CuPy (host
C++ and nvcc).  The kernels run when ``fastgrad.config.gpu_batch_norm_kernels``
is true (the default; FASTGRAD_GPU_BATCH_NORM_KERNELS=0 turns them off).
"""
import numpy

from fastgrad import configuration, utils
from fastgrad.functions._util.kernel_specs import Elementwise, Kernels, Reduction

SPECS = {}


# X is x's dtype (x, y, gy, gx), T the compute dtype, gamma's (the per-channel
# arrays): every operation in T, as the generic path after its casts.
# The running statistics: r = decay * r + c * stat (c = (1 - decay) * factor),
# in T, as the generic in-place update.
SPECS['fastgrad_bn_mean'] = Reduction(
    'X x, float64 m', 'T mean', '(T)x', 'a + b', 'mean = (T)(a / m)', '0', 'double', '')
SPECS['fastgrad_bn_mean_running'] = Reduction(
    'X x, float64 m, T decay, T c', 'T mean, T running_mean', '(T)x', 'a + b',
    'mean = (T)(a / m), running_mean = running_mean * decay + c * mean',
    '0', 'double', '')

_SQUARE = '((T)x - mean) * ((T)x - mean)'
_INV_STD = 'inv_std = (T)1 / sqrt((T)(a / m) + eps)'
SPECS['fastgrad_bn_inv_std'] = Reduction(
    'X x, T mean, float64 m, T eps', 'T inv_std', _SQUARE, 'a + b', _INV_STD, '0',
    'double', '')
SPECS['fastgrad_bn_inv_std_running'] = Reduction(
    'X x, T mean, float64 m, T eps, T decay, T c', 'T inv_std, T running_var', _SQUARE,
    'a + b', _INV_STD + ', running_var = running_var * decay + c * (T)(a / m)', '0',
    'double', '')

SPECS['fastgrad_bn_forward'] = Elementwise(
    'X x, T mean, T inv_std, T gamma, T beta', 'X y',
    'y = (X)(((T)x - mean) * (gamma * inv_std) + beta);')

# two sums in one pass: a pair of doubles
_PAIR = '''
struct fastgrad_bn_pair {
    double s, t;
    __device__ fastgrad_bn_pair(double v = 0) : s(v), t(v) {}
    __device__ fastgrad_bn_pair(double s_, double t_) : s(s_), t(t_) {}
};
'''
SPECS['fastgrad_bn_grad_sums'] = Reduction(
    'X x, X gy, T mean, T inv_std', 'T gbeta, T ggamma',
    'fastgrad_bn_pair((T)gy, (T)gy * (((T)x - mean) * inv_std))',
    'fastgrad_bn_pair(a.s + b.s, a.t + b.t)', 'gbeta = (T)a.s, ggamma = (T)a.t',
    '0', 'fastgrad_bn_pair', _PAIR)

SPECS['fastgrad_bn_backward'] = Elementwise(
    'X x, X gy, T mean, T inv_std, T gamma, T ggamma, T gbeta, T inv_m', 'X gx',
    'gx = (X)((gamma * inv_std) * ((T)gy - (((T)x - mean) * inv_std * ggamma + gbeta)'
    ' * inv_m));')

# fixed_batch_normalization: the generic path's per-channel scale and shift, per element
SPECS['fastgrad_bn_fixed_forward'] = Elementwise(
    'X x, T gamma, T beta, T mean, T var, T eps', 'X y',
    'const T scale = gamma * ((T)1 / sqrt(var + eps));\n'
    'y = (X)((T)x * scale + (beta - mean * scale));')

_DTYPES = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))


kernel = Kernels(SPECS)     # kernel(name): the CuPy kernel, built once


def enabled(a):
    """Whether ``a`` is a CuPy array and ``config.gpu_batch_norm_kernels`` is on."""
    if isinstance(a, numpy.ndarray) or not configuration.config.gpu_batch_norm_kernels:
        return False
    return getattr(utils.array_module(a), '__name__', '') == 'cupy'


def applies(x, axis, gamma, *per_channel):
    """Whether the kernels take a batch normalization of ``x`` over ``axis``
    with ``gamma`` and the per-channel arrays ``per_channel`` (beta, running
    statistics; None: absent): see the module docstring."""
    if not enabled(x) or gamma.dtype not in _DTYPES or x.ndim < 2 or x.size == 0:
        return False
    # the generic path computes in gamma's dtype: x float16, or as wide as gamma
    if x.dtype.kind != 'f' or utils.compute_dtype(x.dtype, gamma.dtype) != gamma.dtype:
        return False
    if tuple(axis) != (0,) + tuple(range(2, x.ndim)):
        return False
    return all(a is None or (a.dtype == gamma.dtype and a.shape == x.shape[1:2])
               for a in (gamma,) + per_channel)


def _bshape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def forward(x, gamma, beta, eps, running_mean, running_var, decay):
    """``(y, mean, inv_std)``, the statistics shaped ``(1, C, 1, ...)``; the
    running statistics (None: not kept) are updated in place."""
    xp = utils.array_module(x)
    c, ct = x.shape[1], gamma.dtype
    axis = (0,) + tuple(range(2, x.ndim))
    m = x.size // c
    mean = xp.empty(c, ct)
    inv_std = xp.empty(c, ct)
    if running_mean is None:
        kernel('fastgrad_bn_mean')(x, m, mean, axis=axis)
    else:
        kernel('fastgrad_bn_mean_running')(x, m, decay, 1.0 - decay, mean, running_mean,
                                           axis=axis)
    mean = mean.reshape(_bshape(x))
    if running_var is None:
        kernel('fastgrad_bn_inv_std')(x, mean, m, eps, inv_std, axis=axis)
    else:
        # the unbiased variance, as Chainer: var * m / (m - 1)
        adjust = m / max(m - 1.0, 1.0)
        kernel('fastgrad_bn_inv_std_running')(x, mean, m, eps, decay,
                                              (1.0 - decay) * adjust, inv_std, running_var,
                                              axis=axis)
    inv_std = inv_std.reshape(_bshape(x))
    y = xp.empty(x.shape, x.dtype)
    kernel('fastgrad_bn_forward')(x, mean, inv_std, gamma.reshape(_bshape(x)),
                                  beta.reshape(_bshape(x)), y)
    return y, mean, inv_std


def backward(x, gy, gamma, mean, inv_std, need_gx):
    """``(gx, ggamma, gbeta)`` from forward's ``mean`` and ``inv_std``
    (``gx`` None unless ``need_gx``); ``gy`` has ``x``'s dtype."""
    xp = utils.array_module(x)
    c, ct = x.shape[1], gamma.dtype
    gbeta = xp.empty(c, ct)
    ggamma = xp.empty(c, ct)
    kernel('fastgrad_bn_grad_sums')(x, gy, mean, inv_std, gbeta, ggamma,
                                    axis=(0,) + tuple(range(2, x.ndim)))
    gx = None
    if need_gx:
        b = _bshape(x)
        gx = xp.empty(x.shape, x.dtype)
        kernel('fastgrad_bn_backward')(x, gy, mean, inv_std, gamma.reshape(b),
                                       ggamma.reshape(b), gbeta.reshape(b),
                                       1.0 / (x.size // c), gx)
    return gx, ggamma, gbeta


def fixed_forward(x, gamma, beta, mean, var, eps):
    """fixed_batch_normalization's ``y``."""
    b = _bshape(x)
    y = utils.array_module(x).empty(x.shape, x.dtype)
    kernel('fastgrad_bn_fixed_forward')(x, gamma.reshape(b), beta.reshape(b), mean.reshape(b),
                                        var.reshape(b), eps, y)
    return y
