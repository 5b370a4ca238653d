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
    """``log(sum(exp(x)))`` over ``axis`` (None: all; an int or a tuple of ints)."""
    y, = LogSumExp(axis).apply((x,))
    return y
