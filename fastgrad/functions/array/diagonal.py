"""diagonal and its adjoint (writing a diagonal into zeros): each one's
gradient is the other."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode


class Diagonal(FunctionNode):
    def __init__(self, offset, axis1, axis2):
        self.offset, self.axis1, self.axis2 = offset, axis1, axis2

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        xp = utils.array_module(x)
        return utils.force_array(xp.diagonal(x, self.offset, self.axis1, self.axis2).copy()),

    def backward(self, indexes, grad_outputs):
        y, = _DiagonalAdjoint(self._in_shape, self.offset, self.axis1,
                              self.axis2).apply(grad_outputs)
        return y,


class _DiagonalAdjoint(FunctionNode):
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

    def backward(self, indexes, grad_outputs):
        return diagonal(grad_outputs[0], self.offset, self.axis1, self.axis2),


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of ``x`` over ``axis1`` and ``axis2`` (NumPy's
    semantics; the diagonal becomes the last axis)."""
    ndim = x.ndim
    a1, a2 = axis1 % ndim if ndim else axis1, axis2 % ndim if ndim else axis2
    if ndim < 2 or a1 == a2:
        raise ValueError('diagonal: needs two distinct axes of an array with ndim '
                         '>= 2, got axis1={}, axis2={}, ndim={}'.format(axis1, axis2, ndim))
    y, = Diagonal(offset, a1, a2).apply((x,))
    return y
