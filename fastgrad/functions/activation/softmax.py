"""softmax(x, axis) = exp(x) / sum(exp(x), axis)."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

# softmax and log_softmax
AXIS_CHECKS = Checks('x', "x.dtype.kind == 'f'", '-x.ndim <= self.axis < x.ndim')




def _check_axis_type(name, axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, numpy.integer)):
        raise TypeError('{}: axis must be an int, got {!r}'.format(name, axis))
    return int(axis)


class Softmax(Op):
    __slots__ = ('axis',)
    checks = AXIS_CHECKS

    def __init__(self, axis=1):
        self.axis = _check_axis_type('softmax', axis)

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        z = x.astype(utils.compute_dtype(x.dtype))    # a copy: exp works in place
        z -= z.max(axis=self.axis, keepdims=True)
        xp.exp(z, out=z)
        z /= z.sum(axis=self.axis, keepdims=True)
        self.retain_outputs((0,))
        return utils.force_array(z, x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        # gx = y * (gy - sum(y * gy))
        y, = ns.outputs(self)
        gx = y * grad_outputs[0]
        return gx - y * ns.sum(gx, axis=self.axis, keepdims=True),


def softmax(x, axis=1):
    """Softmax over ``axis`` (numerically stable; float16 computed in float32).

    >>> x = np.array([[0., 1., 2.]], dtype=np.float32)
    >>> F.softmax(x).array
    array([[0.09003057, 0.24472846, 0.66524094]], dtype=float32)
    """
    y, = Softmax(axis).apply((x,))
    return y
