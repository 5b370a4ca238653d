"""tile: repeat a whole array along each axis (numpy.tile)."""
from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.recipe import Op


class Tile(Op):
    __slots__ = ('reps',)

    def __init__(self, reps):
        reps = _axis.int_tuple('tile', 'reps', reps)
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

    def gradient(self, ns, indexes, grad_outputs):
        inter, axes = self._layout()
        gx = ns.sum(ns.reshape(grad_outputs[0], inter), axis=axes)
        return ns.reshape(gx, self.inputs[0].shape),


def tile(x, reps):
    """Repeat ``x`` ``reps`` times along each axis, like ``numpy.tile``
    (``reps`` is an int or a tuple of non-negative ints).

    >>> x = np.array([1., 2.], dtype=np.float32)
    >>> F.tile(x, 2).array
    array([1., 2., 1., 2.], dtype=float32)
    """
    y, = Tile(reps).apply((x,))
    return y
