"""where: pick elements of x where a condition holds, else of y."""
import numbers

import numpy

from fastgrad import utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _select(condition, a, b):
    return utils.force_array(utils.array_module(a).where(condition, a, b))


class Where(Op):
    """``condition`` is a constant boolean array; x and y broadcast with it."""
    __slots__ = ('condition',)
    checks = Checks('x, y', "self.condition.dtype.kind == 'b'", 'x.dtype == y.dtype')

    def __init__(self, condition):
        self.condition = condition

    def forward(self, inputs):
        x, y = inputs
        c = self.condition
        try:
            numpy.broadcast_shapes(c.shape, x.shape, y.shape)
        except ValueError:
            raise utils.invalid_type('Where', 'condition, x and y shapes broadcastable',
                                     'condition.shape = {}, x.shape = {}, y.shape = {}'
                                     .format(c.shape, x.shape, y.shape)) from None
        return _select(c, x, y),

    def gradient(self, ns, indexes, grad_outputs):
        g = grad_outputs[0]
        zero = ns.data(g).dtype.type(0)
        out = []
        for i in indexes:
            gi = ns.where(self.condition, g, zero) if i == 0 else \
                ns.where(self.condition, zero, g)
            out.append(ns.sum_to(gi, self.inputs[i].shape))
        return tuple(out)


def _scalar_operand(value, other):
    if isinstance(value, (numbers.Number, numpy.generic)):
        xp = utils.array_module(other.array if isinstance(other, Variable) else other)
        return xp.asarray(value, dtype=other.dtype)
    return value


def where(condition, x, y):
    """Elementwise ``x`` where ``condition`` is True, else ``y``.

    ``condition`` is a boolean array (a Variable is taken as its array; no
    gradient flows to it).  ``condition``, ``x`` and ``y`` broadcast
    together; x and y need the same dtype (a scalar takes the other's) and
    each gets the gradient of the elements it supplied.

    >>> c = np.array([True, False, True])
    >>> x = np.array([1., 2., 3.], dtype=np.float32)
    >>> y = np.zeros(3, dtype=np.float32)
    >>> F.where(c, x, y).array
    array([1., 0., 3.], dtype=float32)
    """
    if isinstance(condition, Variable):
        condition = condition.array
    elif isinstance(condition, (bool, numpy.bool_)):
        condition = numpy.asarray(condition)
    scalar = (numbers.Number, numpy.generic)
    if isinstance(x, scalar) and isinstance(y, scalar):
        raise TypeError('where: x and y cannot both be scalars')
    x = _scalar_operand(x, y)
    y = _scalar_operand(y, x)
    z, = Where(condition).apply((x, y))
    return z
