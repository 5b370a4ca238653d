"""sqrt(x)."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class Sqrt(FunctionNode):
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type('Sqrt', "x.dtype.kind == 'f'",
                                     'x.dtype = {}'.format(x.dtype))
        self.retain_outputs((0,))
        return utils.force_array(utils.array_module(x).sqrt(x)),

    def backward_arrays(self, indexes, grad_outputs):
        y = self.output_data[0]
        return utils.force_array(grad_outputs[0] / (y * 2)),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] / (y * 2),


def sqrt(x):
    """Elementwise square root."""
    y, = Sqrt().apply((x,))
    return y
