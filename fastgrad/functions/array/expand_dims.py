"""expand_dims: insert an axis of length 1."""
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class ExpandDims(Op):
    __slots__ = ('axis',)
    checks = Checks('x', '-x.ndim - 1 <= self.axis <= x.ndim')

    def __init__(self, axis):
        self.axis = _axis.require_int('expand_dims', 'axis', axis)

    def forward(self, inputs):
        x, = inputs
        axis = _axis.normalize('ExpandDims', self.axis, x.ndim, extra=1)
        return x.reshape(x.shape[:axis] + (1,) + x.shape[axis:]),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.reshape(grad_outputs[0], self.inputs[0].shape),


def expand_dims(x, axis):
    """Insert a length-1 axis at ``axis`` (``-x.ndim - 1 <= axis <= x.ndim``).

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.expand_dims(x, 0).shape
    (1, 2, 3)
    """
    y, = ExpandDims(axis).apply((x,))
    return y
