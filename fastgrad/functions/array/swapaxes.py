"""swapaxes: exchange two axes (a view)."""
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.array import _axis


class Swapaxes(FunctionNode):
    def __init__(self, axis1, axis2):
        self.axis1 = _axis.require_int('swapaxes', 'axis1', axis1)
        self.axis2 = _axis.require_int('swapaxes', 'axis2', axis2)

    def forward(self, inputs):
        x, = inputs
        self.axis1 = _axis.normalize('Swapaxes', self.axis1, x.ndim, 'axis1')
        self.axis2 = _axis.normalize('Swapaxes', self.axis2, x.ndim, 'axis2')
        return x.swapaxes(self.axis1, self.axis2),

    def backward_arrays(self, indexes, grad_outputs):
        return grad_outputs[0].swapaxes(self.axis1, self.axis2),

    def backward(self, indexes, grad_outputs):
        return swapaxes(grad_outputs[0], self.axis1, self.axis2),


def swapaxes(x, axis1, axis2):
    """Swap ``axis1`` and ``axis2`` of ``x`` (negative axes count from the end)."""
    y, = Swapaxes(axis1, axis2).apply((x,))
    return y
