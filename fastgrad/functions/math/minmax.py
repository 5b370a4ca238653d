"""max / min over axes (differentiable) and argmax / argmin (not)."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.math.average import _normalize_axis, _reduced_shape


def _check_float(name, x):
    if x.dtype.kind != 'f':
        raise utils.invalid_type(name, "x.dtype.kind == 'f'", 'x.dtype = {}'.format(x.dtype))


class _Select(FunctionNode):
    """max or min over ``axis``; the gradient goes to every element that
    equals the result (all of them on ties, as in Chainer)."""
    _reduce = None

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs):
        x, = inputs
        name = type(self).__name__
        _check_float(name, x)
        self.axis = _normalize_axis(self.axis, x.ndim, name)
        y = getattr(x, self._reduce)(axis=self.axis, keepdims=self.keepdims)
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return utils.force_array(y),

    def _winners(self):
        x, = self.get_retained_input_arrays()
        y = self.output_data[0].reshape(_reduced_shape(x.shape, self.axis))
        return (x == y).astype(x.dtype)

    def backward_arrays(self, indexes, grad_outputs):
        shape = self.inputs[0].shape
        gy = grad_outputs[0].reshape(_reduced_shape(shape, self.axis))
        return utils.force_array(gy * self._winners()),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.broadcast import broadcast_to
        from fastgrad.functions.array.reshape import reshape
        shape = self.inputs[0].shape
        gy = broadcast_to(reshape(grad_outputs[0], _reduced_shape(shape, self.axis)), shape)
        return gy * self._winners(),


class Max(_Select):
    _reduce = 'max'


class Min(_Select):
    _reduce = 'min'


class _IndexSelect(FunctionNode):
    """argmax or argmin over one axis (or the flattened array); int32 output."""
    _reduce = None

    def __init__(self, axis=None):
        if axis is not None and (isinstance(axis, (bool, numpy.bool_)) or
                                 not isinstance(axis, (int, numpy.integer))):
            raise TypeError('{}: axis must be None or an int, got {!r}'.format(
                type(self).__name__, axis))
        self.axis = None if axis is None else int(axis)

    def forward(self, inputs):
        x, = inputs
        name = type(self).__name__
        _check_float(name, x)
        if self.axis is not None and not -x.ndim <= self.axis < x.ndim:
            raise utils.invalid_type(name, '-x.ndim <= axis < x.ndim',
                                     'axis = {}, x.ndim = {}'.format(self.axis, x.ndim))
        y = getattr(x, self._reduce)(axis=self.axis)
        return utils.force_array(y, numpy.int32),

    def backward_arrays(self, indexes, grad_outputs):
        return (None,) * len(indexes)

    def backward(self, indexes, grad_outputs):
        return (None,) * len(indexes)


class ArgMax(_IndexSelect):
    _reduce = 'argmax'


class ArgMin(_IndexSelect):
    _reduce = 'argmin'


def max(x, axis=None, keepdims=False):
    """Maximum over ``axis`` (None: all axes; an int or a tuple of ints)."""
    y, = Max(axis, keepdims).apply((x,))
    return y


def min(x, axis=None, keepdims=False):
    """Minimum over ``axis`` (None: all axes; an int or a tuple of ints)."""
    y, = Min(axis, keepdims).apply((x,))
    return y


def argmax(x, axis=None):
    """Index of the maximum along ``axis`` (of the flattened array if None), as
    int32; not differentiable."""
    y, = ArgMax(axis).apply((x,))
    return y


def argmin(x, axis=None):
    """Index of the minimum along ``axis`` (of the flattened array if None), as
    int32; not differentiable."""
    y, = ArgMin(axis).apply((x,))
    return y
