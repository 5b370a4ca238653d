"""transpose (a view)."""
from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.recipe import Op


class Transpose(Op):
    __slots__ = ('axes',)

    def __init__(self, axes=None):
        self.axes = None if axes is None else _axis.int_tuple('transpose', 'axes', axes)

    def forward(self, inputs):
        x, = inputs
        if self.axes is not None:
            axes = _axis.normalize_axes('Transpose', self.axes, x.ndim, 'axes')
            if sorted(axes) != list(range(x.ndim)):
                raise utils.invalid_type(
                    'Transpose', 'axes is a permutation of range({})'.format(x.ndim),
                    'axes = {}'.format(self.axes))
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
