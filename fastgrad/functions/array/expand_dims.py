"""expand_dims: insert an axis of length 1."""
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.array import _axis


class ExpandDims(FunctionNode):
    def __init__(self, axis):
        self.axis = _axis.require_int('expand_dims', 'axis', axis)

    def forward(self, inputs):
        x, = inputs
        axis = _axis.normalize('ExpandDims', self.axis, x.ndim, extra=1)
        return x.reshape(x.shape[:axis] + (1,) + x.shape[axis:]),

    def backward_arrays(self, indexes, grad_outputs):
        return grad_outputs[0].reshape(self.inputs[0].shape),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.reshape import reshape
        return reshape(grad_outputs[0], self.inputs[0].shape),


def expand_dims(x, axis):
    """Insert a length-1 axis at ``axis`` (``-x.ndim - 1 <= axis <= x.ndim``)."""
    y, = ExpandDims(axis).apply((x,))
    return y
