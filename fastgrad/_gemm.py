"""Which backend computes a GEMM: the one place that decides.

The linear layer's forward and its three gradients, and ``matmul``, go to:

* NumPy float32/float64 operands: the BLAS of the compiled core
  (``_core/blas.pyx``, scipy's BLAS with the GIL released);
* CuPy float32/float64 operands of one dtype: fastgrad_cuda's kernels, or
  cuBLAS through ``cupy.matmul`` with ``config.linear_use_cublas``; the
  tensor-core kernels with ``config.linear_allow_tf32`` (float32) or
  ``config.linear_fp64_mma`` (float64; None = automatic on sm_90+);
* anything else (float16, mixed dtypes): the array module's own ``dot``,
  computed in the wider type, returned in the expected dtype.

The ``config.linear_*`` flags are read here and nowhere else; fastgrad_cuda
gets them as arguments (it imports nothing of fastgrad) and is imported
lazily, the first time a non-NumPy operand arrives.
"""
import numpy

from fastgrad._core import blas
from fastgrad.configuration import config

_cuda = None


def _gpu_ops(*arrays):
    """fastgrad_cuda's Ops (kernels or cuBLAS) for CuPy float32/float64 operands
    of one dtype, None for the generic path; TypeError when CPU and GPU arrays
    are mixed.  Only reached when an operand is not a NumPy array."""
    global _cuda
    if _cuda is None:
        from fastgrad_cuda import linear as _cuda
    return _cuda.select(arrays, config.linear_use_cublas, config.linear_allow_tf32,
                        config.linear_fp64_mma)


def _all_numpy(*arrays):
    for a in arrays:
        if a is not None and not isinstance(a, numpy.ndarray):
            return False
    return True


def linear_forward(x, W, b):
    """x @ W.T (+ b), in x's dtype."""
    if blas.supports(x, W):
        return blas.linear_forward(x, W, b)
    if not _all_numpy(x, W, b):
        ops = _gpu_ops(x, W) if b is None else _gpu_ops(x, W, b)
        if ops is not None:
            return ops.forward(x, W, b)
    y = x.dot(W.T).astype(x.dtype, copy=False)
    if b is not None:
        y += b
    return y


def linear_grad_x(gy, W, dtype):
    """gy @ W, in ``dtype`` (x's)."""
    if blas.supports(gy, W):
        return blas.linear_grad_x(gy, W)
    if not _all_numpy(gy, W):
        ops = _gpu_ops(gy, W)
        if ops is not None and gy.dtype == dtype:
            return ops.grad_x(gy, W)
    return gy.dot(W).astype(dtype, copy=False)


def linear_grad_W(gy, x, dtype):
    """gy.T @ x, in ``dtype`` (W's)."""
    if blas.supports(gy, x) and gy.dtype == dtype:
        return blas.linear_grad_W(gy, x)
    if not _all_numpy(gy, x):
        ops = _gpu_ops(gy, x)
        if ops is not None and gy.dtype == dtype:
            return ops.grad_W(gy, x)
    return gy.T.dot(x).astype(dtype, copy=False)


def bias_grad(gy):
    """gy.sum(axis=0)."""
    if not isinstance(gy, numpy.ndarray):
        ops = _gpu_ops(gy)
        if ops is not None:
            return ops.bias_grad(gy)
    gb = gy.sum(axis=0)
    return numpy.asarray(gb) if isinstance(gy, numpy.ndarray) else gb   # 0-d stays an array


def matmul(a, b, out=None):
    """``xp.matmul(a, b, out=out)``; NumPy float32/float64 matrices (or stacks
    of them) go to the BLAS of the linear layer, so a model's GEMMs all share one
    BLAS thread pool (two OpenBLAS pools busy-wait against each other).

    >>> from fastgrad import utils
    >>> a = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> utils.matmul(a, a.T)
    array([[ 5., 14.],
           [14., 50.]], dtype=float32)
    """
    if blas.supports_matmul(a, b) and (out is None or type(out) is numpy.ndarray):
        return blas.matmul(a, b, out)
    if isinstance(a, numpy.ndarray):
        return numpy.matmul(a, b) if out is None else numpy.matmul(a, b, out=out)
    from fastgrad import backend
    xp = backend.get_array_module(a)
    if xp is not numpy and _capturing(xp) and _gpu_ops(a, b) is not None:
        return _matmul_on_kernels(xp, a, b, out)
    return xp.matmul(a, b) if out is None else xp.matmul(a, b, out=out)


def _capturing(cp):
    """Whether the current CUDA stream is being captured into a graph."""
    try:
        return cp.cuda.get_current_stream().is_capturing()
    except Exception:       # an older CuPy without Stream.is_capturing
        return False


def _matmul_on_kernels(cp, a, b, out):
    """``a @ b`` on fastgrad_cuda's GEMM kernels: CuPy refuses cuBLAS while a
    stream is captured into a CUDA graph (graph_replay).  A stack times one
    matrix (either side) is folded into one GEMM; two stacks take one launch
    per matrix, which inside a graph costs little."""
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2]:
        return cp.matmul(a, b) if out is None else cp.matmul(a, b, out=out)
    batch = numpy.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    (m, k), n = a.shape[-2:], b.shape[-1]
    shape = batch + (m, n)
    fits = (out is not None and out.shape == shape and out.dtype == a.dtype and
            out.flags.c_contiguous)
    if b.ndim == 2:                     # (B.., m, k) @ (k, n): rows stack up
        y = _cuda.linear_grad_x(a.reshape(-1, k), b).reshape(shape)
    elif a.ndim == 2:                   # (m, k) @ (B.., k, n): columns stack up
        cols = cp.moveaxis(b, -2, 0).reshape(k, -1)                 # (k, B.. * n)
        y = cp.ascontiguousarray(
            cp.moveaxis(_cuda.linear_grad_x(a, cols).reshape((m,) + batch + (n,)), 0, -2))
    else:
        y = out if fits else cp.empty(shape, a.dtype)
        a = cp.broadcast_to(a, batch + (m, k))
        b = cp.broadcast_to(b, batch + (k, n))
        for i in numpy.ndindex(*batch):
            _cuda.linear_grad_x(a[i], b[i], out=y[i])       # gy . W is a plain product
    if out is not None and y is not out:
        out[...] = y
        return out
    return y
