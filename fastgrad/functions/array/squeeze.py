"""squeeze: drop axes of length 1."""
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Squeeze(Op):
    __slots__ = ('axis',)
    checks = Checks('x',
                    'self.axis is None or '
                    '[a for a in self.axis if not -x.ndim <= a < x.ndim] == []')

    def __init__(self, axis=None):
        # None (every length-1 axis) or a tuple of ints
        self.axis = None if axis is None else _axis.int_tuple('squeeze', 'axis', axis)

    def forward(self, inputs):
        x, = inputs
        shape = x.shape
        if self.axis is None:
            out = tuple(n for n in shape if n != 1)
        else:
            drop = _axis.normalize_axes('Squeeze', self.axis, x.ndim)
            longer = [a for a in drop if shape[a] != 1]
            if longer:
                # a ValueError, as numpy.squeeze (and so Chainer) raises
                raise ValueError('squeeze: the axes to squeeze must have length 1, but '
                                 'axis {} of shape {} has length {}'.format(
                                     longer[0], shape, shape[longer[0]]))
            out = tuple(n for i, n in enumerate(shape) if i not in drop)
        return x.reshape(out),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.reshape(grad_outputs[0], self.inputs[0].shape),


def squeeze(x, axis=None):
    """Remove length-1 axes: all of them (``axis=None``) or those named by
    ``axis`` (an int or a tuple of ints), each of which must have length 1.

    >>> x = np.zeros((1, 3, 1), dtype=np.float32)
    >>> F.squeeze(x).shape
    (3,)
    >>> F.squeeze(x, axis=2).shape
    (1, 3)
    """
    y, = Squeeze(axis).apply((x,))
    return y
