"""transpose (a view)."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class Transpose(FunctionNode):
    def __init__(self, axes=None):
        self.axes = None if axes is None else tuple(axes)

    def forward(self, inputs):
        x, = inputs
        if self.axes is not None and sorted(a % max(x.ndim, 1) for a in self.axes) != \
                list(range(x.ndim)):
            raise utils.invalid_type('Transpose', 'axes is a permutation of range({})'.format(
                x.ndim), 'axes = {}'.format(self.axes))
        return x.transpose(self.axes),

    def _inverse_axes(self):
        if self.axes is None:
            return None
        n = len(self.axes)
        return tuple(numpy.argsort([a % n for a in self.axes]).tolist())

    def backward_arrays(self, indexes, grad_outputs):
        return grad_outputs[0].transpose(self._inverse_axes()),

    def backward(self, indexes, grad_outputs):
        return transpose(grad_outputs[0], self._inverse_axes()),


def transpose(x, axes=None):
    """Permute the axes of ``x`` (reverse them when ``axes`` is None)."""
    y, = Transpose(axes).apply((x,))
    return y
