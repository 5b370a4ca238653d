"""cumsum along an axis (or of the flattened array)."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Cumsum(Op):
    """Cumulative sum; with ``reverse`` it runs from the end of the axis
    (that is the gradient of the forward sum, and vice versa)."""
    __slots__ = ('axis', 'reverse')
    checks = Checks('x', "x.dtype.kind == 'f'",
                    'self.axis is None or -x.ndim <= self.axis < x.ndim')

    def __init__(self, axis=None, reverse=False):
        if axis is not None and (isinstance(axis, (bool, numpy.bool_)) or
                                 not isinstance(axis, (int, numpy.integer))):
            raise TypeError('cumsum: axis must be None or an int, got {!r}'.format(axis))
        self.axis = None if axis is None else int(axis)
        self.reverse = reverse

    def forward(self, inputs):
        x, = inputs
        axis = self.axis
        if axis is None:
            x = x.reshape(-1)       # NumPy's rule: None means the flattened array
            axis = 0
        xp = utils.array_module(x)
        if not self.reverse:
            return utils.force_array(xp.cumsum(x, axis=axis)),
        flip = xp.flip(x, axis)
        return xp.flip(xp.cumsum(flip, axis=axis), axis),

    def gradient(self, ns, indexes, grad_outputs):
        axis = 0 if self.axis is None else self.axis
        gx, = ns.call(Cumsum(axis, not self.reverse), grad_outputs)
        return ns.reshape(gx, self.inputs[0].shape),


def cumsum(x, axis=None):
    """Cumulative sum along ``axis``; ``axis=None`` sums the flattened array
    (the result is then 1-D, as in NumPy).

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.cumsum(x, axis=1).array
    array([[ 0.,  1.,  3.],
           [ 3.,  7., 12.]], dtype=float32)
    >>> F.cumsum(x).array
    array([ 0.,  1.,  3.,  6., 10., 15.], dtype=float32)
    """
    y, = Cumsum(axis).apply((x,))
    return y
