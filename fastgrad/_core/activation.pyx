"""Activations on the CPU in one pass each way (relu_kernels.h), GIL
released, split over ``fastgrad.set_num_threads`` threads: ``relu_forward``
is ``numpy.maximum(x, 0)`` and ``relu_backward`` is ``gy * (y > 0)``, bit for
bit.  Arrays are C-contiguous float32/float64 numpy arrays of one dtype,
checked before a pointer is formed.
"""
cimport numpy as cnp
from libc.stddef cimport ptrdiff_t

import numpy

cnp.import_array()


cdef extern from "relu_kernels.h" nogil:
    void fg_relu_forward_f(const float *x, float *y, ptrdiff_t n, int nt)
    void fg_relu_forward_d(const double *x, double *y, ptrdiff_t n, int nt)
    void fg_relu_backward_f(const float *y, const float *gy, float *gx, ptrdiff_t n, int nt)
    void fg_relu_backward_d(const double *y, const double *gy, double *gx, ptrdiff_t n, int nt)

_FLOAT32 = numpy.dtype(numpy.float32)
_FLOAT64 = numpy.dtype(numpy.float64)

include "_array_checks.pxi"
include "_float_array.pxi"
include "_threads.pxi"


def relu_forward(x):
    """``numpy.maximum(x, 0)``, a new array."""
    _float_array('relu_forward', 'x', x)
    y = numpy.empty_like(x)
    cdef void *px = cnp.PyArray_DATA(x)
    cdef void *py = cnp.PyArray_DATA(y)
    cdef ptrdiff_t n = x.size
    cdef bint f32 = x.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_relu_forward_f(<float*>px, <float*>py, n, nt)
        else:
            fg_relu_forward_d(<double*>px, <double*>py, n, nt)
    return y


def relu_backward(y, gy):
    """``gy * (y > 0)``, a new array (``gy`` of ``y``'s dtype and shape)."""
    _float_array('relu_backward', 'y', y)
    _check('relu_backward', 'gy', gy, y.dtype, y.shape)
    gx = numpy.empty_like(y)
    cdef void *py = cnp.PyArray_DATA(y)
    cdef void *pg = cnp.PyArray_DATA(gy)
    cdef void *pgx = cnp.PyArray_DATA(gx)
    cdef ptrdiff_t n = y.size
    cdef bint f32 = y.dtype == _FLOAT32
    cdef int nt = _num_threads
    with nogil:
        if f32:
            fg_relu_backward_f(<float*>py, <float*>pg, <float*>pgx, n, nt)
        else:
            fg_relu_backward_d(<double*>py, <double*>pg, <double*>pgx, n, nt)
    return gx
