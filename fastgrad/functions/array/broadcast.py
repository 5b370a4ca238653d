"""broadcast_to and its adjoint sum_to."""
from fastgrad import utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _shape_of(x):
    return x.shape


class BroadcastTo(Op):
    __slots__ = ('_shape',)

    def __init__(self, shape):
        self._shape = tuple(shape)

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        try:
            y = xp.broadcast_to(x, self._shape)
        except ValueError:
            raise utils.invalid_type('BroadcastTo', 'x.shape broadcastable to {}'.format(
                self._shape), 'x.shape = {}'.format(x.shape)) from None
        return y,

    def gradient(self, ns, indexes, grad_outputs):
        return ns.sum_to(grad_outputs[0], self.inputs[0].shape),


class SumTo(Op):
    __slots__ = ('_shape',)
    # each target length is 1 (summed over) or the length of x's matching trailing axis
    checks = Checks('x', 'len(self._shape) <= x.ndim',
                    '[(n, m) for n, m in zip(self._shape, x.shape[x.ndim - len(self._shape):]) '
                    'if n != 1 and n != m] == []')

    def __init__(self, shape):
        self._shape = tuple(shape)

    def forward(self, inputs):
        x, = inputs
        return utils.sum_to(x, self._shape),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.broadcast_to(grad_outputs[0], self.inputs[0].shape),


def broadcast_to(x, shape):
    """Broadcast ``x`` to ``shape`` (a view on the forward pass).

    >>> x = np.array([1., 2., 3.], dtype=np.float32)
    >>> F.broadcast_to(x, (2, 3)).array
    array([[1., 2., 3.],
           [1., 2., 3.]], dtype=float32)
    """
    shape = tuple(shape)
    if _shape_of(x) == shape:
        return x if isinstance(x, Variable) else Variable(x, requires_grad=False)
    y, = BroadcastTo(shape).apply((x,))
    return y


def sum_to(x, shape):
    """Sum ``x`` over broadcast axes down to ``shape``.

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.sum_to(x, (1, 3)).array
    array([[3., 5., 7.]], dtype=float32)
    """
    shape = tuple(shape)
    if _shape_of(x) == shape:
        return x if isinstance(x, Variable) else Variable(x, requires_grad=False)
    y, = SumTo(shape).apply((x,))
    return y
