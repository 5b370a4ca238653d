"""tile: repeat a whole array along each axis (numpy.tile)."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.array import _axis


class Tile(FunctionNode):
    def __init__(self, reps):
        if _axis.is_int(reps):
            reps = (int(reps),)
        elif isinstance(reps, (tuple, list)) and all(_axis.is_int(r) for r in reps):
            reps = tuple(int(r) for r in reps)
        else:
            raise TypeError('tile: reps must be an int or a tuple of ints, got {!r}'
                            .format(reps))
        if any(r < 0 for r in reps):
            raise ValueError('tile: every element of reps must be >= 0, got {}'.format(reps))
        self.reps = reps

    def forward(self, inputs):
        x, = inputs
        return utils.array_module(x).tile(x, self.reps),

    def _layout(self):
        """(interleaved (rep, size) shape, the rep axes) that sum gy back to x."""
        shape = self.inputs[0].shape
        d = max(len(shape), len(self.reps))
        shape = (1,) * (d - len(shape)) + tuple(shape)
        reps = (1,) * (d - len(self.reps)) + self.reps
        inter = []
        for r, n in zip(reps, shape):
            inter += [r, n]
        return tuple(inter), tuple(range(0, 2 * d, 2))

    def backward_arrays(self, indexes, grad_outputs):
        inter, axes = self._layout()
        gx = grad_outputs[0].reshape(inter).sum(axis=axes)
        return utils.force_array(gx).reshape(self.inputs[0].shape),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.reshape import reshape
        from fastgrad.functions.math.sum import sum as sum_
        inter, axes = self._layout()
        gx = sum_(reshape(grad_outputs[0], inter), axis=axes)
        return reshape(gx, self.inputs[0].shape),


def tile(x, reps):
    """Repeat ``x`` ``reps`` times along each axis, like ``numpy.tile``
    (``reps`` is an int or a tuple of non-negative ints)."""
    y, = Tile(reps).apply((x,))
    return y
