"""logsumexp(x, axis) = log(sum(exp(x), axis)), computed stably."""
import numpy

from fastgrad import utils
from fastgrad.functions._util import axis as axis_util
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class LogSumExp(Op):
    __slots__ = ('axis',)
    checks = Checks('x', "x.dtype.kind == 'f'")

    def __init__(self, axis=None):
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        self.axis = axis_util.reduction_axes(self.label, self.axis, x.ndim)
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

    def gradient(self, ns, indexes, grad_outputs):
        # d/dx = softmax over the reduced axes = exp(x - y)
        x, = ns.inputs(self)
        y, = ns.outputs(self)
        shape = axis_util.keepdims_shape(x.shape, self.axis)
        p = ns.exp(x - ns.broadcast_to(ns.reshape(y, shape), x.shape))
        return ns.broadcast_to(ns.reshape(grad_outputs[0], shape), x.shape) * p,


def logsumexp(x, axis=None):
    """``log(sum(exp(x)))`` over ``axis`` (None: all; an int or a tuple of ints).

    It is computed stably (the maximum is subtracted first), so large inputs
    do not overflow.

    >>> x = np.log(np.array([[1., 2., 5.], [1., 1., 2.]], np.float32))
    >>> np.round(F.logsumexp(x, axis=1).array, 4)  # log(8), log(4)
    array([2.0794, 1.3863], dtype=float32)
    >>> np.round(F.logsumexp(np.array([[1000., 1000.]], np.float32), axis=1).array, 2)
    array([1000.69], dtype=float32)
    """
    y, = LogSumExp(axis).apply((x,))
    return y
