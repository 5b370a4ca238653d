"""permutate: reorder the slices of an array along an axis."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

_NAME = 'Permutate'


def _check_indices(indices):
    host = indices if isinstance(indices, numpy.ndarray) else indices.get()
    n = len(host)
    if n == 0:
        return
    if host.min() < 0 or host.max() >= n:
        raise ValueError('permutate: indices must be in [0, {}), got {}'.format(n, host))
    if len(numpy.unique(host)) != n:
        raise ValueError('permutate: indices must be a permutation (no duplicates), got {}'
                         .format(host))


class Permutate(Op):
    __slots__ = ('indices', 'axis', 'inv')
    checks = Checks('x', "self.indices.dtype.kind in 'iu'", 'self.indices.ndim == 1',
                    '-x.ndim <= self.axis < x.ndim', 'x.shape[self.axis] == len(self.indices)')

    def __init__(self, indices, axis=0, inv=False):
        self.indices = indices
        self.axis = _axis.require_int('permutate', 'axis', axis)
        self.inv = bool(inv)

    def forward(self, inputs):
        x, = inputs
        ind = self.indices
        self.axis = _axis.normalize(_NAME, self.axis, x.ndim)
        _check_indices(ind)
        return _permute(x, ind, self.axis, self.inv),

    def gradient(self, ns, indexes, grad_outputs):
        # the inverse permutation
        return ns.call(Permutate(self.indices, self.axis, not self.inv), grad_outputs)


def _permute(x, indices, axis, inv):
    if inv:
        indices = utils.array_module(indices).argsort(indices)
    return x.take(indices, axis=axis)


def permutate(x, indices, axis=0, inv=False):
    """Permute ``x`` along ``axis``: ``y[i] = x[indices[i]]``, or with
    ``inv=True`` the inverse, ``y[indices[i]] = x[i]``.

    ``indices`` is a 1-D integer array (or Variable; no gradient) holding a
    permutation of ``range(x.shape[axis])``.

    >>> x = np.array([10., 20., 30.], dtype=np.float32)
    >>> F.permutate(x, np.array([2, 0, 1], dtype=np.int32)).array
    array([30., 10., 20.], dtype=float32)
    """
    if isinstance(indices, Variable):
        indices = indices.array
    elif not hasattr(indices, 'dtype'):
        indices = numpy.asarray(indices)
    y, = Permutate(indices, axis, inv).apply((x,))
    return y
