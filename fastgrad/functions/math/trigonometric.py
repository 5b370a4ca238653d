"""sin and cos (together: each one's derivative is the other)."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode


def _check(name, x):
    if x.dtype.kind != 'f':
        raise utils.invalid_type(name, "x.dtype.kind == 'f'", 'x.dtype = {}'.format(x.dtype))


class Sin(FunctionNode):
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        _check('Sin', x)
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).sin(x)),

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        return utils.force_array(grad_outputs[0] * utils.array_module(x).cos(x)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * cos(x),


class Cos(FunctionNode):
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        _check('Cos', x)
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).cos(x)),

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        return utils.force_array(grad_outputs[0] * -utils.array_module(x).sin(x)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * -sin(x),


def sin(x):
    """Elementwise sine."""
    y, = Sin().apply((x,))
    return y


def cos(x):
    """Elementwise cosine."""
    y, = Cos().apply((x,))
    return y
