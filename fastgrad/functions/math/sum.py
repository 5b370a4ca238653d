"""sum over axes."""
from fastgrad import utils
from fastgrad.functions._util import axis as axis_util
from fastgrad.functions._util.recipe import Op


class Sum(Op):
    __slots__ = ('axis', 'keepdims')

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs):
        x, = inputs
        self.axis = axis_util.reduction_axes(self.label, self.axis, x.ndim)
        return utils.force_array(x.sum(axis=self.axis, keepdims=self.keepdims)),

    def gradient(self, ns, indexes, grad_outputs):
        gy = grad_outputs[0]
        shape = self.inputs[0].shape
        if not self.keepdims:
            gy = ns.reshape(gy, axis_util.keepdims_shape(shape, self.axis))
        return ns.broadcast_to(gy, shape),


def sum(x, axis=None, keepdims=False):
    """Sum of elements over ``axis`` (int, tuple or None for all).

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.sum(x).array
    array(15., dtype=float32)
    >>> F.sum(x, axis=0).array
    array([3., 5., 7.], dtype=float32)
    >>> F.sum(x, axis=1, keepdims=True).shape
    (2, 1)
    """
    y, = Sum(axis, keepdims).apply((x,))
    return y
