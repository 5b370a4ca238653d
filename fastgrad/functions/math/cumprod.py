"""cumprod along an axis (or of the flattened array)."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Cumprod(Op):
    """Cumulative product.

    The gradient avoids dividing by ``x`` (zeros are common): for each
    position ``k`` the cumulative product of ``x`` with ``x_k`` replaced by 1
    gives ``prod_{j <= i, j != k} x_j``, so ``gx_k = sum_{i >= k} gy_i *
    that``.  It is written with cumprod itself, hence differentiable again;
    it costs ``n`` times the input's memory for an axis of length ``n``.
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
        xp = utils.array_module(x)
        return utils.force_array(xp.cumprod(x, axis=self.axis)),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        gy, = grad_outputs
        shape = self.inputs[0].shape
        axis = self.axis
        if axis is None:
            x = ns.reshape(x, (-1,))
            axis = 0
        n = x.shape[axis]
        if n <= 1:
            return ns.reshape(gy, shape),
        xp = utils.array_module(ns.data(x))
        xm = ns.moveaxis(x, axis, -1)
        gm = ns.moveaxis(gy, axis, -1)
        big = xm.shape[:-1] + (n, n)            # [..., k, i]
        eye = xp.eye(n, dtype=x.dtype)
        # row k: x with x_k replaced by 1
        xk = ns.broadcast_to(ns.expand_dims(xm, -2), big) * (1 - eye) + \
            xp.broadcast_to(eye, big)
        partial, = ns.call(Cumprod(-1), (xk,))
        upper = xp.broadcast_to(xp.triu(xp.ones((n, n), dtype=x.dtype)), big)
        g = ns.broadcast_to(ns.expand_dims(gm, -2), big) * upper
        gx = ns.sum(partial * g, axis=-1)
        gx = ns.moveaxis(gx, -1, axis)
        return ns.reshape(gx, shape),


def cumprod(x, axis=None):
    """Cumulative product of array elements along an axis.

    Args:
        x (:class:`~fastgrad.Variable` or :ref:`ndarray`): Input (float).
        axis (int or None): The axis; ``None`` (default) flattens ``x``
            first (the result is then 1-D, as in NumPy).

    Returns:
        ~fastgrad.Variable: Output of the shape of ``x`` (1-D for ``None``).
    """
    y, = Cumprod(axis).apply((x,))
    return y
