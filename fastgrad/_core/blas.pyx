"""The linear layer's three products on BLAS (scipy's BLAS), GIL released.

    y  = x @ W.T + b     (bias written into y first, then GEMM with beta = 1)
    gx = gy @ W
    gW = gy.T @ x

BLAS is column-major; NumPy is row-major.  A row-major matrix is the
column-major view of its transpose, so C = P @ Q (row-major) is computed as
C.T = Q.T @ P.T (column-major) with no copies.  Each operand is described by its
*logical* matrix: a pointer, whether that matrix is row-major, and its leading
dimension.  ``.T`` of an operand just flips the flag, which is how
``W.T``, F-ordered inputs and row-strided slices all reach BLAS without a copy.
Only arrays with neither axis unit-strided are copied, and those whose
leading dimension BLAS's 32-bit integers cannot express.

The entry points check what they are given (types, ranks, dtypes, shapes,
writability) before any pointer is formed: a Python-level mistake raises.
"""
cimport numpy as cnp
from cpython.pycapsule cimport PyCapsule_GetName, PyCapsule_GetPointer
from libc.limits cimport INT_MAX
from libc.string cimport memcpy

import importlib.machinery
import importlib.util
import os
import sys

import numpy

cnp.import_array()


# scipy's BLAS, reached through the function pointers scipy.linalg.cython_blas
# exports (what a ``cimport`` would do), but without importing the
# scipy.linalg package itself: that import alone costs ~27 MB of RSS and
# ~0.2 s, and fastgrad needs only two functions.
ctypedef void (*sgemm_t)(char*, char*, int*, int*, int*, float*, float*, int*,
                         float*, int*, float*, float*, int*) noexcept nogil
ctypedef void (*dgemm_t)(char*, char*, int*, int*, int*, double*, double*, int*,
                         double*, int*, double*, double*, int*) noexcept nogil
cdef sgemm_t sgemm = NULL
cdef dgemm_t dgemm = NULL


def _cython_blas_module():
    name = 'scipy.linalg.cython_blas'
    module = sys.modules.get(name)
    if module is not None:
        return module
    import scipy
    folder = os.path.join(os.path.dirname(scipy.__file__), 'linalg')
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(folder, 'cython_blas' + suffix)
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            sys.modules[name] = module      # a later ``import scipy.linalg`` reuses it
            return module
    return importlib.import_module(name)    # unusual layouts: the ordinary import


cdef void* _function(dict capi, str name) except NULL:
    capsule = capi[name]
    return PyCapsule_GetPointer(capsule, PyCapsule_GetName(capsule))


def _load_blas():
    global sgemm, dgemm
    capi = _cython_blas_module().__pyx_capi__
    sgemm = <sgemm_t>_function(capi, 'sgemm')
    dgemm = <dgemm_t>_function(capi, 'dgemm')


_load_blas()

# Below this many multiply-adds the GIL round trip costs more than it frees.
cdef long _NOGIL_WORK = 1 << 15


ctypedef fused floating:
    float
    double


cdef struct Operand:
    char* ptr
    bint rowmajor
    int ld


cdef inline int _max1(Py_ssize_t v) noexcept nogil:
    return <int>(v if v > 1 else 1)


cdef inline bint _ld_ok(Py_ssize_t stride, Py_ssize_t isz, Py_ssize_t inner) noexcept:
    """A stride (bytes) that BLAS can take as a leading dimension: a whole number
    of elements, at least the inner extent, and within a C int."""
    return stride % isz == 0 and stride >= inner * isz and stride // isz <= INT_MAX


cdef cnp.ndarray _as_blas_2d(object a):
    """``a`` itself when one axis is unit-strided (BLAS can read it), else a copy."""
    cdef cnp.ndarray arr = <cnp.ndarray>a
    cdef Py_ssize_t isz = cnp.PyArray_ITEMSIZE(arr)
    cdef cnp.npy_intp* st = cnp.PyArray_STRIDES(arr)
    cdef cnp.npy_intp* dims = cnp.PyArray_DIMS(arr)
    if cnp.PyArray_IS_C_CONTIGUOUS(arr) or cnp.PyArray_IS_F_CONTIGUOUS(arr):
        return arr
    if (st[1] == isz and _ld_ok(st[0], isz, dims[1])) or \
       (st[0] == isz and _ld_ok(st[1], isz, dims[0])):
        return arr
    return numpy.ascontiguousarray(arr)


