"""diagonal and its adjoint (writing a diagonal into zeros): each one's
gradient is the other."""
from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.recipe import Op


class Diagonal(Op):
    __slots__ = ('offset', 'axis1', 'axis2', '_in_shape')

    def __init__(self, offset, axis1, axis2):
        self.offset, self.axis1, self.axis2 = offset, axis1, axis2

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        xp = utils.array_module(x)
        return utils.force_array(xp.diagonal(x, self.offset, self.axis1, self.axis2).copy()),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.call(_DiagonalAdjoint(self._in_shape, self.offset, self.axis1, self.axis2),
                       grad_outputs)


class _DiagonalAdjoint(Op):
    __slots__ = ('shape', 'offset', 'axis1', 'axis2')

    def __init__(self, shape, offset, axis1, axis2):
        self.shape, self.offset, self.axis1, self.axis2 = shape, offset, axis1, axis2

    def forward(self, inputs):
        gy, = inputs
        xp = utils.array_module(gy)
        out = xp.zeros(self.shape, gy.dtype)
        # diagonal() of a writeable array is a read-only view; write through
        # the same index arithmetic with an explicit index array instead.
        view = xp.diagonal(out, self.offset, self.axis1, self.axis2)
        idx = xp.arange(view.shape[-1])
        rows = idx + max(-self.offset, 0)
        cols = idx + max(self.offset, 0)
        moved = xp.moveaxis(out, (self.axis1, self.axis2), (-2, -1))
        moved[..., rows, cols] = gy
        return out,

    def gradient(self, ns, indexes, grad_outputs):
        return ns.call(Diagonal(self.offset, self.axis1, self.axis2), grad_outputs)


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of ``x`` over ``axis1`` and ``axis2`` (NumPy's
    semantics; the diagonal becomes the last axis).

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.diagonal(x).array
    array([0., 4.], dtype=float32)
    """
    offset = _axis.require_int('diagonal', 'offset', offset)
    axis1 = _axis.require_int('diagonal', 'axis1', axis1)
    axis2 = _axis.require_int('diagonal', 'axis2', axis2)
    ndim = x.ndim
    if ndim < 2:
        raise ValueError('diagonal: needs an array with ndim >= 2, got ndim={}'.format(ndim))
    a1 = _axis.normalize('Diagonal', axis1, ndim, 'axis1')
    a2 = _axis.normalize('Diagonal', axis2, ndim, 'axis2')
    if a1 == a2:
        raise ValueError('diagonal: axis1 and axis2 must be distinct axes, got axis1={}, '
                         'axis2={} (ndim={})'.format(axis1, axis2, ndim))
    y, = Diagonal(offset, a1, a2).apply((x,))
    return y
