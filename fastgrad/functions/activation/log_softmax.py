"""log_softmax(x, axis) = x - log(sum(exp(x), axis))."""
from fastgrad import utils
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.activation.softmax import AXIS_CHECKS, _check_axis_type


class LogSoftmax(Op):
    __slots__ = ('axis',)
    checks = AXIS_CHECKS

    def __init__(self, axis=1):
        self.axis = _check_axis_type('log_softmax', axis)

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        z = x.astype(utils.compute_dtype(x.dtype))    # a copy: updated in place
        z -= z.max(axis=self.axis, keepdims=True)
        z -= xp.log(xp.exp(z).sum(axis=self.axis, keepdims=True))
        self.retain_outputs((0,))
        return utils.force_array(z, x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        # gx = gy - softmax(x) * sum(gy), and softmax(x) = exp(y)
        y, = ns.outputs(self)
        gy = grad_outputs[0]
        return gy - ns.exp(y) * ns.sum(gy, axis=self.axis, keepdims=True),


def log_softmax(x, axis=1):
    """``log(softmax(x, axis))``, computed stably (no log of a tiny softmax).

    >>> x = np.array([[0., 1., 2.]], dtype=np.float32)
    >>> F.log_softmax(x).array
    array([[-2.4076061, -1.407606 , -0.407606 ]], dtype=float32)
    """
    y, = LogSoftmax(axis).apply((x,))
    return y
