"""cumsum along an axis (or of the flattened array)."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class Cumsum(FunctionNode):
    """Cumulative sum; with ``reverse`` it runs from the end of the axis
    (that is the gradient of the forward sum, and vice versa)."""

    def __init__(self, axis=None, reverse=False):
        if axis is not None and (isinstance(axis, (bool, numpy.bool_)) or
                                 not isinstance(axis, (int, numpy.integer))):
            raise TypeError('cumsum: axis must be None or an int, got {!r}'.format(axis))
        self.axis = None if axis is None else int(axis)
        self.reverse = reverse

    def forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type('Cumsum', "x.dtype.kind == 'f'",
                                     'x.dtype = {}'.format(x.dtype))
        axis = self.axis
        if axis is None:
            x = x.reshape(-1)       # NumPy's rule: None means the flattened array
            axis = 0
        elif not -x.ndim <= axis < x.ndim:
            raise utils.invalid_type('Cumsum', '-x.ndim <= axis < x.ndim',
                                     'axis = {}, x.ndim = {}'.format(axis, x.ndim))
        xp = utils.array_module(x)
        if not self.reverse:
            return utils.force_array(xp.cumsum(x, axis=axis)),
        flip = xp.flip(x, axis)
        return xp.flip(xp.cumsum(flip, axis=axis), axis),

    def backward_arrays(self, indexes, grad_outputs):
        gy = grad_outputs[0]
        xp = utils.array_module(gy)
        axis = 0 if self.axis is None else self.axis
        if self.reverse:
            gx = xp.cumsum(gy, axis=axis)
        else:
            gx = xp.flip(xp.cumsum(xp.flip(gy, axis), axis=axis), axis)
        return utils.force_array(gx.reshape(self.inputs[0].shape)),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.reshape import reshape
        axis = 0 if self.axis is None else self.axis
        gx, = Cumsum(axis, not self.reverse).apply((grad_outputs[0],))
        return reshape(gx, self.inputs[0].shape),


def cumsum(x, axis=None):
    """Cumulative sum along ``axis``; ``axis=None`` sums the flattened array
    (the result is then 1-D, as in NumPy)."""
    y, = Cumsum(axis).apply((x,))
    return y
