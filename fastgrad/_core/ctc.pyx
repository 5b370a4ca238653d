"""The CTC loss's forward-backward recursions on the CPU (ctc_kernels.h: on
rescaled probabilities, in double), GIL released: the loss of each sequence
and, on request, the gradient w.r.t. the activations.  The entry point checks
shapes, dtypes and every index it will follow before any pointer is formed: a
Python-level mistake raises.
"""
cimport numpy as cnp
from libc.stddef cimport ptrdiff_t
from libc.stdint cimport int64_t

import numpy

cnp.import_array()


cdef extern from "ctc_kernels.h" nogil:
    void fg_ctc_f(const float *logy, const int64_t *paths, const int64_t *path_length,
                  const int64_t *t_len, int64_t blank, ptrdiff_t n_time, ptrdiff_t n_batch,
                  ptrdiff_t n_vocab, ptrdiff_t n_pos, double *logz, float *grad,
                  double *alpha, double *beta, double *emit)
    void fg_ctc_d(const double *logy, const int64_t *paths, const int64_t *path_length,
                  const int64_t *t_len, int64_t blank, ptrdiff_t n_time, ptrdiff_t n_batch,
                  ptrdiff_t n_vocab, ptrdiff_t n_pos, double *logz, double *grad,
                  double *alpha, double *beta, double *emit)

_FLOATS = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))
_INT64 = numpy.dtype(numpy.int64)


include "_array_checks.pxi"


cdef void _in_range(str name, object a, long low, long high) except *:
    """Every value of ``a`` in ``[low, high]``."""
    if a.size and (int(a.min()) < low or int(a.max()) > high):
        raise ValueError('ctc: {} must lie in [{}, {}], got values in [{}, {}]'
                         .format(name, low, high, int(a.min()), int(a.max())))


def ctc(logy, path, path_length, t_len, blank, bint want_grad):
    """``(logz, grad)``: ``log p(labels | x)`` per sequence, float64 ``(B,)``,
    and the gradient of ``-logz`` w.r.t. the activations, ``(T, B, V)`` in
    ``logy``'s dtype (None unless ``want_grad``).

    ``logy`` is the log-softmax ``(T, B, V)``, float32 or float64; ``path`` the
    extended label sequences ``(B, S)`` int64 (blanks around and between the
    labels, blanks past ``path_length``); ``path_length`` and ``t_len``
    ``(B,)`` int64.
    """
    if type(logy) is not numpy.ndarray or logy.dtype not in _FLOATS or logy.ndim != 3:
        raise TypeError('ctc: logy must be a 3-D float32 or float64 numpy.ndarray (T, B, V)')
    if not logy.flags.c_contiguous:
        raise ValueError('ctc: logy must be C-contiguous')
    n_time, n_batch, n_vocab = logy.shape
    if type(path) is not numpy.ndarray or path.ndim != 2:
        raise TypeError('ctc: path must be a 2-D numpy.ndarray (B, S)')
    n_pos = path.shape[1]
    _check('ctc', 'path', path, _INT64, (n_batch, n_pos))
    _check('ctc', 'path_length', path_length, _INT64, (n_batch,))
    _check('ctc', 't_len', t_len, _INT64, (n_batch,))
    if type(blank) is not int or not 0 <= blank < n_vocab:
        raise ValueError('ctc: blank must be an int in [0, {}), got {!r}'.format(n_vocab, blank))
    _in_range('path', path, 0, n_vocab - 1)
    _in_range('path_length', path_length, 1, n_pos)
    _in_range('t_len', t_len, 0, n_time)
    cdef cnp.ndarray logz = numpy.empty(n_batch, numpy.float64)
    cdef cnp.ndarray grad = numpy.empty_like(logy) if want_grad else None
    cdef cnp.ndarray alpha = numpy.empty(max(n_time * n_pos, 1), numpy.float64)
    cdef cnp.ndarray emit = numpy.empty(max(n_time * n_pos, 1), numpy.float64)
    cdef cnp.ndarray beta = numpy.empty(max(n_time * n_pos, 1) if want_grad else 1,
                                        numpy.float64)
    cdef void *pl = cnp.PyArray_DATA(logy)
    cdef int64_t *pp = <int64_t*>cnp.PyArray_DATA(path)
    cdef int64_t *ppl = <int64_t*>cnp.PyArray_DATA(path_length)
    cdef int64_t *ptl = <int64_t*>cnp.PyArray_DATA(t_len)
    cdef double *pz = <double*>cnp.PyArray_DATA(logz)
    cdef void *pg = cnp.PyArray_DATA(grad) if want_grad else NULL
    cdef double *pa = <double*>cnp.PyArray_DATA(alpha)
    cdef double *pb = <double*>cnp.PyArray_DATA(beta)
    cdef double *pe = <double*>cnp.PyArray_DATA(emit)
    cdef int64_t blank_ = blank
    cdef ptrdiff_t t_ = n_time, b_ = n_batch, v_ = n_vocab, s_ = n_pos
    cdef bint f32 = logy.dtype == _FLOATS[0]
    with nogil:
        if f32:
            fg_ctc_f(<float*>pl, pp, ppl, ptl, blank_, t_, b_, v_, s_, pz, <float*>pg, pa, pb,
                     pe)
        else:
            fg_ctc_d(<double*>pl, pp, ppl, ptl, blank_, t_, b_, v_, s_, pz, <double*>pg, pa,
                     pb, pe)
    return logz, grad
