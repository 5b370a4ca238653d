"""squeeze: drop axes of length 1."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.array import _axis


class Squeeze(FunctionNode):
    def __init__(self, axis=None):
        if axis is None or _axis.is_int(axis):
            self.axis = axis
        elif isinstance(axis, (tuple, list)) and all(_axis.is_int(a) for a in axis):
            self.axis = tuple(int(a) for a in axis)
        else:
            raise TypeError('squeeze: axis must be None, an int or a tuple of ints, got {!r}'
                            .format(axis))

    def forward(self, inputs):
        x, = inputs
        shape = x.shape
        if self.axis is None:
            out = tuple(n for n in shape if n != 1)
        else:
            axes = (self.axis,) if _axis.is_int(self.axis) else self.axis
            drop = set()
            for a in axes:
                a = _axis.normalize('Squeeze', a, x.ndim)
                if shape[a] != 1:
                    raise utils.invalid_type('Squeeze', 'x.shape[{}] == 1'.format(a),
                                             'x.shape = {}'.format(shape))
                drop.add(a)
            out = tuple(n for i, n in enumerate(shape) if i not in drop)
        return x.reshape(out),

    def backward_arrays(self, indexes, grad_outputs):
        return grad_outputs[0].reshape(self.inputs[0].shape),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.reshape import reshape
        return reshape(grad_outputs[0], self.inputs[0].shape),


def squeeze(x, axis=None):
    """Remove length-1 axes: all of them (``axis=None``) or those named by
    ``axis`` (an int or a tuple of ints), each of which must have length 1."""
    y, = Squeeze(axis).apply((x,))
    return y
