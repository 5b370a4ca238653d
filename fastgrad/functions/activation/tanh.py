"""tanh(x), the hyperbolic tangent."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class Tanh(FunctionNode):
    _graph_closed = True    # arrays and scalars only: off the cycle collector
    __slots__ = ()
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type('Tanh', "x.dtype.kind == 'f'",
                                     'x.dtype = {}'.format(x.dtype))
        y = utils.force_array(utils.array_module(x).tanh(x))
        self.retain_outputs((0,))
        return y,

    def backward_arrays(self, indexes, grad_outputs):
        y = self.output_data[0]
        return utils.force_array(grad_outputs[0] * (1 - y * y)),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (1 - y * y),


def tanh(x):
    """Elementwise hyperbolic tangent; the gradient is ``1 - tanh(x) ** 2``."""
    y, = Tanh().apply((x,))
    return y
