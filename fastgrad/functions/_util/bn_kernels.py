"""Batch normalization on CuPy arrays in few launches.

The generic op (functions/normalization/batch_normalization.py) makes one
CuPy call per NumPy operation: 16 launches forward (with the running
statistics) and 12 for the gradient.  Small CNNs are bound by launches, so
on CuPy arrays normalized per channel (``x`` of shape ``(N, C)`` or
``(N, C, ...)``, the statistics over every axis but 1; ``x``, ``gamma``,
``beta`` and the running statistics float32 or float64, all of one dtype)
these kernels do the same:

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
agree to rounding.  float16 and mixed dtypes keep the generic path, and so
does double backprop (its gradient is differentiated).

``SPECS`` lists every kernel (name -> ``Elementwise`` or ``Reduction``, the
strings given to CuPy) so that tests compile each body outside CuPy (host
C++ and nvcc).  The kernels run when ``fastgrad.config.gpu_batch_norm_kernels``
is true (the default; FASTGRAD_GPU_BATCH_NORM_KERNELS=0 turns them off).
"""
import collections
import threading

import numpy

from fastgrad import configuration, utils

Elementwise = collections.namedtuple('Elementwise', 'in_params out_params body')
Reduction = collections.namedtuple(
    'Reduction', 'in_params out_params map_expr reduce_expr post_map_expr identity '
    'reduce_type preamble')

SPECS = {}

_lock = threading.Lock()
_kernels = {}

# the running statistics: r = decay * r + c * stat (c = (1 - decay) * factor),
# in the dtype, as the generic in-place update
SPECS['fastgrad_bn_mean'] = Reduction(
    'T x, float64 m', 'T mean', 'x', 'a + b', 'mean = (T)(a / m)', '0', 'double', '')
SPECS['fastgrad_bn_mean_running'] = Reduction(
    'T x, float64 m, T decay, T c', 'T mean, T running_mean', 'x', 'a + b',
    'mean = (T)(a / m), running_mean = running_mean * decay + c * mean',
    '0', 'double', '')

_INV_STD = 'inv_std = (T)1 / sqrt((T)(a / m) + eps)'
SPECS['fastgrad_bn_inv_std'] = Reduction(
    'T x, T mean, float64 m, T eps', 'T inv_std', '(x - mean) * (x - mean)', 'a + b',
    _INV_STD, '0', 'double', '')
SPECS['fastgrad_bn_inv_std_running'] = Reduction(
    'T x, T mean, float64 m, T eps, T decay, T c', 'T inv_std, T running_var',
    '(x - mean) * (x - mean)', 'a + b',
    _INV_STD + ', running_var = running_var * decay + c * (T)(a / m)', '0', 'double', '')

SPECS['fastgrad_bn_forward'] = Elementwise(
    'T x, T mean, T inv_std, T gamma, T beta', 'T y',
    'y = (x - mean) * (gamma * inv_std) + beta;')

# two sums in one pass: a pair of doubles
_PAIR = '''
struct fastgrad_bn_pair {
    double s, t;
    __device__ fastgrad_bn_pair(double v = 0) : s(v), t(v) {}
    __device__ fastgrad_bn_pair(double s_, double t_) : s(s_), t(t_) {}
};
'''
SPECS['fastgrad_bn_grad_sums'] = Reduction(
    'T x, T gy, T mean, T inv_std', 'T gbeta, T ggamma',
    'fastgrad_bn_pair(gy, gy * ((x - mean) * inv_std))',
    'fastgrad_bn_pair(a.s + b.s, a.t + b.t)', 'gbeta = (T)a.s, ggamma = (T)a.t',
    '0', 'fastgrad_bn_pair', _PAIR)

SPECS['fastgrad_bn_backward'] = Elementwise(
    'T x, T gy, T mean, T inv_std, T gamma, T ggamma, T gbeta, T inv_m', 'T gx',
    'gx = (gamma * inv_std) * (gy - ((x - mean) * inv_std * ggamma + gbeta) * inv_m);')

# fixed_batch_normalization: the generic path's per-channel scale and shift, per element
SPECS['fastgrad_bn_fixed_forward'] = Elementwise(
    'T x, T gamma, T beta, T mean, T var, T eps', 'T y',
    'const T scale = gamma * ((T)1 / sqrt(var + eps));\n'
    'y = x * scale + (beta - mean * scale);')

_DTYPES = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))


def kernel(name):
    """The CuPy kernel of ``name`` (built once, cached)."""
    k = _kernels.get(name)
    if k is None:
        import cupy
        spec = SPECS[name]
        with _lock:
            k = _kernels.get(name)
            if k is None:
                if isinstance(spec, Elementwise):
                    k = cupy.ElementwiseKernel(*spec, name=name)
                else:
                    k = cupy.ReductionKernel(
                        spec.in_params, spec.out_params, spec.map_expr, spec.reduce_expr,
                        spec.post_map_expr, spec.identity, name,
                        reduce_type=spec.reduce_type, preamble=spec.preamble)
                _kernels[name] = k
    return k


def enabled(a):
    """Whether ``a`` is a CuPy array and ``config.gpu_batch_norm_kernels`` is on."""
    if isinstance(a, numpy.ndarray) or not configuration.config.gpu_batch_norm_kernels:
        return False
    return getattr(utils.array_module(a), '__name__', '') == 'cupy'


def applies(x, axis, *per_channel):
    """Whether the kernels take a batch normalization of ``x`` over ``axis``
    with the per-channel arrays ``per_channel`` (gamma, beta, running
    statistics; None: absent): see the module docstring."""
    if not enabled(x) or x.dtype not in _DTYPES or x.ndim < 2 or x.size == 0:
        return False
    if tuple(axis) != (0,) + tuple(range(2, x.ndim)):
        return False
    return all(a is None or (a.dtype == x.dtype and a.shape == x.shape[1:2])
               for a in per_channel)


def _bshape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def forward(x, gamma, beta, eps, running_mean, running_var, decay):
    """``(y, mean, inv_std)``, the statistics shaped ``(1, C, 1, ...)``; the
    running statistics (None: not kept) are updated in place."""
    xp = utils.array_module(x)
    c, dtype = x.shape[1], x.dtype
    axis = (0,) + tuple(range(2, x.ndim))
    m = x.size // c
    mean = xp.empty(c, dtype)
    inv_std = xp.empty(c, dtype)
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
    y = xp.empty(x.shape, dtype)
    kernel('fastgrad_bn_forward')(x, mean, inv_std, gamma.reshape(_bshape(x)),
                                  beta.reshape(_bshape(x)), y)
    return y, mean, inv_std


def backward(x, gy, gamma, mean, inv_std, need_gx):
    """``(gx, ggamma, gbeta)`` from forward's ``mean`` and ``inv_std``
    (``gx`` None unless ``need_gx``)."""
    xp = utils.array_module(x)
    c, dtype = x.shape[1], x.dtype
    gy = gy.astype(dtype, copy=False)
    gbeta = xp.empty(c, dtype)
    ggamma = xp.empty(c, dtype)
    kernel('fastgrad_bn_grad_sums')(x, gy, mean, inv_std, gbeta, ggamma,
                                    axis=(0,) + tuple(range(2, x.ndim)))
    gx = None
    if need_gx:
        b = _bshape(x)
        gx = xp.empty(x.shape, dtype)
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
