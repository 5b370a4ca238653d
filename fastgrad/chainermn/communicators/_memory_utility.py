"""Turning an array into something mpi4py's buffer calls accept."""
import ctypes

import numpy


def array_to_buffer_object(array, mpi_dtype=None):
    """A contiguous NumPy array as is; a CuPy array as ``(raw device
    memory, MPI datatype)`` (float by default) for a CUDA-aware MPI."""
    if isinstance(array, numpy.ndarray):
        return numpy.ascontiguousarray(array)
    import cupy
    from mpi4py import MPI
    array = cupy.ascontiguousarray(array)
    raw = ctypes.cast(array.data.ptr, ctypes.POINTER(ctypes.c_ubyte * array.nbytes)).contents
    return raw, MPI.FLOAT if mpi_dtype is None else mpi_dtype
