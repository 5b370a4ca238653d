"""transpose (a view)."""
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Transpose(Op):
    __slots__ = ('axes',)
    checks = Checks('x',
                    'self.axes is None or '
                    '[a for a in self.axes if not -x.ndim <= a < x.ndim] == []',
                    'self.axes is None or sorted(a % x.ndim for a in self.axes) == '
                    'list(range(x.ndim))')

    def __init__(self, axes=None):
        self.axes = None if axes is None else _axis.int_tuple('transpose', 'axes', axes)

    def forward(self, inputs):
        x, = inputs
        if self.axes is not None:
            axes = _axis.normalize_axes('Transpose', self.axes, x.ndim, 'axes')
            self.axes = axes
        return x.transpose(self.axes),

    def gradient(self, ns, indexes, grad_outputs):
        # the transpose by the inverse permutation (None reverses: its own inverse)
        axes = None if self.axes is None else _axis.inverse_permutation(self.axes)
        return ns.transpose(grad_outputs[0], axes),


def transpose(x, axes=None):
    """Permute the axes of ``x`` (reverse them when ``axes`` is None).

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.transpose(x).array
    array([[0., 3.],
           [1., 4.],
           [2., 5.]], dtype=float32)
    """
    y, = Transpose(axes).apply((x,))
    return y
