"""expm1(x) = exp(x) - 1, accurate for small x."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class Expm1(FunctionNode):
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type('Expm1', "x.dtype.kind == 'f'",
                                     'x.dtype = {}'.format(x.dtype))
        self.retain_outputs((0,))
        return utils.force_array(utils.array_module(x).expm1(x)),

    def backward_arrays(self, indexes, grad_outputs):
        y = self.output_data[0]
        return utils.force_array(grad_outputs[0] * (y + 1)),   # exp(x) = y + 1

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (y + 1),


def expm1(x):
    """Elementwise ``exp(x) - 1``."""
    y, = Expm1().apply((x,))
    return y
