"""log_softmax(x, axis) = x - log(sum(exp(x), axis))."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.activation.softmax import _check, _check_axis_type, _compute_dtype


class LogSoftmax(FunctionNode):
    def __init__(self, axis=1):
        self.axis = _check_axis_type('log_softmax', axis)

    def forward(self, inputs):
        x, = inputs
        _check('LogSoftmax', x, self.axis)
        xp = utils.array_module(x)
        z = x.astype(_compute_dtype(x.dtype))    # a copy: updated in place
        z -= z.max(axis=self.axis, keepdims=True)
        z -= xp.log(xp.exp(z).sum(axis=self.axis, keepdims=True))
        self.retain_outputs((0,))
        return utils.force_array(z, x.dtype),

    def backward_arrays(self, indexes, grad_outputs):
        y = self.output_data[0]
        gy = grad_outputs[0]
        xp = utils.array_module(y)
        # gx = gy - softmax(x) * sum(gy), and softmax(x) = exp(y)
        return utils.force_array(gy - xp.exp(y) * gy.sum(axis=self.axis, keepdims=True)),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.math.exponential import exp
        from fastgrad.functions.math.sum import sum as sum_
        y, = self.get_retained_outputs()
        gy = grad_outputs[0]
        return gy - exp(y) * sum_(gy, axis=self.axis, keepdims=True),


def log_softmax(x, axis=1):
    """``log(softmax(x, axis))``, computed stably (no log of a tiny softmax)."""
    y, = LogSoftmax(axis).apply((x,))
    return y
