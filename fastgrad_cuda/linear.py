"""The linear layer's GPU kernels: the checked entry points.

The package is split by job: ``plan`` (pure launch planning, NumPy only),
``launch`` (compiling the ``.cu`` sources with cupy.RawModule, caching
modules and launches), and this module (checked entry points, the cuBLAS
route, and ``select``).  CuPy is imported inside functions only: importing
this module needs NumPy and nothing else, and nothing of ``fastgrad`` (which
calls in through ``fastgrad/_gemm.py``, the one place that reads its
config flags).

Entry points, for CuPy arrays of one dtype (float32 or float64)::

    linear_forward(x, W, b=None)   y  = x . W^T (+ b)     x (N, in), W (out, in)
    linear_grad_x(gy, W)           gx = gy . W            gy (N, out)
    linear_grad_W(gy, x)           gW = gy^T . x
    bias_grad(gy)                  gb = gy.sum(axis=0)

Strided and transposed views are read in place (their strides go to the
kernel).  ``cublas_*`` are the same products through ``cupy.matmul``;
``select`` picks one of the sets for ``LinearFunction``.

Tensor-core kernels (``gemm_mma.cu``, sm_80+): ``mma=True`` on the three
GEMM entry points runs ``fg_gemm_mma`` -- TF32 ``mma.sync.m16n8k8`` for float32
(operands rounded to TF32, fp32 accumulation: about 1e-3 relative error, like
cuBLAS's TF32 mode) and FP64 ``mma.sync`` for float64 (full precision;
``m16n8k8`` on sm_90+, ``m8n8k4`` on sm_80-89).
``LinearFunction`` gets them through ``select`` when ``allow_tf32`` (float32,
from ``fastgrad.config.linear_allow_tf32``) or ``fp64_mma`` (float64, from
``fastgrad.config.linear_fp64_mma``) is on.  TF32 defaults to off; the
FP64 flag defaults to None: on for sm_90+ (validated on an H100) for products of
at least FP64_MMA_AUTO_MIN_MACS multiply-adds, off below.
Validated on one H100 (sm_90: TF32 m16n8k8, FP64 m16n8k8) by
tests/fastgrad_cuda/test_linear_mma_gpu.py and bench/gpu_linear.py; the sm_80-89
FP64 path (m8n8k4) has run on hardware only as a forced variant on that H100
(tools/mma_tune.py --fp64-m8n8k4), never on an sm_80 part.  On a GPU below sm_80, or
one whose shared memory cannot hold any tensor-core tile, ``mma=True`` runs the
CUDA-core kernel instead.
"""
import collections
import sys

import numpy

from fastgrad_cuda import launch
from fastgrad_cuda.plan import colsum_kernel_name, colsum_launch, element_strides


def _check(fname, cp, arrays, names):
    """Same-device CuPy float32/float64 arrays of one dtype; returns the device id."""
    dtype = arrays[0].dtype
    for a, n in zip(arrays, names):
        if not isinstance(a, cp.ndarray):
            raise TypeError('{}: {} must be a cupy.ndarray, got {}'.format(
                fname, n, type(a).__name__))
        if a.dtype != dtype:
            raise TypeError('{}: dtypes differ ({} is {}, {} is {})'.format(
                fname, names[0], dtype, n, a.dtype))
    if dtype not in (numpy.float32, numpy.float64):
        raise TypeError('{}: dtype must be float32 or float64, got {}'.format(fname, dtype))
    dev_id = arrays[0].data.device_id
    for a, n in zip(arrays, names):
        if a.data.device_id != dev_id:
            raise ValueError('{}: {} is on GPU {} but {} on GPU {}'.format(
                fname, n, a.data.device_id, names[0], dev_id))
    cur = cp.cuda.runtime.getDevice()
    if dev_id != cur:
        raise ValueError('{}: the arrays are on GPU {} but the current device is GPU {} '
                         '(use `with cupy.cuda.Device({})`)'.format(fname, dev_id, cur, dev_id))
    return dev_id


