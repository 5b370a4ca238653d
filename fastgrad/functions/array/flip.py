"""flip: reverse the order of elements along an axis (a view)."""
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.array import _axis


class Flip(FunctionNode):
    def __init__(self, axis):
        self.axis = _axis.require_int('flip', 'axis', axis)

    def forward(self, inputs):
        x, = inputs
        self.axis = _axis.normalize('Flip', self.axis, x.ndim)
        return x[_axis.along(self.axis, slice(None, None, -1))],

    def backward_arrays(self, indexes, grad_outputs):
        return grad_outputs[0][_axis.along(self.axis, slice(None, None, -1))],

    def backward(self, indexes, grad_outputs):
        return flip(grad_outputs[0], self.axis),


def flip(x, axis):
    """Reverse ``x`` along ``axis``."""
    y, = Flip(axis).apply((x,))
    return y
