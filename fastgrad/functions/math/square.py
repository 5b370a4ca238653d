"""square(x) = x * x."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class Square(FunctionNode):
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type('Square', "x.dtype.kind == 'f'",
                                     'x.dtype = {}'.format(x.dtype))
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).square(x)),

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        return utils.force_array(grad_outputs[0] * x * 2),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * x * 2,


def square(x):
    """Elementwise square."""
    y, = Square().apply((x,))
    return y
