"""separate: the slices of an array along an axis, as separate Variables."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.array import _axis


class Separate(FunctionNode):
    def __init__(self, axis=0):
        self.axis = _axis.require_int('separate', 'axis', axis)

    def forward(self, inputs):
        x, = inputs
        axis = self.axis = _axis.normalize('Separate', self.axis, x.ndim)
        return tuple(x[_axis.along(axis, i)] for i in range(x.shape[axis]))

    def backward_arrays(self, indexes, grad_outputs):
        node = self.inputs[0]
        g0 = next(g for g in grad_outputs if g is not None)
        gx = utils.array_module(g0).empty(node.shape, node.dtype)
        axis = self.axis
        for i, g in enumerate(grad_outputs):
            gx[_axis.along(axis, i)] = 0 if g is None else g
        return gx,

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.stack import stack
        node = self.inputs[0]
        g0 = next(g for g in grad_outputs if g is not None)
        xp = utils.array_module(g0.array)
        shape = node.shape[:self.axis] + node.shape[self.axis + 1:]
        parts = [xp.zeros(shape, node.dtype) if g is None else g for g in grad_outputs]
        return stack(parts, self.axis),


def separate(x, axis=0):
    """Split ``x`` along ``axis`` into ``x.shape[axis]`` Variables, each with
    that axis removed (the inverse of :func:`stack`)."""
    return Separate(axis).apply((x,))
