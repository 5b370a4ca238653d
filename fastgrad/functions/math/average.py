"""mean and (weighted) average over axes."""


from fastgrad import utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util import axis as axis_util
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _count(in_shape, axis):
    if axis is None:
        return utils.size_of_shape(in_shape)
    n = 1
    for a in axis:
        n *= in_shape[a]
    return n


class Mean(Op):
    """Arithmetic mean over ``axis``; the gradient is ``gy / n`` everywhere."""
    __slots__ = ('axis', 'keepdims')
    checks = Checks('x', "x.dtype.kind == 'f'")

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs):
        x, = inputs
        self.axis = axis_util.reduction_axes(self.label, self.axis, x.ndim)
        # NumPy accumulates float16 in float32 here; the result keeps x's dtype.
        y = x.mean(axis=self.axis, keepdims=self.keepdims)
        return utils.force_array(y, x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        gy = grad_outputs[0]
        shape = self.inputs[0].shape
        if not self.keepdims:
            gy = ns.reshape(gy, axis_util.keepdims_shape(shape, self.axis))
        scale = utils.scalar(1.0 / max(_count(shape, self.axis), 1), ns.data(gy).dtype)
        return ns.broadcast_to(gy * scale, shape),


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean of the elements of ``x`` over ``axis``.

    ``axis`` is None (all elements), an int or a tuple of ints; with
    ``keepdims`` the reduced axes stay as axes of length one.

    >>> x = Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
    >>> F.mean(x, axis=1).array
    array([1., 4.], dtype=float32)
    >>> F.mean(x).backward(); np.round(x.grad, 4)  # 1 / 6 for each element
    array([[0.1667, 0.1667, 0.1667],
           [0.1667, 0.1667, 0.1667]], dtype=float32)
    """
    y, = Mean(axis, keepdims).apply((x,))
    return y


def average(x, axis=None, weights=None, keepdims=False):
    """Weighted average of ``x`` over ``axis``: ``sum(x * w) / sum(w)``.

    Without ``weights`` this is :func:`mean`.  With ``weights`` (an array or a
    Variable, differentiable too): when ``axis`` is None they must have
    ``x``'s shape; when ``axis`` is one int they must be 1-D with
    ``weights.shape == (x.shape[axis],)``.  A tuple of several axes is not
    supported together with weights.

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> w = np.array([1., 0., 3.], np.float32)
    >>> F.average(x, axis=1, weights=w).array  # (0 * 1 + 2 * 3) / 4, (3 + 15) / 4
    array([1.5, 4.5], dtype=float32)
    >>> F.average(x, axis=0).array
    array([1.5, 2.5, 3.5], dtype=float32)
    """
    from fastgrad.functions.array.broadcast import broadcast_to
    from fastgrad.functions.array.reshape import reshape
    from fastgrad.functions.math.basic_math import div, mul
    from fastgrad.functions.math.sum import sum as sum_

    if weights is None:
        return mean(x, axis=axis, keepdims=keepdims)

    if not isinstance(weights, Variable) and not hasattr(weights, 'dtype'):
        raise TypeError('average: weights must be a Variable or an ndarray, got {}'
                        .format(type(weights).__name__))
    x_shape = x.shape
    x_dtype = x.dtype
    axes = axis_util.reduction_axes('average', axis, len(x_shape))
    if x_dtype.kind != 'f':
        raise utils.invalid_type('average', "x.dtype.kind == 'f'",
                                 'x.dtype = {}'.format(x_dtype))
    if weights.dtype != x_dtype:
        raise utils.invalid_type('average', 'weights.dtype == x.dtype',
                                 '{} != {}'.format(weights.dtype, x_dtype))
    if axes is None:
        if weights.shape != x_shape:
            raise utils.invalid_type(
                'average', 'weights.shape == x.shape (axis is None)',
                '{} != {}'.format(weights.shape, x_shape))
        w = weights
    else:
        if len(axes) > 1:
            raise ValueError('average: a tuple of several axes is not supported when '
                             'weights is given (axis={})'.format(axis))
        a = axes[0]
        if weights.ndim != 1 or weights.shape[0] != x_shape[a]:
            raise utils.invalid_type(
                'average', 'weights.shape == (x.shape[axis],) == ({},)'.format(x_shape[a]),
                'weights.shape = {}'.format(weights.shape))
        w_shape = tuple(n if i == a else 1 for i, n in enumerate(x_shape))
        w = broadcast_to(reshape(weights, w_shape), x_shape)

    if not isinstance(x, Variable) and not isinstance(w, Variable):
        x = Variable(x, requires_grad=False)
    total = sum_(mul(x, w), axis=axes, keepdims=keepdims)
    divider = sum_(weights)
    return div(total, broadcast_to(divider, total.shape))
