"""2-D convolution loops on the CPU, GIL released, planes split over
``fastgrad.set_num_threads`` threads.

* ``im2col(x, ...)`` is ``(N, C, kh, kw, oh, ow)`` with
  ``col[n, c, i, j, y, x] = x[n, c, y*sy + i*dy - ph, x*sx + j*dx - pw]``, zero
  outside the image; ``col2im`` is its adjoint, an ``(N, C, h, w)`` image
  (im2col_kernels.h).
* ``depthwise_forward``, ``depthwise_grad_x`` and ``depthwise_grad_W``: the
  depthwise convolution with ``W`` of shape ``(C, M, kh, kw)``, computed
  directly (depthwise_kernels.h).

Arrays are C-contiguous float32/float64 numpy arrays of one dtype; every size
is checked before a pointer is formed, so a Python-level mistake raises.
"""
cimport numpy as cnp
from libc.stddef cimport ptrdiff_t

import numpy

cnp.import_array()


cdef extern from "im2col_kernels.h" nogil:
    void fg_im2col_f(const float *x, ptrdiff_t P, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh,
                     ptrdiff_t kw, ptrdiff_t sy, ptrdiff_t sx, ptrdiff_t ph, ptrdiff_t pw,
                     ptrdiff_t oh, ptrdiff_t ow, ptrdiff_t dy, ptrdiff_t dx, float *col,
                     ptrdiff_t N, int nt)
    void fg_im2col_d(const double *x, ptrdiff_t P, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh,
                     ptrdiff_t kw, ptrdiff_t sy, ptrdiff_t sx, ptrdiff_t ph, ptrdiff_t pw,
                     ptrdiff_t oh, ptrdiff_t ow, ptrdiff_t dy, ptrdiff_t dx, double *col,
                     ptrdiff_t N, int nt)
    void fg_col2im_f(const float *col, ptrdiff_t P, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh,
                     ptrdiff_t kw, ptrdiff_t sy, ptrdiff_t sx, ptrdiff_t ph, ptrdiff_t pw,
                     ptrdiff_t oh, ptrdiff_t ow, ptrdiff_t dy, ptrdiff_t dx, float *img,
                     ptrdiff_t N, int nt)
    void fg_col2im_d(const double *col, ptrdiff_t P, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh,
                     ptrdiff_t kw, ptrdiff_t sy, ptrdiff_t sx, ptrdiff_t ph, ptrdiff_t pw,
                     ptrdiff_t oh, ptrdiff_t ow, ptrdiff_t dy, ptrdiff_t dx, double *img,
                     ptrdiff_t N, int nt)

cdef extern from "depthwise_kernels.h" nogil:
    ctypedef struct fg_dw_args:
        const void *x
        const void *w
        const void *b
        const void *gy
        void *out
        double *acc
        ptrdiff_t N, C, M, H, W, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx
    void fg_dw_forward_f(const fg_dw_args *a, int nt)
    void fg_dw_forward_d(const fg_dw_args *a, int nt)
    void fg_dw_grad_x_f(const fg_dw_args *a, int nt)
    void fg_dw_grad_x_d(const fg_dw_args *a, int nt)
    void fg_dw_grad_w_f(const fg_dw_args *a, int nt)
    void fg_dw_grad_w_d(const fg_dw_args *a, int nt)

_FLOAT32 = numpy.dtype(numpy.float32)
_FLOAT64 = numpy.dtype(numpy.float64)
# Sizes, strides, pads and dilations stay below 2**31, so that no index the
# loops form (a product of two of them, plus a third) overflows.
_LIMIT = 2 ** 31

include "_array_checks.pxi"
include "_float_array.pxi"
include "_threads.pxi"


cdef tuple _geometry(str func, tuple values, tuple names, tuple minima):
    """The ints ``values``, each checked to be in ``[minimum, 2**31)``."""
    out = []
    for v, name, low in zip(values, names, minima):
        if type(v) is not int and not isinstance(v, numpy.integer):
            raise TypeError('{}: {} must be an int, got {!r}'.format(func, name, v))
        if not low <= v < _LIMIT:
            raise ValueError('{}: {} must be in [{}, 2**31), got {}'.format(func, name, low, v))
        out.append(int(v))
    return tuple(out)


_NAMES = ('kh', 'kw', 'sy', 'sx', 'ph', 'pw', 'oh', 'ow', 'dy', 'dx')
_MINIMA = (1, 1, 1, 1, 0, 0, 0, 0, 1, 1)


