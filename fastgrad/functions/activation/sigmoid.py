"""sigmoid(x) = 1 / (1 + exp(-x)), computed as 0.5 * tanh(0.5 * x) + 0.5."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class Sigmoid(FunctionNode):
    _graph_closed = True    # arrays and scalars only: off the cycle collector
    __slots__ = ()
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type('Sigmoid', "x.dtype.kind == 'f'",
                                     'x.dtype = {}'.format(x.dtype))
        xp = utils.array_module(x)
        # The tanh form never overflows (exp(-x) would for large negative x).
        half = utils.scalar(0.5, x.dtype)
        y = utils.force_array(xp.tanh(x * half))   # an array, so the updates are in place
        y *= half
        y += half
        self.retain_outputs((0,))
        return y,

    def backward_arrays(self, indexes, grad_outputs):
        y = self.output_data[0]
        gy = grad_outputs[0]
        return utils.force_array(gy * y * (1 - y)),

    def backward(self, indexes, grad_outputs):
        # y is the retained output Variable, so the gradient stays differentiable.
        y, = self.get_retained_outputs()
        return grad_outputs[0] * y * (1 - y),


def sigmoid(x):
    """Elementwise logistic sigmoid, ``1 / (1 + exp(-x))`` (numerically stable)."""
    y, = Sigmoid().apply((x,))
    return y
