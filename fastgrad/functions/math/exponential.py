"""exp and log."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class Exp(FunctionNode):
    _graph_closed = True    # arrays and scalars only: off the cycle collector
    __slots__ = ()
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        y = utils.force_array(utils.array_module(x).exp(x))
        self.retain_outputs((0,))
        return y,

    def backward_arrays(self, indexes, grad_outputs):
        return grad_outputs[0] * self.output_data[0],

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * y,


class Log(FunctionNode):
    _graph_closed = True    # arrays and scalars only: off the cycle collector
    __slots__ = ()
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).log(x)),

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        return utils.force_array(grad_outputs[0] / x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] / x,


def exp(x):
    """Elementwise exponential."""
    y, = Exp().apply((x,))
    return y


def log(x):
    """Elementwise natural logarithm."""
    y, = Log().apply((x,))
    return y
