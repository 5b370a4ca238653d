"""scatter_add: a copy of ``a`` with ``b`` added at ``a[slices]``
(repeated indices add up)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _as_slices(slices):
    # Chainer's rule: a list of ints is one index array, another list a tuple
    if isinstance(slices, list):
        if all(isinstance(s, int) for s in slices):
            slices = slices,
        return tuple(slices)
    return slices if isinstance(slices, tuple) else (slices,)


class ScatterAdd(Op):
    """``y = a.copy(); add.at(y, slices, b)``; ``ga = gy``, ``gb = gy[slices]``."""
    __slots__ = ('slices',)
    checks = Checks('a, b', 'a.ndim >= len([s for s in self.slices if s is not None])')

    def __init__(self, slices):
        slices = _as_slices(slices)
        if sum(s is Ellipsis for s in slices) > 1:
            raise ValueError('scatter_add: only one Ellipsis is allowed in slices')
        self.slices = slices

    @property
    def label(self):
        return 'scatter_add'

    def forward(self, inputs):
        a, b = inputs
        y = a.copy()
        target = y[self.slices].shape
        if target != b.shape:
            raise ValueError('scatter_add: b.shape must equal a[slices].shape (no '
                             'broadcasting, as in Chainer): {} != {}'.format(b.shape, target))
        xp = utils.array_module(a)
        if xp.__name__ == 'numpy':
            xp.add.at(y, self.slices, b)
        else:
            import cupyx
            cupyx.scatter_add(y, self.slices, b)
        return y,

    def gradient(self, ns, indexes, grad_outputs):
        gy, = grad_outputs
        return tuple(gy if i == 0 else ns.get_item(gy, self.slices) for i in indexes)


def scatter_add(a, slices, b):
    """Adds ``b`` to the elements ``a[slices]`` of a copy of ``a``.

    Repeated indices add up (as :func:`numpy.add.at`); ``a`` is unchanged.

    Args:
        a (:class:`~fastgrad.Variable` or ``ndarray``): The array.
        slices: ints, slices, Ellipsis, None, integer or boolean arrays, or a
            tuple of them (a list of ints is one index array).
        b (:class:`~fastgrad.Variable` or ``ndarray``): The values; the
            shape of ``a[slices]`` exactly (no broadcasting).

    Returns:
        ~fastgrad.Variable: The result, shaped like ``a``.

    >>> a = np.zeros(4, dtype=np.float32)
    >>> F.scatter_add(a, [0, 2, 0], np.array([1., 2., 3.], dtype=np.float32)).array
    array([4., 0., 2., 0.], dtype=float32)
    """
    y, = ScatterAdd(slices).apply((a, b))
    return y
