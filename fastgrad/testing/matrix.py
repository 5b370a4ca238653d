"""``generate_matrix``: random matrices with given singular values."""
import numpy


def generate_matrix(shape, dtype=float, **kwargs):
    """A random array of ``shape`` (..., M, N) whose matrices have the
    singular values ``singular_values`` (broadcast to (..., min(M, N))).

    >>> from fastgrad import testing
    >>> a = testing.generate_matrix((3, 2), np.float32, singular_values=[3., 1.])
    >>> a.shape, a.dtype
    ((3, 2), dtype('float32'))
    >>> np.round(np.linalg.svd(a, compute_uv=False), 4)
    array([3., 1.], dtype=float32)
    """
    singular_values = kwargs.pop('singular_values', None)
    if kwargs:
        raise TypeError('generate_matrix: unexpected arguments {}'.format(sorted(kwargs)))
    if len(shape) <= 1:
        raise ValueError('shape {} is invalid for matrices: too few axes'.format(shape))
    dtype = numpy.dtype(dtype)
    if dtype.kind not in 'fc':
        raise TypeError('dtype {} is not supported'.format(dtype))
    if singular_values is None:
        raise TypeError('singular_values is not given')
    singular_values = numpy.asarray(singular_values)
    if not numpy.isrealobj(singular_values):
        raise TypeError('singular_values is not real')
    if (singular_values < 0).any():
        raise ValueError('negative singular value is given')
    k_shape = tuple(shape[:-2]) + (min(shape[-2:]),)
    if 0 in shape:
        numpy.broadcast_to(singular_values, k_shape)
        return numpy.empty(shape, dtype=dtype)
    a = numpy.random.randn(*shape)
    if dtype.kind == 'c':
        a = a + 1j * numpy.random.randn(*shape)
    u, _, vh = numpy.linalg.svd(a, full_matrices=False)
    s = numpy.broadcast_to(singular_values, k_shape)
    return ((u * s[..., None, :]) @ vh).astype(dtype)
