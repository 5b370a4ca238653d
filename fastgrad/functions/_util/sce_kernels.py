"""softmax_cross_entropy on CuPy arrays in few launches.

The generic op (functions/loss/softmax_cross_entropy.py) makes one CuPy call
per NumPy operation: by reading the code, about 22 launches forward (the
mask, the max-shifted log-sum-exp, ``take_along_axis``'s index arrays and
gather, the weights, the normalizer, the cached softmax) and 7 for the
gradient (the one-hot matrix from an ``arange``, its cast, three products).
Small classifiers are bound by launches, so in the common case (``x`` an
``(N, C)`` CuPy array, float32 or float64, ``1 <= C <= MAX_CLASSES``,
``N >= 1``; ``t`` signed integer labels of shape ``(N,)``; no
``class_weight``; ``reduce`` 'mean' or 'no') these kernels do the same:

* ``fastgrad_sce_rows`` (a ``cupy.ElementwiseKernel``, one thread per row):
  the row's max ``mx``, ``ls = log(sum(exp(x - mx)))`` and the row's loss
  ``-((x[t] - mx) - ls)`` (0 where ``t == ignore_label``): the generic
  path's formula, the sum accumulated in double.
* ``fastgrad_sce_mean`` (a ``cupy.ReductionKernel``): the summed loss and
  the number of counted rows in one pass; ``coeff`` (1 / the count, or
  1 / N without ``normalize``) and the mean.
* ``fastgrad_sce_grad_mean`` / ``fastgrad_sce_grad_no``: the gradient
  ``(softmax(x) - onehot(t)) * w * gy``, ``w`` ``coeff`` (1 for 'no') or 0
  on ignored rows, with ``softmax(x) = exp((x - mx) - ls)`` recomputed
  from the forward's row statistics (so ``cache_score`` keeps nothing).

So 2 launches forward for 'mean' (1 for 'no') and 1 for the gradient.  The
operations in the dtype are the generic path's, in its order; only the sums
are accumulated in double (the generic path's in the dtype).  A label out
of range (neither in ``[0, C)`` nor ``ignore_label``) is checked in debug
mode only, as the generic path on CuPy (the check waits for the device);
otherwise its loss reads the class ``t mod C`` (as CuPy's wrapping gather
in the generic path) and its gradient has no one-hot entry (as the generic
one-hot).  Double backprop keeps the generic gradient.

``SPECS`` lists every kernel (name -> ``Elementwise`` or ``Reduction``, the
strings given to CuPy) so that tests compile each body outside CuPy (host
C++ and nvcc).  The kernels run when ``fastgrad.config.gpu_loss_kernels``
is true (the default; FASTGRAD_GPU_LOSS_KERNELS=0 turns them off).
"""
import numpy

from fastgrad import configuration, utils
from fastgrad.functions._util.kernel_specs import Elementwise, Kernels, Reduction

# one thread loops over a row's classes: wider rows keep the generic path
MAX_CLASSES = 1024

SPECS = {}


# T is x's dtype (float or double), I t's (a signed integer); x is read raw,
# row by row (C-contiguous), the loop index i is the row.
SPECS['fastgrad_sce_rows'] = Elementwise(
    'raw T x, I t, int64 ignore, int64 n_classes', 'T mx, T ls, T loss',
    '''
    const long long r0 = (long long)i * n_classes;
    T m = x[r0];
    for (long long c = 1; c < n_classes; ++c) {
        const T v = x[r0 + c];
        if (v > m || isnan(v)) m = v;
    }
    double s = 0;
    for (long long c = 0; c < n_classes; ++c) s += (double)exp(x[r0 + c] - m);
    const T l = log((T)s);
    mx = m;
    ls = l;
    const long long lab = (long long)t;
    if (lab == ignore) {
        loss = (T)0;
    } else {
        long long k = lab % n_classes;
        if (k < 0) k += n_classes;
        loss = -((x[r0 + k] - m) - l);
    }
    ''')

