"""stack: join arrays along a new axis."""
from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Stack(Op):
    __slots__ = ('axis',)
    checks = Checks('*xs', 'len(xs) > 0', '-xs[0].ndim - 1 <= self.axis <= xs[0].ndim',
                    '[x.dtype for x in xs] == [xs[0].dtype] * len(xs)',
                    '[x.shape for x in xs] == [xs[0].shape] * len(xs)')

    def __init__(self, axis=0):
        self.axis = _axis.require_int('stack', 'axis', axis)

    def forward(self, inputs):
        x0 = inputs[0]
        self.axis = _axis.normalize('Stack', self.axis, x0.ndim, extra=1)
        return utils.array_module(x0).stack(inputs, axis=self.axis),

    def gradient(self, ns, indexes, grad_outputs):
        # the adjoint of stack is separate
        gxs = ns.separate(grad_outputs[0], self.axis)
        return tuple(gxs[i] for i in indexes)


def stack(xs, axis=0):
    """Join the equally shaped arrays of ``xs`` along a new axis ``axis``
    (``-ndim - 1 <= axis <= ndim``).

    >>> a = np.array([1., 2.], dtype=np.float32)
    >>> F.stack((a, a + 2)).array
    array([[1., 2.],
           [3., 4.]], dtype=float32)
    """
    y, = Stack(axis).apply(tuple(xs))
    return y