cdef inline bint _dims_ok(Py_ssize_t m, Py_ssize_t n, Py_ssize_t k) noexcept:
    """BLAS takes its sizes (and a contiguous matrix's leading dimension) as C ints."""
    return m <= INT_MAX and n <= INT_MAX and k <= INT_MAX


cdef _check_matrix(str fn, str what, object a, int ndim):
    if type(a) is not numpy.ndarray:
        raise TypeError('{}: {} must be a numpy.ndarray, got {}'
                        .format(fn, what, type(a).__name__))
    if cnp.PyArray_NDIM(<cnp.ndarray>a) != ndim:
        raise ValueError('{}: {} must have {} axes, got shape {}'
                         .format(fn, what, ndim, a.shape))
    if not _supported(a):
        raise TypeError('{}: {} must be float32 or float64, got {}'.format(fn, what, a.dtype))


cdef _check_pair(str fn, str n1, object a, str n2, object b, int ax1, int ax2):
    """Two float matrices of one dtype whose axes ax1 (of a) and ax2 (of b) agree."""
    _check_matrix(fn, n1, a, 2)
    _check_matrix(fn, n2, b, 2)
    if a.dtype != b.dtype:
        raise TypeError('{}: {} and {} must have one dtype, got {} and {}'
                        .format(fn, n1, n2, a.dtype, b.dtype))
    if a.shape[ax1] != b.shape[ax2]:
        raise ValueError('{}: {}.shape[{}] must equal {}.shape[{}]; got shapes {} and {}'
                         .format(fn, n1, ax1, n2, ax2, a.shape, b.shape))


cdef Operand _operand(cnp.ndarray arr, bint transpose):
    """The logical matrix ``arr`` (or ``arr.T``) as BLAS sees it."""
    cdef Operand op
    cdef Py_ssize_t isz = cnp.PyArray_ITEMSIZE(arr)
    cdef cnp.npy_intp* st = cnp.PyArray_STRIDES(arr)
    cdef cnp.npy_intp* dims = cnp.PyArray_DIMS(arr)
    op.ptr = <char*>cnp.PyArray_DATA(arr)
    if cnp.PyArray_IS_C_CONTIGUOUS(arr):
        op.rowmajor = True
        op.ld = _max1(dims[1])
    elif cnp.PyArray_IS_F_CONTIGUOUS(arr):
        op.rowmajor = False
        op.ld = _max1(dims[0])
    else:
        op = _strided_operand(op.ptr, st[0], st[1], isz)
    if transpose:
        op.rowmajor = not op.rowmajor
    return op


