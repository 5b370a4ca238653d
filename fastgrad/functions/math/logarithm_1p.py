"""log1p(x) = log(1 + x), accurate for small x."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class Log1p(FunctionNode):
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type('Log1p', "x.dtype.kind == 'f'",
                                     'x.dtype = {}'.format(x.dtype))
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).log1p(x)),

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        return utils.force_array(grad_outputs[0] / (x + 1)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] / (x + 1),


def log1p(x):
    """Elementwise ``log(1 + x)``."""
    y, = Log1p().apply((x,))
    return y
