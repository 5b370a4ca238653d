"""concat: join arrays along an existing axis."""
from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.recipe import Op


def check_concat(label, inputs, axis):
    """Chainer's rules for joining along ``axis``; returns it normalized."""
    if not inputs:
        raise utils.invalid_type(label, 'in_types.size() > 0', 'in_types.size() == 0')
    x0 = inputs[0]
    axis = _axis.normalize(label, axis, x0.ndim)
    _axis.check_same_dtype(label, inputs)
    for i, x in enumerate(inputs):
        if x.ndim != x0.ndim:
            raise utils.invalid_type(label, 'in_types[0].ndim == in_types[{}].ndim'.format(i),
                                     '{} != {}'.format(x0.ndim, x.ndim))
        if x.shape[:axis] != x0.shape[:axis] or x.shape[axis + 1:] != x0.shape[axis + 1:]:
            raise utils.invalid_type(
                label, 'in_types[0].shape == in_types[{}].shape except axis {}'.format(i, axis),
                '{} vs {}'.format(x0.shape, x.shape))
    return axis


class Concat(Op):
    __slots__ = ('axis',)

    def __init__(self, axis=1):
        self.axis = _axis.require_int('concat', 'axis', axis)

    def forward(self, inputs):
        self.axis = check_concat('Concat', inputs, self.axis)
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
