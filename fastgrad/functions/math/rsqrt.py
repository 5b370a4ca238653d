"""rsqrt(x) = 1 / sqrt(x)."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class Rsqrt(FunctionNode):
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type('Rsqrt', "x.dtype.kind == 'f'",
                                     'x.dtype = {}'.format(x.dtype))
        y = utils.array_module(x).sqrt(x)
        self.retain_outputs((0,))
        return utils.force_array(1 / y, x.dtype),

    def backward_arrays(self, indexes, grad_outputs):
        # dy/dx = -x^(-3/2) / 2 = -y^3 / 2
        y = self.output_data[0]
        return utils.force_array(grad_outputs[0] * (y * y * y) * -0.5),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (y * y * y) * -0.5,


def rsqrt(x):
    """Elementwise reciprocal square root, ``1 / sqrt(x)``."""
    y, = Rsqrt().apply((x,))
    return y
