"""huber_loss: squared error near zero, absolute error beyond delta."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import FunctionNode

_NAME = 'HuberLoss'


class HuberLoss(FunctionNode):
    """l(d) = d^2 / 2 for |d| <= delta, delta (|d| - delta / 2) beyond."""

    def __init__(self, delta, reduce='sum_along_second_axis'):
        self.delta = delta
        self.reduce = reduce

    def forward(self, inputs):
        x, t = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type(_NAME, "x.dtype.kind == 'f'", 'x.dtype = {}'.format(x.dtype))
        if x.dtype != t.dtype:
            raise utils.invalid_type(_NAME, 'x.dtype == t.dtype',
                                     '{} != {}'.format(x.dtype, t.dtype))
        if x.shape != t.shape:
            raise utils.invalid_type(_NAME, 'x.shape == t.shape',
                                     '{} != {}'.format(x.shape, t.shape))
        if self.reduce == 'sum_along_second_axis' and x.ndim < 2:
            raise utils.invalid_type(_NAME, "x.ndim >= 2 (reduce='sum_along_second_axis')",
                                     'x.ndim = {}'.format(x.ndim))
        xp = utils.array_module(x)
        ct = numpy.float32 if x.dtype == numpy.float16 else x.dtype
        d = x.astype(ct) - t.astype(ct)
        a = abs(d)
        delta = self.delta
        y = xp.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))
        self.retain_inputs((0, 1))
        if self.reduce == 'sum_along_second_axis':
            y = y.sum(axis=1)
        return utils.force_array(y, x.dtype),

    def _gy(self, gy):
        """gy with the summed axis back in place (length 1), to broadcast."""
        if self.reduce != 'sum_along_second_axis':
            return gy
        return gy.reshape(gy.shape[:1] + (1,) + gy.shape[1:])

    def backward_arrays(self, indexes, grad_outputs):
        x, t = self.get_retained_input_arrays()
        xp = utils.array_module(x)
        g = xp.clip(x - t, -self.delta, self.delta)
        g *= self._gy(grad_outputs[0])
        g = utils.force_array(g, x.dtype)
        return tuple(g if i == 0 else -g for i in indexes)

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.reshape import reshape
        x, t = self.get_retained_inputs()
        diff = x - t
        d = diff.array
        xp = utils.array_module(d)
        # clip(diff, -delta, delta) as diff * inside + delta * sign * outside
        inside = abs(d) <= self.delta
        clipped = diff * inside.astype(d.dtype) + xp.where(
            inside, 0, self.delta * xp.sign(d)).astype(d.dtype)
        gy = grad_outputs[0]
        if self.reduce == 'sum_along_second_axis':
            gy = reshape(gy, self._gy(gy.array).shape)
        g = clipped * gy
        return tuple(g if i == 0 else -g for i in indexes)


def huber_loss(x, t, delta, reduce='sum_along_second_axis'):
    """Huber loss of ``x - t`` with threshold ``delta``.

    Elementwise ``d^2 / 2`` where ``|d| <= delta`` and
    ``delta * (|d| - delta / 2)`` elsewhere.  ``reduce`` is
    ``'sum_along_second_axis'`` (the default: summed over axis 1, so x needs
    ndim >= 2) or ``'no'`` (elementwise).  Both inputs get gradients.
    """
    if reduce not in ('sum_along_second_axis', 'no'):
        raise ValueError("huber_loss: only 'sum_along_second_axis' and 'no' are valid for "
                         "'reduce', but '{}' is given".format(reduce))
    if delta < 0:
        raise ValueError('huber_loss: delta must be >= 0, got {}'.format(delta))
    y, = HuberLoss(delta, reduce).apply((x, t))
    return y
