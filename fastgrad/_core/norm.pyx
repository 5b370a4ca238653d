"""Batch and group normalization's loops on the CPU (norm_kernels.h), GIL
released.

For ``x`` of shape ``(N, C, ...)``: batch normalization takes the statistics
of channel ``c`` over every axis but 1, group normalization those of sample
``n`` and group ``g`` over its channels' elements.  ``x`` (and ``gy``) must be
C-contiguous float32/float64 arrays, and the other arrays contiguous, of
``x``'s dtype, with the documented shapes.  The entry points check all of
that before any pointer is formed: a Python-level mistake raises.
"""
cimport numpy as cnp
from libc.stddef cimport ptrdiff_t

import numpy

cnp.import_array()


cdef extern from "norm_kernels.h" nogil:
    void fg_bn_forward_f(const float *x, const float *gamma, const float *beta, float eps,
                         ptrdiff_t A, ptrdiff_t C, ptrdiff_t B,
                         float *y, float *mean, float *inv_std, float *var,
                         double *work, int nt)
    void fg_bn_forward_d(const double *x, const double *gamma, const double *beta,
                         double eps, ptrdiff_t A, ptrdiff_t C, ptrdiff_t B,
                         double *y, double *mean, double *inv_std, double *var,
                         double *work, int nt)
    void fg_bn_backward_f(const float *x, const float *gy, const float *gamma,
                          const float *mean, const float *inv_std,
                          ptrdiff_t A, ptrdiff_t C, ptrdiff_t B,
                          float *gx, float *ggamma, float *gbeta, double *work, int nt)
    void fg_bn_backward_d(const double *x, const double *gy, const double *gamma,
                          const double *mean, const double *inv_std,
                          ptrdiff_t A, ptrdiff_t C, ptrdiff_t B,
                          double *gx, double *ggamma, double *gbeta, double *work, int nt)
    void fg_bn_fixed_forward_f(const float *x, const float *gamma, const float *beta,
                               const float *mean, const float *var, float eps,
                               ptrdiff_t A, ptrdiff_t C, ptrdiff_t B, float *y,
                               double *work, int nt)
    void fg_bn_fixed_forward_d(const double *x, const double *gamma, const double *beta,
                               const double *mean, const double *var, double eps,
                               ptrdiff_t A, ptrdiff_t C, ptrdiff_t B, double *y,
                               double *work, int nt)

_FLOAT32 = numpy.dtype(numpy.float32)
_FLOAT64 = numpy.dtype(numpy.float64)


include "_array_checks.pxi"
include "_float_array.pxi"
include "_threads.pxi"


cdef tuple _layout(str func, str name, object x):
    """``(A, C, B)`` of an ``(N, C, ...)`` array, after checking it."""
    _float_array(func, name, x)
    if x.ndim < 2:
        raise ValueError('{}: {} must have at least 2 dimensions (N, C, ...), got shape {}'
                         .format(func, name, x.shape))
    cdef ptrdiff_t A = x.shape[0], C = x.shape[1]
    cdef ptrdiff_t B = 1
    for n in x.shape[2:]:
        B *= n
    return A, C, B


cdef void* _p(cnp.ndarray a):
    return cnp.PyArray_DATA(a)


def bn_forward(x, gamma, beta, double eps):
    """``(y, mean, inv_std, var)`` of batch normalization in training mode;
    the statistics have shape ``(C,)`` (``var`` biased)."""
    func = 'bn_forward'
    A, C, B = _layout(func, 'x', x)
    for name, a in (('gamma', gamma), ('beta', beta)):
        _check(func, name, a, x.dtype, (C,))
    if A * B == 0:
        raise ValueError('{}: x has no element per channel (shape {})'.format(func, x.shape))
    cdef cnp.ndarray y = numpy.empty_like(x)
    cdef cnp.ndarray mean = numpy.empty(C, x.dtype)
    cdef cnp.ndarray inv_std = numpy.empty(C, x.dtype)
    cdef cnp.ndarray var = numpy.empty(C, x.dtype)
    cdef void *px = _p(x)
    cdef void *pg = _p(gamma)
    cdef void *pb = _p(beta)
    cdef void *py = _p(y)
    cdef void *pm = _p(mean)
    cdef void *pi = _p(inv_std)
    cdef void *pv = _p(var)
    cdef ptrdiff_t a_ = A, c_ = C, b_ = B
    cdef cnp.ndarray work = numpy.empty(2 * C, numpy.float64)
    cdef double *pw = <double*>_p(work)
    cdef bint f32 = x.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_bn_forward_f(<float*>px, <float*>pg, <float*>pb, <float>eps, a_, c_, b_,
                            <float*>py, <float*>pm, <float*>pi, <float*>pv, pw, nt)
        else:
            fg_bn_forward_d(<double*>px, <double*>pg, <double*>pb, eps, a_, c_, b_,
                            <double*>py, <double*>pm, <double*>pi, <double*>pv, pw, nt)
    return y, mean, inv_std, var


