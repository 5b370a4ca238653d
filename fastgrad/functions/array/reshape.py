"""reshape (a view when NumPy can make one)."""
from fastgrad import utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util.recipe import Op


def _resolve(shape, size):
    shape = tuple(shape)
    if -1 in shape:
        known = 1
        for n in shape:
            if n != -1:
                known *= n
        if shape.count(-1) > 1 or known == 0 or size % known:
            return None
        shape = tuple(size // known if n == -1 else n for n in shape)
    return shape if utils.size_of_shape(shape) == size else None


class Reshape(Op):
    __slots__ = ('shape',)

    def __init__(self, shape):
        self.shape = shape

    def forward(self, inputs):
        x, = inputs
        if _resolve(self.shape, x.size) is None:
            raise utils.invalid_type('Reshape', 'x.size compatible with shape {}'.format(
                self.shape), 'x.shape = {} (size {})'.format(x.shape, x.size))
        return x.reshape(self.shape),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.reshape(grad_outputs[0], self.inputs[0].shape),


def reshape(x, shape):
    """Reshape ``x``; returns ``x`` itself when the shape already matches.

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.reshape(x, (3, 2)).array
    array([[0., 1.],
           [2., 3.],
           [4., 5.]], dtype=float32)
    """
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(shape)
    if x.shape == shape:
        return x if isinstance(x, Variable) else Variable(x, requires_grad=False)
    y, = Reshape(shape).apply((x,))
    return y
