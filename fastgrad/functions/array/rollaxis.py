"""rollaxis: move one axis to a given position (numpy.rollaxis)."""
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Rollaxis(Op):
    __slots__ = ('axis', 'start', '_perm')
    # start is a position between axes, not an axis: [-ndim, ndim]
    checks = Checks('x', '-x.ndim <= self.axis < x.ndim', '-x.ndim <= self.start <= x.ndim')

    def __init__(self, axis, start=0):
        self.axis = _axis.require_int('rollaxis', 'axis', axis)
        self.start = _axis.require_int('rollaxis', 'start', start)

    def forward(self, inputs):
        x, = inputs
        n = x.ndim
        axis = _axis.normalize('Rollaxis', self.axis, n)
        start = self.start
        if start < 0:
            start += n
        if axis < start:
            start -= 1
        perm = [i for i in range(n) if i != axis]
        perm.insert(start, axis)
        self._perm = tuple(perm)
        return x.transpose(self._perm),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.transpose(grad_outputs[0], _axis.inverse_permutation(self._perm)),


def rollaxis(x, axis, start=0):
    """Roll ``axis`` backwards until it lies before position ``start``
    (``numpy.rollaxis``; prefer :func:`moveaxis`).

    >>> x = np.zeros((2, 3, 4), dtype=np.float32)
    >>> F.rollaxis(x, 2).shape
    (4, 2, 3)
    """
    y, = Rollaxis(axis, start).apply((x,))
    return y