def linear_forward(x, W, b=None, activation=None, out=None, tile=None, splits=None,
                   mma=False):
    """y = x . W^T (+ b), with ``activation='relu'`` fused into the same kernel.
    ``mma=True``: on the tensor-core kernel (see the module docstring)."""
    cp = launch.cupy_module()
    f = 'linear_forward'
    arrays, names = ((x, W), ('x', 'W')) if b is None else ((x, W, b), ('x', 'W', 'b'))
    _check(f, cp, arrays, names)
    if x.ndim != 2 or W.ndim != 2 or x.shape[1] != W.shape[1]:
        raise ValueError('{}: expected x (N, in) and W (out, in), got {} and {}'.format(
            f, x.shape, W.shape))
    if b is not None and (b.ndim != 1 or b.shape[0] != W.shape[0]):
        raise ValueError('{}: expected b of shape ({},), got {}'.format(f, W.shape[0], b.shape))
    if activation not in (None, 'relu'):
        raise ValueError("{}: activation must be None or 'relu', got {!r}".format(f, activation))
    sx, sw = element_strides(x), element_strides(W)
    return launch.gemm(x, sx[0], sx[1], W, sw[1], sw[0], x.shape[0], W.shape[0], x.shape[1],
                bias=b, relu=activation == 'relu', out=out, tile=tile, splits=splits, fname=f,
                mma=mma)


def linear_grad_x(gy, W, out=None, tile=None, splits=None, mma=False):
    """gx = gy . W (N, in)."""
    cp = launch.cupy_module()
    f = 'linear_grad_x'
    _check(f, cp, (gy, W), ('gy', 'W'))
    if gy.ndim != 2 or W.ndim != 2 or gy.shape[1] != W.shape[0]:
        raise ValueError('{}: expected gy (N, out) and W (out, in), got {} and {}'.format(
            f, gy.shape, W.shape))
    sg, sw = element_strides(gy), element_strides(W)
    return launch.gemm(gy, sg[0], sg[1], W, sw[0], sw[1], gy.shape[0], W.shape[1], gy.shape[1],
                out=out, tile=tile, splits=splits, fname=f, mma=mma)


def linear_grad_W(gy, x, out=None, tile=None, splits=None, mma=False):
    """gW = gy^T . x (out, in)."""
    cp = launch.cupy_module()
    f = 'linear_grad_W'
    _check(f, cp, (gy, x), ('gy', 'x'))
    if gy.ndim != 2 or x.ndim != 2 or gy.shape[0] != x.shape[0]:
        raise ValueError('{}: expected gy (N, out) and x (N, in), got {} and {}'.format(
            f, gy.shape, x.shape))
    sg, sx = element_strides(gy), element_strides(x)
    return launch.gemm(gy, sg[1], sg[0], x, sx[0], sx[1], gy.shape[1], x.shape[1], gy.shape[0],
                out=out, tile=tile, splits=splits, fname=f, mma=mma)


def bias_grad(gy, out=None):
    """gb = gy.sum(axis=0), summed in double."""
    cp = launch.cupy_module()
    f = 'bias_grad'
    dev_id = _check(f, cp, (gy,), ('gy',))
    if gy.ndim != 2:
        raise ValueError('{}: expected gy (N, out), got shape {}'.format(f, gy.shape))
    M, N = gy.shape
    it = gy.dtype.itemsize
    if out is None:
        out = cp.empty((N,), gy.dtype)
    else:
        launch.check_out(f, out, (N,), gy.dtype)
        if out.data.device_id != dev_id:
            raise ValueError('{}: out is on GPU {}, gy on GPU {}'.format(
                f, out.data.device_id, dev_id))
    if N == 0:
        return out
    if M == 0:
        out.fill(0)
        return out
    s0, s1 = element_strides(gy)
    kern = launch.kernel(cp, dev_id, it, colsum_kernel_name(it))
    grid, block = colsum_launch(N)
    kern(grid, block, (gy, numpy.int64(s0), numpy.int64(s1), out, numpy.int64(1),
                       numpy.int32(M), numpy.int32(N)))
    return out


# -- the cuBLAS route (config.linear_use_cublas) and the benchmark's baseline ---------

def cublas_linear_forward(x, W, b=None):
    y = launch.cupy_module().matmul(x, W.T)
    if b is not None:
        y += b
    return y


def cublas_linear_grad_x(gy, W):
    return launch.cupy_module().matmul(gy, W)


def cublas_linear_grad_W(gy, x):
    return launch.cupy_module().matmul(gy.T, x)


def cublas_bias_grad(gy):
    return gy.sum(axis=0)


