"""cumprod along an axis (or of the flattened array)."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Cumprod(Op):
    """Cumulative product.

    The gradient is ``gx_k = sum_{i >= k} gy_i prod_{j <= i, j != k} x_j``,
    in O(n) per slice: before the first zero ``z`` of a slice it is
    ``(reverse cumsum of gy * y)_k / x_k``; at ``z`` it is the same sum
    with ``x_z`` replaced by 1 (a cumprod); after ``z`` it is 0.  That 0
    is exact but not its derivative, so double backprop through an input
    with zeros takes the O(n^2) form (``_gradient_by_rows``).  Both are
    written with cumsum and cumprod, so they are differentiable again.
    """
    __slots__ = ('axis',)
    checks = Checks('x', "x.dtype.kind == 'f'",
                    'self.axis is None or -x.ndim <= self.axis < x.ndim')

    def __init__(self, axis=None):
        if axis is not None and (isinstance(axis, (bool, numpy.bool_)) or
                                 not isinstance(axis, (int, numpy.integer))):
            raise TypeError('cumprod: axis must be int or None, got {!r}'.format(axis))
        self.axis = None if axis is None else int(axis)

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        xp = utils.array_module(x)
        return utils.force_array(xp.cumprod(x, axis=self.axis)),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        y, = ns.outputs(self)
        gy, = grad_outputs
        shape = self.inputs[0].shape
        axis = self.axis
        if axis is None:
            x = ns.reshape(x, (-1,))
            axis = 0
        axis %= x.ndim
        n = x.shape[axis]
        if n <= 1:
            return ns.reshape(gy, shape),
        xd = ns.data(x)
        xp = utils.array_module(xd)
        # masks (constants): k against the slice's first zero z (n if none)
        zero = xd == 0
        z = xp.where(zero.any(axis=axis, keepdims=True),
                     zero.argmax(axis=axis).reshape(zero.shape[:axis] + (1,) + zero.shape[axis + 1:]),
                     n)
        k = xp.arange(n).reshape((1,) * axis + (n,) + (1,) * (x.ndim - axis - 1))
        before, at = xp.broadcast_to(k < z, x.shape), xp.broadcast_to(k == z, x.shape)
        if ns.differentiable and zero.any():
            return ns.reshape(_gradient_by_rows(ns, x, gy, axis), shape),
        ones = xp.ones(x.shape, x.dtype)
        zeros = xp.zeros(x.shape, x.dtype)
        gyy = gy * y
        total = ns.broadcast_to(ns.sum(gyy, axis=axis, keepdims=True), x.shape)
        tail = total - ns.cumsum(gyy, axis=axis) + gyy          # sum over i >= k
        gx = ns.where(before, tail / ns.where(before, x, ones), zeros)
        if at.any():
            skip, = ns.call(Cumprod(axis), (ns.where(at, ones, x),))
            on_z = ns.where(xp.broadcast_to(k >= z, x.shape), gy * skip, zeros)
            gx = gx + ns.where(at, ns.broadcast_to(
                ns.sum(on_z, axis=axis, keepdims=True), x.shape), zeros)
        return ns.reshape(gx, shape),


def _gradient_by_rows(ns, x, gy, axis):
    """Row k: the cumprod of x with x_k replaced by 1 gives
    prod_{j <= i, j != k} x_j; gx_k sums gy_i times it over i >= k.
    (n times the input's memory; smooth everywhere.)"""
    n = x.shape[axis]
    xp = utils.array_module(ns.data(x))
    xm = ns.moveaxis(x, axis, -1)
    gm = ns.moveaxis(gy, axis, -1)
    big = xm.shape[:-1] + (n, n)            # [..., k, i]
    eye = xp.eye(n, dtype=x.dtype)
    xk = ns.broadcast_to(ns.expand_dims(xm, -2), big) * (1 - eye) + xp.broadcast_to(eye, big)
    partial, = ns.call(Cumprod(-1), (xk,))
    upper = xp.broadcast_to(xp.triu(xp.ones((n, n), dtype=x.dtype)), big)
    g = ns.broadcast_to(ns.expand_dims(gm, -2), big) * upper
    return ns.moveaxis(ns.sum(partial * g, axis=-1), -1, axis)


def cumprod(x, axis=None):
    """Cumulative product of array elements along an axis.

    Args:
        x (:class:`~fastgrad.Variable` or ``ndarray``): Input (float).
        axis (int or None): The axis; ``None`` (default) flattens ``x``
            first (the result is then 1-D, as in NumPy).

    Returns:
        ~fastgrad.Variable: Output of the shape of ``x`` (1-D for ``None``).

    >>> x = Variable(np.array([1., 2., 3.], np.float32))
    >>> F.cumprod(x).array
    array([1., 2., 6.], dtype=float32)
    >>> F.sum(F.cumprod(x)).backward(); x.grad  # 1 + x1 + x1 x2, x0 + x0 x2, x0 x1
    array([9., 4., 2.], dtype=float32)
    """
    y, = Cumprod(axis).apply((x,))
    return y
