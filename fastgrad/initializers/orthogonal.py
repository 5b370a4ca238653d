"""Orthogonal initializer (Saxe et al., https://arxiv.org/abs/1312.6120)."""
import numpy

from fastgrad import backend
from fastgrad.initializers.initializer import Initializer, _parse_rng

# mode -> (requires an embedding: in_dim <= out_dim,
#          requires a projection: in_dim >= out_dim)
_orthogonal_constraints = {
    'auto': (False, False),
    'projection': (False, True),
    'embedding': (True, False),
    'basis': (True, True),
}


class Orthogonal(Initializer):
    """Initializes the array with a (semi-)orthogonal matrix times ``scale``.

    The array is viewed as a matrix of shape
    ``(out_dim, in_dim) = (shape[0], prod(shape[1:]))``.  A standard Gaussian
    matrix of that shape is drawn from the global ``numpy.random`` (or
    ``rng``), QR-decomposed (after transposing it when ``in_dim > out_dim``)
    with the signs fixed so that ``diag(R) >= 0``, and ``Q`` (transposed
    back) times ``scale`` is assigned.  The rows are orthonormal when
    ``out_dim <= in_dim`` and the columns when ``out_dim >= in_dim``.

    A 0-dim array is set to ``+scale`` or ``-scale`` at random.

    Args:
        scale (float): Multiplier of the orthogonal matrix.
        dtype: Data type specifier.
        mode (str): Assertion on the shape: ``'auto'`` (any shape),
            ``'projection'`` (``out_dim <= in_dim``), ``'embedding'``
            (``out_dim >= in_dim``) or ``'basis'`` (square).
        rng (xp.random.RandomState): Pseudo-random number generator
            (keyword only).

    >>> np.random.seed(0)
    >>> a = np.empty((2, 3), dtype=np.float32)
    >>> fastgrad.initializers.Orthogonal(scale=1.0)(a)
    >>> np.allclose(a @ a.T, np.eye(2), atol=1e-6)
    True
    """

    _repr_attrs = ('scale', 'mode')

    def __init__(self, scale=1.1, dtype=None, mode='auto', **kwargs):
        self.scale = scale
        self.mode = mode
        self.rng = _parse_rng('Orthogonal', kwargs)
        try:
            self._checks = _orthogonal_constraints[mode]
        except (KeyError, TypeError):
            raise ValueError(
                'Orthogonal: invalid mode {!r}; choose from {}.'.format(
                    mode, ', '.join(repr(m) for m in _orthogonal_constraints)))
        super(Orthogonal, self).__init__(dtype)

    def __call__(self, array):
        self._check_dtype(array)
        if not array.shape:  # 0-dim: a random sign
            if self.rng is None:
                a = numpy.random.randint(2)
            else:
                a = self.rng.randint(2)
            array[...] = self.scale * (2 * int(a) - 1)
            return
        if not array.size:
            raise ValueError(
                'Orthogonal: the array to be initialized must be non-empty; '
                'got shape {}'.format(array.shape))

        out_dim = array.shape[0]
        in_dim = 1
        for dim in array.shape[1:]:
            in_dim *= int(dim)
        assert_embedding, assert_projection = self._checks
        if (in_dim > out_dim and assert_embedding) or (
                in_dim < out_dim and assert_projection):
            raise ValueError(
                'Orthogonal: cannot make an orthogonal {}; shape = {}, '
                'interpreted as {}-dim input and {}-dim output.'.format(
                    self.mode, array.shape, in_dim, out_dim))

        transpose = in_dim > out_dim
        if self.rng is None:
            a = numpy.random.normal(size=(out_dim, in_dim))
        else:
            a = backend.CpuDevice().send_array(
                self.rng.normal(size=(out_dim, in_dim)))
        if transpose:
            a = a.T
        # Q of the (tall or square) matrix; fix the signs so diag(R) >= 0,
        # which makes the decomposition unique.
        q, r = numpy.linalg.qr(a)
        q *= numpy.copysign(self.scale, numpy.diag(r))
        if transpose:
            q = q.T
        backend.copyto(array, q.reshape(array.shape).astype(array.dtype, copy=False))
