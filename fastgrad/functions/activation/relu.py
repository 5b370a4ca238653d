"""relu(x) = max(x, 0)."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class ReLU(FunctionNode):
    _graph_closed = True    # arrays and scalars only: off the cycle collector
    __slots__ = ()
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        y = utils.array_module(x).maximum(x, utils.scalar(0, x.dtype))
        self.retain_outputs((0,))
        return utils.force_array(y),

    def backward_arrays(self, indexes, grad_outputs):
        y = self.output_data[0]
        return utils.force_array(grad_outputs[0] * (y > 0)),

    def backward(self, indexes, grad_outputs):
        # The mask is a constant: relu's second derivative is 0 almost everywhere.
        y = self.output_data[0]
        return grad_outputs[0] * (y > 0).astype(y.dtype),


def relu(x):
    """Rectified linear unit, ``max(x, 0)``; the gradient at 0 is 0."""
    y, = ReLU().apply((x,))
    return y