def im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy=1, dx=1, out=None, bint batch_major=False):
    """The columns ``(N, C, kh, kw, oh, ow)`` of ``x`` ``(N, C, H, W)`` (with
    ``batch_major``: ``(C, kh, kw, N, oh, ow)``, the columns of one GEMM over the
    batch), written into ``out`` when given (C-contiguous, that shape and x's
    dtype)."""
    func = 'im2col'
    _float_array(func, 'x', x, 4)
    cdef ptrdiff_t kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_
    kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_ = _geometry(
        func, (kh, kw, sy, sx, ph, pw, oh, ow, dy, dx), _NAMES, _MINIMA)
    n, c, h, w = x.shape
    shape = (c, kh_, kw_, n, oh_, ow_) if batch_major else (n, c, kh_, kw_, oh_, ow_)
    if out is None:
        out = numpy.empty(shape, x.dtype)
    else:
        _check(func, 'out', out, x.dtype, shape)
    cdef void *px = cnp.PyArray_DATA(x)
    cdef void *po = cnp.PyArray_DATA(out)
    cdef ptrdiff_t P = n * c, H = h, W = w, N = n if batch_major else 0
    cdef bint f32 = x.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_im2col_f(<float*>px, P, H, W, kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_,
                        <float*>po, N, nt)
        else:
            fg_im2col_d(<double*>px, P, H, W, kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_,
                        <double*>po, N, nt)
    return out


def col2im(col, sy, sx, ph, pw, h, w, dy=1, dx=1, out=None, bint batch_major=False):
    """The image ``(N, C, h, w)`` that sums the windows of ``col``
    ``(N, C, kh, kw, oh, ow)`` (with ``batch_major``: ``(C, kh, kw, N, oh, ow)``),
    im2col's adjoint, written into ``out`` when given (C-contiguous, that shape
    and col's dtype)."""
    func = 'col2im'
    _float_array(func, 'col', col, 6)
    if batch_major:
        c, kh, kw, n, oh, ow = col.shape
    else:
        n, c, kh, kw, oh, ow = col.shape
    cdef ptrdiff_t kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_, H, W
    kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_ = _geometry(
        func, (kh, kw, sy, sx, ph, pw, oh, ow, dy, dx), _NAMES, _MINIMA)
    H, W = _geometry(func, (h, w), ('h', 'w'), (0, 0))
    shape = (n, c, H, W)
    if out is None:
        out = numpy.empty(shape, col.dtype)
    else:
        _check(func, 'out', out, col.dtype, shape)
    cdef void *pc = cnp.PyArray_DATA(col)
    cdef void *po = cnp.PyArray_DATA(out)
    cdef ptrdiff_t P = n * c, N = n if batch_major else 0
    cdef bint f32 = col.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_col2im_f(<float*>pc, P, H, W, kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_,
                        <float*>po, N, nt)
        else:
            fg_col2im_d(<double*>pc, P, H, W, kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_,
                        <double*>po, N, nt)
    return out


cdef fg_dw_args _dw_args(str func, tuple x_shape, tuple w_shape, tuple geometry) except *:
    """The kernels' record for ``x`` of ``x_shape`` ``(N, C, H, W)``, ``W`` of
    ``w_shape`` ``(C, M, kh, kw)`` and the ints ``geometry``
    ``(sy, sx, ph, pw, oh, ow, dy, dx)``, checked here."""
    cdef fg_dw_args a
    n, c, h, w = x_shape
    if w_shape[0] != c:
        raise ValueError('{}: W must have shape (C, M, kh, kw) with C = {} input channels, got {}'
                         .format(func, c, w_shape))
    a.N, a.C, a.H, a.W = n, c, h, w
    a.M, a.kh, a.kw = _geometry(func, w_shape[1:], ('M', 'kh', 'kw'), (1, 1, 1))
    a.sy, a.sx, a.ph, a.pw, a.oh, a.ow, a.dy, a.dx = _geometry(
        func, geometry, ('sy', 'sx', 'ph', 'pw', 'oh', 'ow', 'dy', 'dx'), (1, 1, 0, 0, 0, 0, 1, 1))
    a.x = a.w = a.b = a.gy = NULL
    a.out = NULL
    a.acc = NULL
    return a


