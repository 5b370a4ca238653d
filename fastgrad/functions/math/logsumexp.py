"""logsumexp(x, axis) = log(sum(exp(x), axis)), computed stably."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.math.average import _normalize_axis, _reduced_shape


class LogSumExp(FunctionNode):
    def __init__(self, axis=None):
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type('LogSumExp', "x.dtype.kind == 'f'",
                                     'x.dtype = {}'.format(x.dtype))
        self.axis = _normalize_axis(self.axis, x.ndim, 'LogSumExp')
        xp = utils.array_module(x)
        # float16 is summed in float32; the result keeps x's dtype.
        xc = x.astype(numpy.float32) if x.dtype == numpy.float16 else x
        m = xc.max(axis=self.axis, keepdims=True)
        # A slice of all -inf (or an inf) would give inf - inf = nan: shift by 0 there.
        m = xp.where(xp.isfinite(m), m, 0)
        s = xp.exp(xc - m).sum(axis=self.axis)
        y = xp.log(s) + m.reshape(s.shape)
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return utils.force_array(y, x.dtype),

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        shape = _reduced_shape(x.shape, self.axis)
        y = self.output_data[0].reshape(shape)
        gy = grad_outputs[0].reshape(shape)
        xp = utils.array_module(x)
        # d/dx = softmax over the reduced axes = exp(x - y)
        return utils.force_array(gy * xp.exp(x - y)),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.broadcast import broadcast_to
        from fastgrad.functions.array.reshape import reshape
        from fastgrad.functions.math.exponential import exp
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        shape = _reduced_shape(x.shape, self.axis)
        p = exp(x - broadcast_to(reshape(y, shape), x.shape))
        return broadcast_to(reshape(grad_outputs[0], shape), x.shape) * p,


def logsumexp(x, axis=None):
    """``log(sum(exp(x)))`` over ``axis`` (None: all; an int or a tuple of ints)."""
    y, = LogSumExp(axis).apply((x,))
    return y
