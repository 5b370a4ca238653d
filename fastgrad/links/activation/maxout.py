"""L.Maxout: a Linear layer followed by a max over groups of its outputs."""
import numpy

from fastgrad import backend, link
from fastgrad.functions.activation.maxout import maxout
from fastgrad.links.connection.linear import Linear


class _Reshaped(object):
    """Applies an initializer to the array viewed as ``shape``: the user's
    initializer sees the maxout layout (e.g. ``(out, pool, in)``), Linear
    stores it flattened."""

    def __init__(self, initializer, shape):
        self.initializer = initializer
        self.shape = shape
        self.dtype = getattr(initializer, 'dtype', None)

    def __call__(self, array):
        # A reshape of the freshly allocated (contiguous) array is a view.
        self.initializer(array.reshape(self.shape))


class Maxout(link.Chain):
    """``Maxout(in_size, out_size, pool_size, initialW=None, initial_bias=0)``

    ``y[:, i] = max_j (W x + b)[:, i * pool_size + j]``, held as a child
    Linear ``linear`` of shape ``(out_size * pool_size, in_size)``.  An array
    ``initialW`` has shape ``(out_size, pool_size, in_size)`` and an array
    ``initial_bias`` ``(out_size, pool_size)``; ``initial_bias=None`` means
    no bias.

    >>> l = L.Maxout(3, 2, pool_size=4)
    >>> l.linear.W.shape
    (8, 3)
    >>> l(np.ones((5, 3), dtype=np.float32)).shape
    (5, 2)
    """

    def __init__(self, in_size, out_size, pool_size, initialW=None,
                 initial_bias=0):
        super().__init__()
        linear_out_size = out_size * pool_size
        if initialW is None or numpy.isscalar(initialW):
            pass
        elif backend.is_array(initialW):
            if initialW.ndim != 3:
                raise ValueError('initialW.ndim should be 3')
            initialW = initialW.reshape(linear_out_size, in_size)
        elif callable(initialW):
            initialW = _Reshaped(initialW, (out_size, pool_size, in_size))

        if initial_bias is None or numpy.isscalar(initial_bias):
            pass
        elif backend.is_array(initial_bias):
            if initial_bias.ndim != 2:
                raise ValueError('initial_bias.ndim should be 2')
            initial_bias = initial_bias.reshape(linear_out_size)
        elif callable(initial_bias):
            initial_bias = _Reshaped(initial_bias, (out_size, pool_size))

        with self.init_scope():
            self.linear = Linear(
                in_size, linear_out_size, nobias=initial_bias is None,
                initialW=initialW, initial_bias=initial_bias)
        self.out_size = out_size
        self.pool_size = pool_size

    def forward(self, x):
        return maxout(self.linear(x), self.pool_size)
