"""swapaxes: exchange two axes (a view)."""
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Swapaxes(Op):
    __slots__ = ('axis1', 'axis2')
    checks = Checks('x', '-x.ndim <= self.axis1 < x.ndim', '-x.ndim <= self.axis2 < x.ndim')

    def __init__(self, axis1, axis2):
        self.axis1 = _axis.require_int('swapaxes', 'axis1', axis1)
        self.axis2 = _axis.require_int('swapaxes', 'axis2', axis2)

    def forward(self, inputs):
        x, = inputs
        self.axis1 = _axis.normalize('Swapaxes', self.axis1, x.ndim, 'axis1')
        self.axis2 = _axis.normalize('Swapaxes', self.axis2, x.ndim, 'axis2')
        return x.swapaxes(self.axis1, self.axis2),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.swapaxes(grad_outputs[0], self.axis1, self.axis2),


def swapaxes(x, axis1, axis2):
    """Swap ``axis1`` and ``axis2`` of ``x`` (negative axes count from the end).

    >>> x = np.zeros((2, 3, 4), dtype=np.float32)
    >>> F.swapaxes(x, 0, 2).shape
    (4, 3, 2)
    """
    y, = Swapaxes(axis1, axis2).apply((x,))
    return y