# two sums in one pass: a pair of doubles
_PAIR = '''
struct fastgrad_sce_pair {
    double s, t;
    __device__ fastgrad_sce_pair(double v = 0) : s(v), t(v) {}
    __device__ fastgrad_sce_pair(double s_, double t_) : s(s_), t(t_) {}
};
'''
SPECS['fastgrad_sce_mean'] = Reduction(
    'T loss, I t, int64 ignore, int32 normalize, float64 n', 'T mean, T coeff',
    'fastgrad_sce_pair((double)loss, (long long)t == ignore ? 0.0 : 1.0)',
    'fastgrad_sce_pair(a.s + b.s, a.t + b.t)',
    'coeff = (T)(1.0 / (normalize ? (a.t > 1.0 ? a.t : 1.0) : n)), '
    'mean = (T)a.s * coeff',
    '0', 'fastgrad_sce_pair', _PAIR)

_GRAD = '''
    const long long lab = (long long)t == ignore ? 0 : (long long)t;
    const T w = ((long long)t == ignore ? (T)0 : (T)1) * {coeff};
    const T y = exp((x - mx) - ls);
    gx = (y - (T)((long long)(i % n_classes) == lab)) * w * gy;
    '''
SPECS['fastgrad_sce_grad_mean'] = Elementwise(
    'T x, T mx, T ls, I t, int64 ignore, int64 n_classes, T coeff, T gy', 'T gx',
    _GRAD.format(coeff='coeff'))
SPECS['fastgrad_sce_grad_no'] = Elementwise(
    'T x, T mx, T ls, I t, int64 ignore, int64 n_classes, T gy', 'T gx',
    _GRAD.format(coeff='(T)1'))

_DTYPES = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))


kernel = Kernels(SPECS)     # kernel(name): the CuPy kernel, built once


def enabled(a):
    """Whether ``a`` is a CuPy array and ``config.gpu_loss_kernels`` is on."""
    if isinstance(a, numpy.ndarray) or not configuration.config.gpu_loss_kernels:
        return False
    return getattr(utils.array_module(a), '__name__', '') == 'cupy'


def applies(x, t, class_weight, reduce):
    """Whether the kernels take softmax_cross_entropy of ``x`` against the
    labels ``t``: see the module docstring."""
    if not enabled(x) or class_weight is not None or reduce not in ('mean', 'no'):
        return False
    if x.dtype not in _DTYPES or x.ndim != 2 or not 1 <= x.shape[1] <= MAX_CLASSES:
        return False
    return x.shape[0] >= 1 and t.ndim == 1 and t.dtype.kind == 'i'


def forward(x, t, ignore_label, normalize, reduce):
    """``(loss, mx, ls, coeff)``: the loss (0-d for 'mean', else per row),
    the rows' max and log-sum-exp shaped ``(N, 1)``, and the gradient's
    scale (a 0-d array for 'mean', None for 'no')."""
    xp = utils.array_module(x)
    n, c = x.shape
    mx = xp.empty(n, x.dtype)
    ls = xp.empty(n, x.dtype)
    rows = xp.empty(n, x.dtype)
    # raw x is read flat: a contiguous copy only if x is not C-contiguous
    kernel('fastgrad_sce_rows')(xp.ascontiguousarray(x).ravel(), t, int(ignore_label), c,
                                mx, ls, rows)
    mx, ls = mx.reshape(n, 1), ls.reshape(n, 1)
    if reduce != 'mean':
        return rows, mx, ls, None
    mean = xp.empty((), x.dtype)
    coeff = xp.empty((), x.dtype)
    kernel('fastgrad_sce_mean')(rows, t, int(ignore_label), int(bool(normalize)),
                                float(max(n, 1)), mean, coeff)
    return mean, mx, ls, coeff


def backward(x, t, ignore_label, mx, ls, coeff, gy):
    """The gradient of ``x`` from forward's ``mx``, ``ls`` and ``coeff``
    (None: reduce 'no', ``gy`` per row); ``gy`` has ``x``'s dtype."""
    xp = utils.array_module(x)
    n, c = x.shape
    gx = xp.empty((n, c), x.dtype)
    t2 = t.reshape(n, 1)
    if coeff is None:
        kernel('fastgrad_sce_grad_no')(x, mx, ls, t2, int(ignore_label), c,
                                       gy.reshape(n, 1), gx)
    else:
        kernel('fastgrad_sce_grad_mean')(x, mx, ls, t2, int(ignore_label), c, coeff, gy,
                                         gx)
    return gx
