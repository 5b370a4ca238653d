"""concat: join arrays along an existing axis."""
from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Concat(Op):
    __slots__ = ('axis',)
    checks = Checks('*xs', 'len(xs) > 0', '-xs[0].ndim <= self.axis < xs[0].ndim',
                    '[x.dtype for x in xs] == [xs[0].dtype] * len(xs)',
                    '[x.ndim for x in xs] == [xs[0].ndim] * len(xs)',
                    '[x.shape[:self.axis] for x in xs] == [xs[0].shape[:self.axis]] * len(xs)',
                    '[x.shape[self.axis:][1:] for x in xs] == '
                    '[xs[0].shape[self.axis:][1:]] * len(xs)')

    def __init__(self, axis=1):
        self.axis = _axis.require_int('concat', 'axis', axis)

    def forward(self, inputs):
        self.axis = _axis.normalize('Concat', self.axis, inputs[0].ndim)
        return utils.array_module(inputs[0]).concatenate(inputs, axis=self.axis),

    def gradient(self, ns, indexes, grad_outputs):
        # the adjoint of concat is split_axis at the input boundaries
        axis = self.axis
        points = _axis.split_points([n.shape[axis] for n in self.inputs])
        gxs = ns.split_axis(grad_outputs[0], points, axis)
        return tuple(gxs[i] for i in indexes)


def concat(xs, axis=1):
    """Join the arrays of ``xs`` (a list or tuple) along ``axis``.

    They need one dtype and equal shapes except along ``axis``.

    >>> a = np.zeros((2, 1), dtype=np.float32)
    >>> b = np.ones((2, 2), dtype=np.float32)
    >>> F.concat((a, b), axis=1).array
    array([[0., 1., 1.],
           [0., 1., 1.]], dtype=float32)
    """
    y, = Concat(axis).apply(tuple(xs))
    return y
