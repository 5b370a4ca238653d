"""sum over axes."""
from fastgrad import utils
from fastgrad.functions._util.recipe import Op


def _normalize_axis(axis, ndim, name):
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise utils.invalid_type(name, '-{0} <= axis < {0}'.format(ndim),
                                     'axis = {}'.format(a))
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError('{}: duplicate value in axis: {}'.format(name, axis))
    return tuple(sorted(out))


def _grad_shape(in_shape, axis, keepdims):
    """Where the reduced axes sit, as 1s (so the grad broadcasts back)."""
    if axis is None:
        return (1,) * len(in_shape)
    return tuple(1 if i in axis else n for i, n in enumerate(in_shape))


class Sum(Op):
    __slots__ = ('axis', 'keepdims')

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs):
        x, = inputs
        self.axis = _normalize_axis(self.axis, x.ndim, 'Sum')
        return utils.force_array(x.sum(axis=self.axis, keepdims=self.keepdims)),

    def gradient(self, ns, indexes, grad_outputs):
        gy = grad_outputs[0]
        shape = self.inputs[0].shape
        if not self.keepdims:
            gy = ns.reshape(gy, _grad_shape(shape, self.axis, False))
        return ns.broadcast_to(gy, shape),


def sum(x, axis=None, keepdims=False):
    """Sum of elements over ``axis`` (int, tuple or None for all)."""
    y, = Sum(axis, keepdims).apply((x,))
    return y
