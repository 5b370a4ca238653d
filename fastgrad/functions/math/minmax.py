"""max / min over axes (differentiable) and argmax / argmin (not)."""
import numpy

from fastgrad import utils
from fastgrad.functions._util import axis as axis_util
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class _Select(Op):
    """max or min over ``axis``; the gradient goes to every element that
    equals the result (all of them on ties, as in Chainer)."""
    __slots__ = ('axis', 'keepdims')
    checks = Checks('x', "x.dtype.kind == 'f'")
    _reduce = None

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs):
        x, = inputs
        self.axis = axis_util.reduction_axes(self.label, self.axis, x.ndim)
        y = getattr(x, self._reduce)(axis=self.axis, keepdims=self.keepdims)
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return utils.force_array(y),

    def _winners(self):
        x, = self.get_retained_input_arrays()
        y = self.output_data[0].reshape(axis_util.keepdims_shape(x.shape, self.axis))
        return (x == y).astype(x.dtype)

    def gradient(self, ns, indexes, grad_outputs):
        shape = self.inputs[0].shape
        gy = ns.reshape(grad_outputs[0], axis_util.keepdims_shape(shape, self.axis))
        return ns.broadcast_to(gy, shape) * self._winners(),


class Max(_Select):
    __slots__ = ()
    _reduce = 'max'


class Min(_Select):
    __slots__ = ()
    _reduce = 'min'


class _IndexSelect(Op):
    """argmax or argmin over one axis (or the flattened array); int32 output."""
    __slots__ = ('axis',)
    checks = Checks('x', "x.dtype.kind == 'f'",
                    'self.axis is None or -x.ndim <= self.axis < x.ndim')
    _reduce = None

    def __init__(self, axis=None):
        if axis is not None and (isinstance(axis, (bool, numpy.bool_)) or
                                 not isinstance(axis, (int, numpy.integer))):
            raise TypeError('{}: axis must be None or an int, got {!r}'.format(
                type(self).__name__, axis))
        self.axis = None if axis is None else int(axis)

    def forward(self, inputs):
        x, = inputs
        y = getattr(x, self._reduce)(axis=self.axis)
        return utils.force_array(y, numpy.int32),

    def gradient(self, ns, indexes, grad_outputs):
        return (None,) * len(indexes)


class ArgMax(_IndexSelect):
    __slots__ = ()
    _reduce = 'argmax'


class ArgMin(_IndexSelect):
    __slots__ = ()
    _reduce = 'argmin'


def max(x, axis=None, keepdims=False):
    """Maximum over ``axis`` (None: all axes; an int or a tuple of ints).

    The gradient goes to every element equal to the maximum (all of them on
    ties).

    >>> x = Variable(np.array([[1., 3., 3.], [4., 2., 0.]], np.float32))
    >>> F.max(x, axis=1).array
    array([3., 4.], dtype=float32)
    >>> F.sum(F.max(x, axis=1)).backward(); x.grad
    array([[0., 1., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    y, = Max(axis, keepdims).apply((x,))
    return y


def min(x, axis=None, keepdims=False):
    """Minimum over ``axis`` (None: all axes; an int or a tuple of ints).

    >>> x = np.array([[1., 3., 3.], [4., 2., 0.]], np.float32)
    >>> F.min(x, axis=0).array
    array([1., 2., 0.], dtype=float32)
    >>> F.min(x, axis=1, keepdims=True).array
    array([[1.],
           [0.]], dtype=float32)
    """
    y, = Min(axis, keepdims).apply((x,))
    return y


def argmax(x, axis=None):
    """Index of the maximum along ``axis`` (of the flattened array if None), as
    int32; not differentiable.

    >>> x = np.array([[1., 3., 2.], [4., 0., 5.]], np.float32)
    >>> F.argmax(x, axis=1).array
    array([1, 2], dtype=int32)
    >>> F.argmax(x).array  # an index into x.ravel()
    array(5, dtype=int32)
    """
    y, = ArgMax(axis).apply((x,))
    return y


def argmin(x, axis=None):
    """Index of the minimum along ``axis`` (of the flattened array if None), as
    int32; not differentiable.

    >>> x = np.array([[1., 3., 2.], [4., 0., 5.]], np.float32)
    >>> F.argmin(x, axis=0).array
    array([0, 1, 0], dtype=int32)
    >>> F.argmin(x).array  # an index into x.ravel()
    array(4, dtype=int32)
    """
    y, = ArgMin(axis).apply((x,))
    return y