def bn_backward(x, gy, gamma, mean, inv_std, bint need_gx):
    """``(gx, ggamma, gbeta)`` from the forward's ``mean`` and ``inv_std``
    (``(C,)``); ``gx`` is None unless ``need_gx``."""
    func = 'bn_backward'
    A, C, B = _layout(func, 'x', x)
    _check(func, 'gy', gy, x.dtype, x.shape)
    for name, a in (('gamma', gamma), ('mean', mean), ('inv_std', inv_std)):
        _check(func, name, a, x.dtype, (C,))
    cdef cnp.ndarray gx = numpy.empty_like(x) if need_gx else None
    cdef cnp.ndarray ggamma = numpy.empty(C, x.dtype)
    cdef cnp.ndarray gbeta = numpy.empty(C, x.dtype)
    cdef void *px = _p(x)
    cdef void *pgy = _p(gy)
    cdef void *pg = _p(gamma)
    cdef void *pm = _p(mean)
    cdef void *pi = _p(inv_std)
    cdef void *pgx = _p(gx) if need_gx else NULL
    cdef void *pgg = _p(ggamma)
    cdef void *pgb = _p(gbeta)
    cdef ptrdiff_t a_ = A, c_ = C, b_ = B
    cdef cnp.ndarray work = numpy.empty(2 * C, numpy.float64)
    cdef double *pw = <double*>_p(work)
    cdef bint f32 = x.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_bn_backward_f(<float*>px, <float*>pgy, <float*>pg, <float*>pm, <float*>pi,
                             a_, c_, b_, <float*>pgx, <float*>pgg, <float*>pgb, pw, nt)
        else:
            fg_bn_backward_d(<double*>px, <double*>pgy, <double*>pg, <double*>pm,
                             <double*>pi, a_, c_, b_, <double*>pgx, <double*>pgg,
                             <double*>pgb, pw, nt)
    return gx, ggamma, gbeta


def bn_fixed_forward(x, gamma, beta, mean, var, double eps):
    """``y`` of batch normalization with given statistics (``(C,)`` each)."""
    func = 'bn_fixed_forward'
    A, C, B = _layout(func, 'x', x)
    for name, a in (('gamma', gamma), ('beta', beta), ('mean', mean), ('var', var)):
        _check(func, name, a, x.dtype, (C,))
    cdef cnp.ndarray y = numpy.empty_like(x)
    cdef void *px = _p(x)
    cdef void *pg = _p(gamma)
    cdef void *pb = _p(beta)
    cdef void *pm = _p(mean)
    cdef void *pv = _p(var)
    cdef void *py = _p(y)
    cdef ptrdiff_t a_ = A, c_ = C, b_ = B
    cdef cnp.ndarray work = numpy.empty(2 * C, numpy.float64)
    cdef double *pw = <double*>_p(work)
    cdef bint f32 = x.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_bn_fixed_forward_f(<float*>px, <float*>pg, <float*>pb, <float*>pm, <float*>pv,
                                  <float>eps, a_, c_, b_, <float*>py, pw, nt)
        else:
            fg_bn_fixed_forward_d(<double*>px, <double*>pg, <double*>pb, <double*>pm,
                                  <double*>pv, eps, a_, c_, b_, <double*>py, pw, nt)
    return y


cdef extern from "norm_kernels.h" nogil:
    void fg_gn_forward_f(const float *x, const float *gamma, const float *beta, float eps,
                         ptrdiff_t N, ptrdiff_t G, ptrdiff_t cg, ptrdiff_t S,
                         float *y, float *mean, float *inv_std, int nt)
    void fg_gn_forward_d(const double *x, const double *gamma, const double *beta,
                         double eps, ptrdiff_t N, ptrdiff_t G, ptrdiff_t cg, ptrdiff_t S,
                         double *y, double *mean, double *inv_std, int nt)
    void fg_gn_backward_f(const float *x, const float *gy, const float *gamma,
                          const float *mean, const float *inv_std, ptrdiff_t N, ptrdiff_t G,
                          ptrdiff_t cg, ptrdiff_t S, float *gx, double *sum_gy,
                          double *sum_gy_xhat,
                          double *work, int nt)
    void fg_gn_backward_d(const double *x, const double *gy, const double *gamma,
                          const double *mean, const double *inv_std, ptrdiff_t N,
                          ptrdiff_t G, ptrdiff_t cg, ptrdiff_t S, double *gx,
                          double *sum_gy, double *sum_gy_xhat,
                          double *work, int nt)


