"""flip: reverse the order of elements along an axis (a view)."""
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _flip(array, axis):
    """The array reversed along ``axis``, which may be negative (a view; NumPy
    or CuPy).  Chainer's module has the same helper, and its tests compare it
    with numpy.flip."""
    return array[_axis.along(axis % array.ndim, slice(None, None, -1))]


class Flip(Op):
    __slots__ = ('axis',)
    checks = Checks('x', '-x.ndim <= self.axis < x.ndim')

    def __init__(self, axis):
        self.axis = _axis.require_int('flip', 'axis', axis)

    def forward(self, inputs):
        x, = inputs
        self.axis = _axis.normalize('Flip', self.axis, x.ndim)
        return _flip(x, self.axis),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.flip(grad_outputs[0], self.axis),


def flip(x, axis):
    """Reverse ``x`` along ``axis``.

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.flip(x, axis=1).array
    array([[2., 1., 0.],
           [5., 4., 3.]], dtype=float32)
    """
    y, = Flip(axis).apply((x,))
    return y
