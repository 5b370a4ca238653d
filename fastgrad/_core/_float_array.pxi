# The check of a float array argument shared by the compiled loops of norm,
# conv2d and activation (with _array_checks.pxi's _check for the arrays that
# must match it).

cdef void _float_array(str func, str name, object a, int ndim=-1) except *:
    """``a`` a C-contiguous float32 or float64 numpy.ndarray (of ``ndim``
    dimensions unless -1)."""
    if type(a) is not numpy.ndarray:
        raise TypeError('{}: {} must be a numpy.ndarray, got {}'
                        .format(func, name, type(a).__name__))
    if a.dtype.kind != 'f' or a.dtype.itemsize not in (4, 8):
        raise TypeError('{}: {} must be float32 or float64, got {}'.format(func, name, a.dtype))
    if ndim >= 0 and a.ndim != ndim:
        raise ValueError('{}: {} must have {} dimensions, got shape {}'
                         .format(func, name, ndim, a.shape))
    if not a.flags.c_contiguous:
        raise ValueError('{}: {} must be C-contiguous'.format(func, name))