def depthwise_forward(x, W, b, sy, sx, ph, pw, oh, ow, dy=1, dx=1):
    """``y`` ``(N, C*M, oh, ow)`` of ``x`` ``(N, C, H, W)`` with ``W``
    ``(C, M, kh, kw)`` and the bias ``b`` (``(C*M,)`` or None)."""
    func = 'depthwise_forward'
    _float_array(func, 'x', x, 4)
    _float_array(func, 'W', W, 4)
    if W.dtype != x.dtype:
        raise TypeError('{}: W must be {}, got {}'.format(func, x.dtype, W.dtype))
    cdef fg_dw_args a = _dw_args(func, x.shape, W.shape, (sy, sx, ph, pw, oh, ow, dy, dx))
    if b is not None:
        _check(func, 'b', b, x.dtype, (a.C * a.M,))
    y = numpy.empty((a.N, a.C * a.M, a.oh, a.ow), x.dtype)
    a.x = cnp.PyArray_DATA(x)
    a.w = cnp.PyArray_DATA(W)
    a.b = cnp.PyArray_DATA(b) if b is not None else NULL
    a.out = cnp.PyArray_DATA(y)
    cdef bint f32 = x.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_dw_forward_f(&a, nt)
        else:
            fg_dw_forward_d(&a, nt)
    return y


def depthwise_grad_x(gy, W, sy, sx, ph, pw, h, w, dy=1, dx=1):
    """The gradient ``(N, C, h, w)`` of the input from ``gy`` ``(N, C*M, oh, ow)``
    and ``W`` ``(C, M, kh, kw)``."""
    func = 'depthwise_grad_x'
    _float_array(func, 'gy', gy, 4)
    _float_array(func, 'W', W, 4)
    if W.dtype != gy.dtype:
        raise TypeError('{}: W must be {}, got {}'.format(func, gy.dtype, W.dtype))
    n, cm, oh, ow = gy.shape
    h, w = _geometry(func, (h, w), ('h', 'w'), (0, 0))
    cdef fg_dw_args a = _dw_args(func, (n, W.shape[0], h, w), W.shape,
                                 (sy, sx, ph, pw, oh, ow, dy, dx))
    if cm != a.C * a.M:
        raise ValueError('{}: gy must have C*M = {} channels, got shape {}'
                         .format(func, a.C * a.M, gy.shape))
    gx = numpy.empty((a.N, a.C, a.H, a.W), gy.dtype)
    a.gy = cnp.PyArray_DATA(gy)
    a.w = cnp.PyArray_DATA(W)
    a.out = cnp.PyArray_DATA(gx)
    cdef bint f32 = gy.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_dw_grad_x_f(&a, nt)
        else:
            fg_dw_grad_x_d(&a, nt)
    return gx


def depthwise_grad_W(x, gy, kh, kw, sy, sx, ph, pw, dy=1, dx=1):
    """The gradient ``(C, M, kh, kw)`` of ``W`` from ``x`` ``(N, C, H, W)`` and
    ``gy`` ``(N, C*M, oh, ow)`` (each output row summed in the dtype, the rows in double)."""
    func = 'depthwise_grad_W'
    _float_array(func, 'x', x, 4)
    _float_array(func, 'gy', gy, 4)
    if gy.dtype != x.dtype:
        raise TypeError('{}: gy must be {}, got {}'.format(func, x.dtype, gy.dtype))
    n, c = x.shape[:2]
    if gy.shape[0] != n or c == 0 or gy.shape[1] % c:
        raise ValueError('{}: gy must have shape (N, C*M, oh, ow) with N = {}, C = {}, got {}'
                         .format(func, n, c, gy.shape))
    cdef fg_dw_args a = _dw_args(func, x.shape, (c, gy.shape[1] // c, kh, kw),
                                 (sy, sx, ph, pw) + gy.shape[2:] + (dy, dx))
    gW = numpy.empty((a.C, a.M, a.kh, a.kw), x.dtype)
    acc = numpy.empty(max(gW.size, 1), numpy.float64)
    a.x = cnp.PyArray_DATA(x)
    a.gy = cnp.PyArray_DATA(gy)
    a.out = cnp.PyArray_DATA(gW)
    a.acc = <double*>cnp.PyArray_DATA(acc)
    cdef bint f32 = x.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_dw_grad_w_f(&a, nt)
        else:
            fg_dw_grad_w_d(&a, nt)
    return gW
