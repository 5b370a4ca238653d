"""L.Bilinear: y = e1 W e2 + e1 V1 + e2 V2 + b."""
from fastgrad import initializers, link, variable
from fastgrad.functions.connection.bilinear import bilinear


class InitialShapeError(ValueError, AssertionError):
    """Raised when an initial array given to L.Bilinear has the wrong shape.

    A ValueError that is also an AssertionError, the type Chainer raises
    for it.
    """


def _check_shape(name, init, shape):
    if hasattr(init, 'shape') and hasattr(init, 'dtype') \
            and tuple(init.shape) != shape:
        raise InitialShapeError('Bilinear: {}.shape must be {}, got {}'.format(
            name, shape, tuple(init.shape)))


class Bilinear(link.Link):
    """``Bilinear(left_size, right_size, out_size, nobias=False,
    initialW=None, initial_bias=None)``

    Parameters ``W`` (left, right, out) and, unless ``nobias``, ``V1``
    (left, out), ``V2`` (right, out) and ``b`` (out,).  ``initial_bias`` is
    ``None`` (V1, V2: LeCunNormal; b: zeros) or a tuple
    ``(initialV1, initialV2, initialb)``.

    >>> l = L.Bilinear(3, 4, 2)
    >>> l.W.shape
    (3, 4, 2)
    >>> l(np.ones((5, 3), dtype=np.float32), np.ones((5, 4), dtype=np.float32)).shape
    (5, 2)
    """

    def __init__(self, left_size, right_size, out_size, nobias=False,
                 initialW=None, initial_bias=None):
        super().__init__()
        self.in_sizes = (left_size, right_size)
        self.nobias = nobias
        with self.init_scope():
            shape = (left_size, right_size, out_size)
            _check_shape('initialW', initialW, shape)
            self.W = variable.Parameter(
                initializers._get_initializer(initialW), shape)
            if not nobias:
                V1_shape = (left_size, out_size)
                V2_shape = (right_size, out_size)
                b_shape = (out_size,)
                if isinstance(initial_bias, tuple):
                    if len(initial_bias) != 3:
                        raise ValueError(
                            'Bilinear: initial_bias must be a tuple of 3 '
                            '(initialV1, initialV2, initialb), got {} items'
                            .format(len(initial_bias)))
                    initialV1, initialV2, initialb = initial_bias
                    _check_shape('initialV1', initialV1, V1_shape)
                    _check_shape('initialV2', initialV2, V2_shape)
                    _check_shape('initialb', initialb, b_shape)
                elif initial_bias is None:
                    initialV1 = initialV2 = None
                    initialb = 0
                else:
                    raise ValueError('initial_bias must be tuple or None')
                self.V1 = variable.Parameter(
                    initializers._get_initializer(initialV1), V1_shape)
                self.V2 = variable.Parameter(
                    initializers._get_initializer(initialV2), V2_shape)
                self.b = variable.Parameter(
                    initializers._get_initializer(initialb), b_shape)

    def forward(self, e1, e2):
        if self.nobias:
            return bilinear(e1, e2, self.W)
        return bilinear(e1, e2, self.W, self.V1, self.V2, self.b)

    def zero_grads(self):
        # Chainer keeps this alias for backward compatibility.
        self.zerograds()
