"""maximum(x1, x2), elementwise, with NumPy broadcasting."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class Maximum(FunctionNode):
    is_elementwise = True
    _ufunc = 'maximum'

    def _first_wins(self, x1, x2):
        """Where x1 is selected: ties go to x1 (as in Chainer)."""
        return x1 >= x2

    def forward(self, inputs):
        x1, x2 = inputs
        name = type(self).__name__
        if x1.dtype.kind != 'f':
            raise utils.invalid_type(name, "x1.dtype.kind == 'f'",
                                     'x1.dtype = {}'.format(x1.dtype))
        if x1.dtype != x2.dtype:
            raise utils.invalid_type(name, 'x1.dtype == x2.dtype',
                                     '{} != {}'.format(x1.dtype, x2.dtype))
        try:
            numpy.broadcast_shapes(x1.shape, x2.shape)
        except ValueError:
            raise utils.invalid_type(name, 'x1.shape and x2.shape broadcastable',
                                     '{} and {}'.format(x1.shape, x2.shape)) from None
        xp = utils.array_module(x1)
        self.retain_inputs((0, 1))
        return utils.force_array(getattr(xp, self._ufunc)(x1, x2)),

    def backward_arrays(self, indexes, grad_outputs):
        x1, x2 = self.get_retained_input_arrays()
        gy = grad_outputs[0]
        xp = utils.array_module(gy)
        cond = self._first_wins(x1, x2)
        zero = gy.dtype.type(0)
        out = []
        for i in indexes:
            g = xp.where(cond, gy, zero) if i == 0 else xp.where(cond, zero, gy)
            out.append(utils.sum_to(utils.force_array(g), self.inputs[i].shape))
        return tuple(out)

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.broadcast import sum_to
        x1, x2 = self.get_retained_input_arrays()
        gy = grad_outputs[0]
        first = self._first_wins(x1, x2).astype(gy.dtype)
        out = []
        for i in indexes:
            g = gy * (first if i == 0 else 1 - first)
            out.append(sum_to(g, self.inputs[i].shape))
        return tuple(out)


def maximum(x1, x2):
    """Elementwise maximum of two float arrays of one dtype (broadcast like NumPy).

    Where they are equal the gradient goes to ``x1``.
    """
    y, = Maximum().apply((x1, x2))
    return y