cdef Operand _strided_operand(char* ptr, Py_ssize_t s_row, Py_ssize_t s_col, Py_ssize_t isz):
    """A matrix with one unit-strided axis (checked by the caller)."""
    cdef Operand op
    op.ptr = ptr
    if s_col == isz:
        op.rowmajor = True
        op.ld = _max1(s_row // isz)
    else:
        op.rowmajor = False
        op.ld = _max1(s_col // isz)
    return op


cdef void _gemm(floating* dummy, Operand P, Operand Q, char* C,
                int m, int n, int k, floating beta) noexcept nogil:
    """Row-major C (m x n, contiguous) = P (m x k) @ Q (k x n) + beta * C."""
    # Column-major: C.T (n x m) = Q.T (n x k) @ P.T (k x m).
    cdef char ta = b'N' if Q.rowmajor else b'T'
    cdef char tb = b'N' if P.rowmajor else b'T'
    cdef floating alpha = 1
    cdef int ldc = _max1(n)
    if floating is float:
        sgemm(&ta, &tb, &n, &m, &k, &alpha, <float*>Q.ptr, &Q.ld,
              <float*>P.ptr, &P.ld, &beta, <float*>C, &ldc)
    else:
        dgemm(&ta, &tb, &n, &m, &k, &alpha, <double*>Q.ptr, &Q.ld,
              <double*>P.ptr, &P.ld, &beta, <double*>C, &ldc)


cdef _run(cnp.ndarray P_arr, bint P_t, cnp.ndarray Q_arr, bint Q_t,
          cnp.ndarray out, int m, int n, int k, bint accumulate):
    cdef Operand P = _operand(P_arr, P_t)
    cdef Operand Q = _operand(Q_arr, Q_t)
    cdef char* C = <char*>cnp.PyArray_DATA(out)
    cdef bint release = <long>m * n * k >= _NOGIL_WORK
    cdef float* fdummy = NULL
    cdef double* ddummy = NULL
    if cnp.PyArray_TYPE(out) == cnp.NPY_FLOAT32:
        if release:
            with nogil:
                _gemm(fdummy, P, Q, C, m, n, k, <float>(1 if accumulate else 0))
        else:
            _gemm(fdummy, P, Q, C, m, n, k, <float>(1 if accumulate else 0))
    else:
        if release:
            with nogil:
                _gemm(ddummy, P, Q, C, m, n, k, <double>(1 if accumulate else 0))
        else:
            _gemm(ddummy, P, Q, C, m, n, k, <double>(1 if accumulate else 0))


cdef inline bint _supported(object a):
    return cnp.PyArray_TYPE(<cnp.ndarray>a) in (cnp.NPY_FLOAT32, cnp.NPY_FLOAT64)


def supports(x, W):
    """True when the BLAS path applies: 2-D float32/float64 arrays of one dtype."""
    return (type(x) is numpy.ndarray and type(W) is numpy.ndarray
            and x.ndim == 2 and W.ndim == 2 and x.dtype == W.dtype and _supported(x))


def linear_forward(x, W, b=None):
    """y = x @ W.T (+ b), x (N, in), W (out, in), b (out,); all one float dtype."""
    _check_pair('linear_forward', 'x', x, 'W', W, 1, 1)
    if b is not None:
        _check_matrix('linear_forward', 'b', b, 1)
        if b.dtype != x.dtype or b.shape[0] != W.shape[0]:
            raise ValueError('linear_forward: b must be ({},) {}; got {} {}'
                             .format(W.shape[0], x.dtype, b.shape, b.dtype))
    if not _dims_ok(x.shape[0], W.shape[0], x.shape[1]):
        return numpy.matmul(x, W.T) if b is None else numpy.matmul(x, W.T) + b
    cdef cnp.ndarray xa = _as_blas_2d(x)
    cdef cnp.ndarray Wa = _as_blas_2d(W)
    cdef Py_ssize_t N = xa.shape[0], K = xa.shape[1], M = Wa.shape[0]
    cdef cnp.ndarray y = numpy.empty((N, M), dtype=xa.dtype)
    cdef cnp.ndarray ba
    cdef char* yp
    cdef char* bp
    cdef Py_ssize_t row, rowbytes
    if N == 0 or M == 0:
        return y
    if b is not None:
        ba = numpy.ascontiguousarray(b)
        yp = <char*>cnp.PyArray_DATA(y)
        bp = <char*>cnp.PyArray_DATA(ba)
        rowbytes = M * cnp.PyArray_ITEMSIZE(y)
        for row in range(N):
            memcpy(yp + row * rowbytes, bp, rowbytes)
    elif K == 0:
        y.fill(0)
        return y
    if K == 0:
        return y
    _run(xa, False, Wa, True, y, <int>N, <int>M, <int>K, b is not None)
    return y


def linear_grad_x(gy, W):
    """gx = gy @ W: gy (N, out), W (out, in) -> (N, in)."""
    _check_pair('linear_grad_x', 'gy', gy, 'W', W, 1, 0)
    if not _dims_ok(gy.shape[0], W.shape[1], gy.shape[1]):
        return numpy.matmul(gy, W)
    cdef cnp.ndarray ga = _as_blas_2d(gy)
    cdef cnp.ndarray Wa = _as_blas_2d(W)
    cdef Py_ssize_t N = ga.shape[0], M = ga.shape[1], K = Wa.shape[1]
    cdef cnp.ndarray gx
    if M == 0:
        return numpy.zeros((N, K), dtype=ga.dtype)
    gx = numpy.empty((N, K), dtype=ga.dtype)
    if N and K:
        _run(ga, False, Wa, False, gx, <int>N, <int>K, <int>M, False)
    return gx


def linear_grad_W(gy, x):
    """gW = gy.T @ x: gy (N, out), x (N, in) -> (out, in)."""
    _check_pair('linear_grad_W', 'gy', gy, 'x', x, 0, 0)
    if not _dims_ok(gy.shape[1], x.shape[1], gy.shape[0]):
        return numpy.matmul(gy.T, x)
    cdef cnp.ndarray ga = _as_blas_2d(gy)
    cdef cnp.ndarray xa = _as_blas_2d(x)
    cdef Py_ssize_t N = ga.shape[0], M = ga.shape[1], K = xa.shape[1]
    cdef cnp.ndarray gW
    if N == 0:
        return numpy.zeros((M, K), dtype=ga.dtype)
    gW = numpy.empty((M, K), dtype=ga.dtype)
    if M and K:
        _run(ga, True, xa, False, gW, <int>M, <int>K, <int>N, False)
    return gW


# -- matmul: every other GEMM of the library on the same BLAS ---------------------
#
# Two OpenBLAS libraries in one process (NumPy's and scipy's) each keep a thread
# pool that busy-waits after a call; alternating between them on the same cores
# made a convolution followed by a linear layer several times slower than the
# two alone.  So convolutions, F.matmul and friends call this instead of
# numpy.matmul (through fastgrad.utils.matmul).

cdef bint _blas_readable(cnp.ndarray a3):
    """Each (rows, cols) matrix of a 3-D stack has a unit-strided axis and a
    leading dimension BLAS accepts."""
    cdef Py_ssize_t isz = cnp.PyArray_ITEMSIZE(a3)
    cdef cnp.npy_intp* st = cnp.PyArray_STRIDES(a3)
    cdef cnp.npy_intp* dims = cnp.PyArray_DIMS(a3)
    if st[2] == isz and _ld_ok(st[1], isz, dims[2]):
        return True
    return st[1] == isz and _ld_ok(st[2], isz, dims[1])


cdef cnp.ndarray _stack(cnp.ndarray a, tuple batch, Py_ssize_t rows, Py_ssize_t cols):
    """``a`` broadcast to ``batch + (rows, cols)`` as a 3-D stack BLAS can read
    (a view when possible: broadcast batch axes keep stride 0)."""
    cdef cnp.ndarray a3 = numpy.broadcast_to(a, batch + (rows, cols)).reshape((-1, rows, cols))
    if not _blas_readable(a3):
        a3 = numpy.ascontiguousarray(a3)
    return a3


def supports_matmul(a, b):
    """True when ``matmul`` applies: ndarrays (not subclasses) of 2+ axes, one
    dtype, float32 or float64."""
    return (type(a) is numpy.ndarray and type(b) is numpy.ndarray and a.ndim >= 2
            and b.ndim >= 2 and a.dtype == b.dtype and _supported(a))


def matmul(a, b, out=None):
    """``numpy.matmul(a, b, out=out)`` for operands ``supports_matmul`` accepts
    (batch axes broadcast), on the linear layer's BLAS, GIL released."""
    for what, arr in (('a', a), ('b', b)):
        if type(arr) is not numpy.ndarray or arr.ndim < 2 or not _supported(arr):
            raise TypeError('matmul: {} must be a float32 or float64 numpy.ndarray with '
                            'at least 2 axes, got {}'.format(what, _describe(arr)))
    if a.dtype != b.dtype:
        raise TypeError('matmul: a and b must have one dtype, got {} and {}'
                        .format(a.dtype, b.dtype))
    if out is not None:
        if not isinstance(out, numpy.ndarray):
            raise TypeError('matmul: out must be a numpy.ndarray, got {}'
                            .format(type(out).__name__))
        if not out.flags.writeable:
            raise ValueError('matmul: out is read-only')
    cdef tuple ashape = a.shape, bshape = b.shape
    cdef Py_ssize_t na = len(ashape), nb_ = len(bshape)
    cdef Py_ssize_t m = ashape[na - 2], k = ashape[na - 1], n = bshape[nb_ - 1]
    if bshape[nb_ - 2] != k:
        raise ValueError('matmul: the operands do not align: {} @ {} ({} != {})'
                         .format(ashape, bshape, k, bshape[nb_ - 2]))
    batch = tuple(numpy.broadcast_shapes(ashape[:na - 2], bshape[:nb_ - 2]))
    shape = batch + (m, n)
    if out is not None and (out.shape != shape or out.dtype != a.dtype):
        raise ValueError('matmul: out has shape {} and dtype {}; expected {} and {}'
                         .format(out.shape, out.dtype, shape, a.dtype))
    if not _dims_ok(m, n, k):
        return numpy.matmul(a, b) if out is None else numpy.matmul(a, b, out=out)
    if out is not None and (type(out) is not numpy.ndarray or
                            numpy.may_share_memory(out, a) or numpy.may_share_memory(out, b)):
        # BLAS would read what it has already written (aliasing), or out is a
        # subclass: compute apart, then copy in.
        numpy.copyto(out, matmul(a, b))
        return out
    cdef cnp.ndarray C = numpy.empty(shape, a.dtype) if out is None else out
    cdef cnp.ndarray C3 = C.reshape((-1, m, n)) if C.size else C
    if C.size == 0:
        return C
    if k == 0:
        C.fill(0)
        return C
    row_major = (C3.flags.c_contiguous
                 or (cnp.PyArray_STRIDES(C3)[2] == C.itemsize
                     and cnp.PyArray_STRIDES(C3)[1] == n * C.itemsize))
    if not row_major or (out is not None and not numpy.may_share_memory(C3, out)):
        # out's matrices are not row-major (or not a view): compute, then copy in
        result = matmul(a, b)
        numpy.copyto(out, result)
        return out
    cdef cnp.ndarray A3 = _stack(a, batch, m, k)
    cdef cnp.ndarray B3 = _stack(b, batch, k, n)
    _run_stack(A3, B3, C3, <int>m, <int>n, <int>k)
    return C


cdef str _describe(object arr):
    if isinstance(arr, numpy.ndarray):
        return '{} {} of shape {}'.format(type(arr).__name__, arr.dtype, arr.shape)
    return type(arr).__name__


cdef void _run_stack(cnp.ndarray A3, cnp.ndarray B3, cnp.ndarray C3,
                     int m, int n, int k) except *:
    cdef Py_ssize_t nb = cnp.PyArray_DIMS(C3)[0], i
    cdef Py_ssize_t isz = cnp.PyArray_ITEMSIZE(C3)
    cdef cnp.npy_intp* sa = cnp.PyArray_STRIDES(A3)
    cdef cnp.npy_intp* sb = cnp.PyArray_STRIDES(B3)
    cdef Py_ssize_t sc = cnp.PyArray_STRIDES(C3)[0]
    cdef Operand P = _strided_operand(<char*>cnp.PyArray_DATA(A3), sa[1], sa[2], isz)
    cdef Operand Q = _strided_operand(<char*>cnp.PyArray_DATA(B3), sb[1], sb[2], isz)
    cdef char* a0 = P.ptr
    cdef char* b0 = Q.ptr
    cdef char* c0 = <char*>cnp.PyArray_DATA(C3)
    cdef Py_ssize_t sa0 = sa[0], sb0 = sb[0]
    cdef bint single = cnp.PyArray_TYPE(C3) == cnp.NPY_FLOAT32
    cdef float* fdummy = NULL
    cdef double* ddummy = NULL
    with nogil:
        for i in range(nb):
            P.ptr = a0 + i * sa0
            Q.ptr = b0 + i * sb0
            if single:
                _gemm(fdummy, P, Q, c0 + i * sc, m, n, k, <float>0)
            else:
                _gemm(ddummy, P, Q, c0 + i * sc, m, n, k, <double>0)