# -- the tensor-core route (config.linear_allow_tf32 / linear_fp64_mma) ----------------

def mma_linear_forward(x, W, b=None):
    return linear_forward(x, W, b, mma=True)


def mma_linear_grad_x(gy, W):
    return linear_grad_x(gy, W, mma=True)


def mma_linear_grad_W(gy, x):
    return linear_grad_W(gy, x, mma=True)


# linear_fp64_mma=None on sm_90+: the tensor-core kernel for float64 products of
# at least this many multiply-adds.  Measured on an H100 at 1.7e10 (2.2x the
# CUDA-core kernel) and 5.5e11; small layers were measured on the CUDA-core
# kernel only (faster than the cuBLAS route there), so they stay on it.
FP64_MMA_AUTO_MIN_MACS = 1 << 30


def _fp64_big(m, n, k):
    return m * n * k >= FP64_MMA_AUTO_MIN_MACS


def auto_linear_forward(x, W, b=None):
    return linear_forward(x, W, b, mma=_fp64_big(x.shape[0], W.shape[0], W.shape[1]))


def auto_linear_grad_x(gy, W):
    return linear_grad_x(gy, W, mma=_fp64_big(gy.shape[0], W.shape[0], W.shape[1]))


def auto_linear_grad_W(gy, x):
    return linear_grad_W(gy, x, mma=_fp64_big(gy.shape[0], gy.shape[1], x.shape[1]))


Ops = collections.namedtuple('Ops', 'name forward grad_x grad_W bias_grad')

KERNELS = Ops('fastgrad_cuda', linear_forward, linear_grad_x, linear_grad_W, bias_grad)
MMA_KERNELS = Ops('fastgrad_cuda_mma', mma_linear_forward, mma_linear_grad_x,
                  mma_linear_grad_W, bias_grad)
FP64_AUTO_KERNELS = Ops('fastgrad_cuda_fp64_auto', auto_linear_forward, auto_linear_grad_x,
                        auto_linear_grad_W, bias_grad)
CUBLAS = Ops('cublas', cublas_linear_forward, cublas_linear_grad_x, cublas_linear_grad_W,
             cublas_bias_grad)

_FAST_DTYPES = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))
_F32 = numpy.dtype(numpy.float32)

FP64_MMA_AUTO_CC = 90      # linear_fp64_mma=None: validated on sm_90 (H100) only


def select(arrays, use_cublas=False, allow_tf32=False, fp64_mma=None,
           fname='LinearFunction'):
    """The Ops for LinearFunction's non-NumPy branch.

    ``arrays`` are the operands (no Nones).  Returns KERNELS (or CUBLAS when
    ``use_cublas``) for 2-D CuPy arrays of one dtype, float32 or float64 --
    MMA_KERNELS instead of KERNELS for float32 when ``allow_tf32`` and for
    float64 when ``fp64_mma`` (None: on sm_90+ for large products, where it was
    validated -- FP64_AUTO_KERNELS); None when the generic
    array-module code should run (other dtypes, mixed dtypes, non-CuPy
    arrays); raises TypeError when NumPy and CuPy arrays are mixed -- never a
    silent copy between devices.
    """
    cp = sys.modules.get('cupy')
    if cp is None:
        return None
    gpu = [isinstance(a, cp.ndarray) for a in arrays]
    if not any(gpu):
        return None
    if not all(gpu):
        kinds = sorted({'cupy.ndarray' if g else type(a).__module__ + '.' + type(a).__name__
                        for a, g in zip(arrays, gpu)})
        raise TypeError('{}: inputs mix CPU and GPU arrays ({}); move them to one device '
                        'first (to_device)'.format(fname, ', '.join(kinds)))
    dtype = arrays[0].dtype
    if dtype not in _FAST_DTYPES:
        return None
    for a in arrays:
        if a.dtype != dtype:
            return None
    if use_cublas:
        return CUBLAS
    if dtype == _F32:
        return MMA_KERNELS if allow_tf32 else KERNELS
    if fp64_mma is None:         # auto: large products, where validated
        return (FP64_AUTO_KERNELS if launch.device_info(cp, arrays[0].device.id)[0] >= FP64_MMA_AUTO_CC
                else KERNELS)
    return MMA_KERNELS if fp64_mma else KERNELS
