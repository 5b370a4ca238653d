"""log2 and log10 (Chainer keeps them next to log; exponential.py is not ours)."""
import math

from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class _LogBase(FunctionNode):
    """log_b(x); subclasses set the ufunc name and ln(b)."""
    is_elementwise = True
    _ufunc = None
    _ln_base = None

    def forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type(type(self).__name__, "x.dtype.kind == 'f'",
                                     'x.dtype = {}'.format(x.dtype))
        self.retain_inputs((0,))
        return utils.force_array(getattr(utils.array_module(x), self._ufunc)(x)),

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        return utils.force_array(grad_outputs[0] / (x * self._ln_base)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] / (x * self._ln_base),


class Log2(_LogBase):
    _ufunc = 'log2'
    _ln_base = math.log(2.0)


class Log10(_LogBase):
    _ufunc = 'log10'
    _ln_base = math.log(10.0)


def log2(x):
    """Elementwise base-2 logarithm."""
    y, = Log2().apply((x,))
    return y


def log10(x):
    """Elementwise base-10 logarithm."""
    y, = Log10().apply((x,))
    return y
