"""split_axis: split an array into pieces along an axis (views)."""
import numpy

from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class SplitAxis(Op):
    __slots__ = ('sections', 'indices', 'axis', '_edges')
    checks = Checks('x', '-x.ndim <= self.axis < x.ndim',
                    'self.sections is None or self.sections <= 0 or '
                    'x.shape[self.axis] % self.sections == 0',
                    'self.indices is None or '
                    '[p for p in self.indices '
                    'if not -x.shape[self.axis] <= p <= x.shape[self.axis]] == []')

    def __init__(self, indices_or_sections, axis):
        ios = indices_or_sections
        if _axis.is_int(ios):
            self.sections = int(ios)
            self.indices = None
        else:
            if isinstance(ios, numpy.ndarray) or hasattr(ios, '__cuda_array_interface__'):
                ios = ios.tolist()
            try:
                indices = tuple(ios)
            except TypeError:
                indices = None
            if indices is None or not all(_axis.is_int(i) for i in indices):
                raise TypeError('split_axis: indices_or_sections must be an int or a 1-D '
                                'sequence of ints, got {!r}'.format(indices_or_sections))
            self.sections = None
            self.indices = tuple(int(i) for i in indices)
        self.axis = _axis.require_int('split_axis', 'axis', axis)

    def _points(self, n):
        if self.sections is not None:
            sections = self.sections
            if sections <= 0:
                raise ValueError('split_axis: the number of sections must be positive, got {}'
                                 .format(sections))
            step = n // sections
            return [step * k for k in range(1, sections)]
        points = [p + n if p < 0 else p for p in self.indices]
        if any(a > b for a, b in zip(points, points[1:])):
            raise ValueError('split_axis: indices must be sorted, got {}'
                             .format(list(self.indices)))
        return points

    def forward(self, inputs):
        x, = inputs
        axis = self.axis = _axis.normalize('SplitAxis', self.axis, x.ndim)
        n = x.shape[axis]
        edges = [0] + self._points(n) + [n]
        self._edges = edges
        return tuple(x[_axis.along(axis, slice(a, b))] for a, b in zip(edges, edges[1:]))

    def gradient(self, ns, indexes, grad_outputs):
        # the adjoint of split_axis is concat; a piece without gradient is zeros
        node = self.inputs[0]
        g0 = next(g for g in grad_outputs if g is not None)
        xp = utils.array_module(ns.data(g0))
        axis = self.axis
        shape = list(node.shape)
        parts = []
        for a, b, g in zip(self._edges, self._edges[1:], grad_outputs):
            if g is None:
                shape[axis] = b - a
                g = xp.zeros(tuple(shape), node.dtype)
            parts.append(g)
        return ns.concat(parts, axis),


def split_axis(x, indices_or_sections, axis, force_tuple=True):
    """Split ``x`` along ``axis``.

    ``indices_or_sections`` is either an int N (N equal pieces; the length
    along ``axis`` must be divisible by N) or a sorted sequence of split
    points, as in ``numpy.split``.  Returns a tuple of Variables; with
    ``force_tuple=False`` a single piece comes back as a Variable.

    >>> x = np.arange(5, dtype=np.float32)
    >>> [y.array for y in F.split_axis(x, [2], axis=0)]
    [array([0., 1.], dtype=float32), array([2., 3., 4.], dtype=float32)]
    """
    ys = SplitAxis(indices_or_sections, axis).apply((x,))
    if force_tuple or len(ys) != 1:
        return ys
    return ys[0]
