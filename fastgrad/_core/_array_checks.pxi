# The argument check shared by the compiled loops (norm.pyx, ctc.pyx): before
# any pointer is formed, an array must be exactly what the C code will walk.

cdef void _check(str func, str name, object a, object dtype, tuple shape) except *:
    """``a`` a C-contiguous numpy.ndarray of ``dtype`` and ``shape``."""
    if type(a) is not numpy.ndarray:
        raise TypeError('{}: {} must be a numpy.ndarray, got {}'
                        .format(func, name, type(a).__name__))
    if a.dtype != dtype:
        raise TypeError('{}: {} must be {}, got {}'.format(func, name, dtype, a.dtype))
    if a.shape != shape:
        raise ValueError('{}: {} must have shape {}, got {}'.format(func, name, shape, a.shape))
    if not a.flags.c_contiguous:
        raise ValueError('{}: {} must be C-contiguous'.format(func, name))
