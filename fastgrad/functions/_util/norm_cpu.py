"""Batch and group normalization on NumPy arrays in compiled loops
(``fastgrad._core.norm``) of one or two passes over the data.

The generic ops (functions/normalization/) make about eight NumPy passes
over ``x`` forward and twelve for the gradient, most of batch
normalization's reductions over non-contiguous axes.  The compiled loops walk
each channel (batch normalization) or each sample's group (group
normalization) once from memory and again from cache; times against the
generic path and PyTorch are in ``bench/results/normalization.md``.

They take ``x``, ``gamma``, ``beta`` and the statistics of one dtype, float32
or float64 (the generic path computes in that dtype too); sums are
accumulated in double, as in the CuPy kernels of ``bn_kernels``.  Batch
normalization's case is the CuPy kernels' one (``x`` of shape ``(N, C)`` or
``(N, C, ...)``, statistics over every axis but 1).  Anything else (float16,
mixed dtypes, other axes) and double backprop keep the generic path.
``config.cpu_norm_kernels`` (default True; FASTGRAD_CPU_NORM_KERNELS=0) turns
them off.

``applies``, ``forward``, ``backward`` and ``fixed_forward`` (batch
normalization) have ``bn_kernels``' signatures, so the ops call either.
"""
import numpy

from fastgrad import configuration
from fastgrad._core import norm

_DTYPES = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))


def applies(x, axis, gamma, *per_channel):
    """Whether the compiled loops take a batch normalization of ``x`` over
    ``axis`` with ``gamma`` and ``per_channel`` (beta, statistics; None:
    absent)."""
    if not configuration.config.cpu_norm_kernels or type(x) is not numpy.ndarray:
        return False
    if x.dtype not in _DTYPES or x.ndim < 2 or x.size == 0:
        return False
    if tuple(axis) != (0,) + tuple(range(2, x.ndim)):
        return False
    return all(a is None or (type(a) is numpy.ndarray and a.dtype == x.dtype
                             and a.shape == x.shape[1:2])
               for a in (gamma,) + per_channel)


def _bshape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _contiguous(*arrays):
    return [numpy.ascontiguousarray(a) for a in arrays]


def forward(x, gamma, beta, eps, running_mean, running_var, decay):
    """``(y, mean, inv_std)``, the statistics shaped ``(1, C, 1, ...)``; the
    running statistics (None: not kept) are updated in place."""
    y, mean, inv_std, var = norm.bn_forward(*_contiguous(x, gamma, beta), eps)
    m = x.size // x.shape[1]
    if running_mean is not None:
        running_mean *= decay
        running_mean += (1.0 - decay) * mean
    if running_var is not None:
        # the unbiased variance, as Chainer: var * m / (m - 1)
        running_var *= decay
        running_var += ((1.0 - decay) * (m / max(m - 1.0, 1.0))) * var
    return y, mean.reshape(_bshape(x)), inv_std.reshape(_bshape(x))


def backward(x, gy, gamma, mean, inv_std, need_gx):
    """``(gx, ggamma, gbeta)`` from forward's ``mean`` and ``inv_std``
    (``gx`` None unless ``need_gx``); ``gy`` has ``x``'s dtype."""
    x, gy, gamma = _contiguous(x, gy, gamma)
    return norm.bn_backward(x, gy, gamma, mean.reshape(-1), inv_std.reshape(-1), need_gx)


def fixed_forward(x, gamma, beta, mean, var, eps):
    """fixed_batch_normalization's ``y``."""
    return norm.bn_fixed_forward(*_contiguous(x, gamma, beta, mean, var), eps)


def gn_applies(x, gamma, beta):
    """Whether the compiled loops take a group normalization of ``x``."""
    return (configuration.config.cpu_norm_kernels and type(x) is numpy.ndarray
            and x.dtype in _DTYPES and x.size > 0
            and all(type(a) is numpy.ndarray and a.dtype == x.dtype for a in (gamma, beta)))


def gn_forward(x, gamma, beta, groups, eps):
    """``(y, mean, inv_std)``, the statistics shaped ``(N, groups)``."""
    return norm.gn_forward(*_contiguous(x, gamma, beta), groups, eps)


def gn_backward(x, gy, gamma, mean, inv_std, groups, need_gx):
    """``(gx, ggamma, gbeta)`` from forward's statistics (``gx`` None unless
    ``need_gx``); ``gy`` has ``x``'s dtype."""
    x, gy, gamma = _contiguous(x, gy, gamma)
    return norm.gn_backward(x, gy, gamma, mean, inv_std, groups, need_gx)