cdef ptrdiff_t _group_size(str func, ptrdiff_t C, object groups) except -1:
    """Channels per group, after checking ``groups``."""
    if type(groups) is not int or groups <= 0 or C % groups:
        raise ValueError('{}: groups must be a positive int dividing the {} channels, got {!r}'
                         .format(func, C, groups))
    return C // groups


def gn_forward(x, gamma, beta, groups, double eps):
    """``(y, mean, inv_std)`` of group normalization; the statistics have
    shape ``(N, groups)``."""
    func = 'gn_forward'
    N, C, S = _layout(func, 'x', x)
    cdef ptrdiff_t cg = _group_size(func, C, groups)
    for name, a in (('gamma', gamma), ('beta', beta)):
        _check(func, name, a, x.dtype, (C,))
    if cg * S == 0:
        raise ValueError('{}: x has no element per group (shape {})'.format(func, x.shape))
    cdef cnp.ndarray y = numpy.empty_like(x)
    cdef cnp.ndarray mean = numpy.empty((N, groups), x.dtype)
    cdef cnp.ndarray inv_std = numpy.empty((N, groups), x.dtype)
    cdef void *px = _p(x)
    cdef void *pg = _p(gamma)
    cdef void *pb = _p(beta)
    cdef void *py = _p(y)
    cdef void *pm = _p(mean)
    cdef void *pi = _p(inv_std)
    cdef ptrdiff_t n_ = N, g_ = groups, s_ = S
    cdef bint f32 = x.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_gn_forward_f(<float*>px, <float*>pg, <float*>pb, <float>eps, n_, g_, cg, s_,
                            <float*>py, <float*>pm, <float*>pi, nt)
        else:
            fg_gn_forward_d(<double*>px, <double*>pg, <double*>pb, eps, n_, g_, cg, s_,
                            <double*>py, <double*>pm, <double*>pi, nt)
    return y, mean, inv_std


def gn_backward(x, gy, gamma, mean, inv_std, groups, bint need_gx):
    """``(gx, ggamma, gbeta)`` of group normalization from the forward's
    ``mean`` and ``inv_std`` (``(N, groups)``); ``gx`` is None unless ``need_gx``."""
    func = 'gn_backward'
    N, C, S = _layout(func, 'x', x)
    cdef ptrdiff_t cg = _group_size(func, C, groups)
    _check(func, 'gy', gy, x.dtype, x.shape)
    _check(func, 'gamma', gamma, x.dtype, (C,))
    for name, a in (('mean', mean), ('inv_std', inv_std)):
        _check(func, name, a, x.dtype, (N, groups))
    cdef cnp.ndarray gx = numpy.empty_like(x) if need_gx else None
    cdef cnp.ndarray sum_gy = numpy.empty(C, numpy.float64)
    cdef cnp.ndarray sum_gy_xhat = numpy.empty(C, numpy.float64)
    cdef cnp.ndarray work = numpy.empty(max(2 * N * C, 1), numpy.float64)
    cdef double *pw = <double*>_p(work)
    cdef void *px = _p(x)
    cdef void *pgy = _p(gy)
    cdef void *pg = _p(gamma)
    cdef void *pm = _p(mean)
    cdef void *pi = _p(inv_std)
    cdef void *pgx = _p(gx) if need_gx else NULL
    cdef double *ps = <double*>_p(sum_gy)
    cdef double *pt = <double*>_p(sum_gy_xhat)
    cdef ptrdiff_t n_ = N, g_ = groups, s_ = S
    cdef bint f32 = x.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_gn_backward_f(<float*>px, <float*>pgy, <float*>pg, <float*>pm, <float*>pi,
                             n_, g_, cg, s_, <float*>pgx, ps, pt, pw, nt)
        else:
            fg_gn_backward_d(<double*>px, <double*>pgy, <double*>pg, <double*>pm,
                             <double*>pi, n_, g_, cg, s_, <double*>pgx, ps, pt, pw, nt)
    return gx, sum_gy_xhat.astype(x.dtype), sum_gy.astype(x.dtype)
