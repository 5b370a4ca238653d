"""separate: the slices of an array along an axis, as separate Variables."""
from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Separate(Op):
    __slots__ = ('axis',)
    checks = Checks('x', '-x.ndim <= self.axis < x.ndim')

    def __init__(self, axis=0):
        self.axis = _axis.require_int('separate', 'axis', axis)

    def forward(self, inputs):
        x, = inputs
        axis = self.axis = _axis.normalize('Separate', self.axis, x.ndim)
        return tuple(x[_axis.along(axis, i)] for i in range(x.shape[axis]))

    def gradient(self, ns, indexes, grad_outputs):
        # the adjoint of separate is stack; a slice without gradient is zeros
        node = self.inputs[0]
        g0 = next(g for g in grad_outputs if g is not None)
        xp = utils.array_module(ns.data(g0))
        shape = node.shape[:self.axis] + node.shape[self.axis + 1:]
        parts = [xp.zeros(shape, node.dtype) if g is None else g for g in grad_outputs]
        return ns.stack(parts, self.axis),


def separate(x, axis=0):
    """Split ``x`` along ``axis`` into ``x.shape[axis]`` Variables, each with
    that axis removed (the inverse of :func:`stack`).

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> [y.array for y in F.separate(x, axis=0)]
    [array([0., 1., 2.], dtype=float32), array([3., 4., 5.], dtype=float32)]
    """
    return Separate(axis).apply((x,))
