"""L.Bias: adds a (learned or given) bias, broadcast from ``axis`` on."""
from fastgrad import link, utils, variable
from fastgrad.functions.array.broadcast import broadcast_to
from fastgrad.functions.array.reshape import reshape


def _broadcast_along(func_name, x, y, axis):
    """``y`` reshaped and broadcast to ``x.shape``, its axes aligned with
    ``x``'s axes ``axis .. axis + y.ndim - 1`` (Chainer's F.bias/F.scale)."""
    x_shape = x.shape
    y_shape = y.shape
    ndim = len(x_shape)
    if not (0 <= axis and axis + len(y_shape) <= ndim
            and tuple(x_shape[axis:axis + len(y_shape)]) == tuple(y_shape)):
        raise utils.invalid_type(
            func_name,
            'x.shape[axis:axis + y.ndim] == y.shape (axis={})'.format(axis),
            'x.shape = {}, y.shape = {}'.format(x_shape, y_shape))
    y1 = reshape(y, (1,) * axis + tuple(y_shape)
                 + (1,) * (ndim - axis - len(y_shape)))
    return broadcast_to(y1, x_shape)


class InputCountError(TypeError, AssertionError):
    """Raised when L.Bias or L.Scale is called with the wrong number of inputs.

    A TypeError (a wrong call) that is also an AssertionError, the type
    Chainer's type check raises for it.
    """


class Bias(link.Link):
    """``Bias(axis=1, shape=None)``

    With ``shape``, holds a zero-initialized parameter ``b`` of that shape and
    is called as ``bias(x)``; without, it is called as ``bias(x, y)``.  The
    bias is added along ``x``'s axes ``axis .. axis + b.ndim - 1``.

    >>> l = L.Bias(shape=(3,))
    >>> l(np.ones((2, 3), dtype=np.float32)).array
    array([[1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
    """

    def __init__(self, axis=1, shape=None):
        super().__init__()
        if shape is not None:
            with self.init_scope():
                self.b = variable.Parameter(0, shape)
        self.axis = axis

    def forward(self, *xs):
        if hasattr(self, 'b'):
            if len(xs) != 1:
                raise InputCountError('Bias with a parameter b takes one input, '
                                'got {}'.format(len(xs)))
            x, = xs
            y = self.b
        else:
            if len(xs) != 2:
                raise InputCountError('Bias without a parameter takes two inputs '
                                '(x, y), got {}'.format(len(xs)))
            x, y = xs
        return x + _broadcast_along('Bias', x, y, self.axis)
