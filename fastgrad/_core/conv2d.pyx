"""im2col and col2im of 2-D convolutions on the CPU (im2col_kernels.h), GIL
released, planes split over ``fastgrad.set_num_threads`` threads.

``im2col(x, ...)`` is ``(N, C, kh, kw, oh, ow)`` with
``col[n, c, i, j, y, x] = x[n, c, y*sy + i*dy - ph, x*sx + j*dx - pw]``, zero
outside the image; ``col2im`` is its adjoint, an ``(N, C, h, w)`` image.
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
                     ptrdiff_t oh, ptrdiff_t ow, ptrdiff_t dy, ptrdiff_t dx, float *col, int nt)
    void fg_im2col_d(const double *x, ptrdiff_t P, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh,
                     ptrdiff_t kw, ptrdiff_t sy, ptrdiff_t sx, ptrdiff_t ph, ptrdiff_t pw,
                     ptrdiff_t oh, ptrdiff_t ow, ptrdiff_t dy, ptrdiff_t dx, double *col,
                     int nt)
    void fg_col2im_f(const float *col, ptrdiff_t P, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh,
                     ptrdiff_t kw, ptrdiff_t sy, ptrdiff_t sx, ptrdiff_t ph, ptrdiff_t pw,
                     ptrdiff_t oh, ptrdiff_t ow, ptrdiff_t dy, ptrdiff_t dx, float *img,
                     int nt)
    void fg_col2im_d(const double *col, ptrdiff_t P, ptrdiff_t H, ptrdiff_t W, ptrdiff_t kh,
                     ptrdiff_t kw, ptrdiff_t sy, ptrdiff_t sx, ptrdiff_t ph, ptrdiff_t pw,
                     ptrdiff_t oh, ptrdiff_t ow, ptrdiff_t dy, ptrdiff_t dx, double *img,
                     int nt)

_FLOAT32 = numpy.dtype(numpy.float32)
_FLOAT64 = numpy.dtype(numpy.float64)
# Sizes, strides, pads and dilations stay below 2**31, so that no index the
# loops form (a product of two of them, plus a third) overflows.
_LIMIT = 2 ** 31

include "_array_checks.pxi"
include "_threads.pxi"


cdef void _float_array(str func, str name, object a, int ndim) except *:
    if type(a) is not numpy.ndarray:
        raise TypeError('{}: {} must be a numpy.ndarray, got {}'
                        .format(func, name, type(a).__name__))
    if a.dtype != _FLOAT32 and a.dtype != _FLOAT64:
        raise TypeError('{}: {} must be float32 or float64, got {}'.format(func, name, a.dtype))
    if a.ndim != ndim:
        raise ValueError('{}: {} must have {} dimensions, got shape {}'
                         .format(func, name, ndim, a.shape))
    if not a.flags.c_contiguous:
        raise ValueError('{}: {} must be C-contiguous'.format(func, name))


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


def im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy=1, dx=1, out=None):
    """The columns ``(N, C, kh, kw, oh, ow)`` of ``x`` ``(N, C, H, W)``, written
    into ``out`` when given (C-contiguous, that shape and x's dtype)."""
    func = 'im2col'
    _float_array(func, 'x', x, 4)
    cdef ptrdiff_t kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_
    kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_ = _geometry(
        func, (kh, kw, sy, sx, ph, pw, oh, ow, dy, dx), _NAMES, _MINIMA)
    n, c, h, w = x.shape
    shape = (n, c, kh_, kw_, oh_, ow_)
    if out is None:
        out = numpy.empty(shape, x.dtype)
    else:
        _check(func, 'out', out, x.dtype, shape)
    cdef void *px = cnp.PyArray_DATA(x)
    cdef void *po = cnp.PyArray_DATA(out)
    cdef ptrdiff_t P = n * c, H = h, W = w
    cdef bint f32 = x.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_im2col_f(<float*>px, P, H, W, kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_,
                        <float*>po, nt)
        else:
            fg_im2col_d(<double*>px, P, H, W, kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_,
                        <double*>po, nt)
    return out


def col2im(col, sy, sx, ph, pw, h, w, dy=1, dx=1, out=None):
    """The image ``(N, C, h, w)`` that sums the windows of ``col``
    ``(N, C, kh, kw, oh, ow)`` (im2col's adjoint), written into ``out`` when
    given (C-contiguous, that shape and col's dtype)."""
    func = 'col2im'
    _float_array(func, 'col', col, 6)
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
    cdef ptrdiff_t P = n * c
    cdef bint f32 = col.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_col2im_f(<float*>pc, P, H, W, kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_,
                        <float*>po, nt)
        else:
            fg_col2im_d(<double*>pc, P, H, W, kh_, kw_, sy_, sx_, ph_, pw_, oh_, ow_, dy_, dx_,
                        <double*>po, nt)
    return out
