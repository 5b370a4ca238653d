"""concat: join arrays along an existing axis."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.array import _axis


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


class Concat(FunctionNode):
    _graph_closed = True    # arrays and scalars only: off the cycle collector
    __slots__ = ('axis',)
    def __init__(self, axis=1):
        self.axis = _axis.require_int('concat', 'axis', axis)

    def forward(self, inputs):
        self.axis = check_concat('Concat', inputs, self.axis)
        return utils.array_module(inputs[0]).concatenate(inputs, axis=self.axis),

    def _bounds(self):
        axis = self.axis
        return _axis.bounds([node.shape[axis] for node in self.inputs])

    def backward_arrays(self, indexes, grad_outputs):
        gy = grad_outputs[0]
        b = self._bounds()
        axis = self.axis
        return tuple(gy[_axis.along(axis, slice(*b[i]))] for i in indexes)

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.split_axis import split_axis
        b = self._bounds()
        gxs = split_axis(grad_outputs[0], [e for _, e in b[:-1]], self.axis)
        return tuple(gxs[i] for i in indexes)


def concat(xs, axis=1):
    """Join the arrays of ``xs`` (a list or tuple) along ``axis``.

    They need one dtype and equal shapes except along ``axis``.
    """
    y, = Concat(axis).apply(tuple(xs))
    return y
