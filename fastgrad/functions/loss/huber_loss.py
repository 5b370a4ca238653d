"""huber_loss: squared error near zero, absolute error beyond delta."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class HuberLoss(Op):
    """l(d) = d^2 / 2 for |d| <= delta, delta (|d| - delta / 2) beyond."""
    __slots__ = ('delta', 'reduce')
    # the sum along axis 1 needs an axis 1
    checks = Checks('x, t', "x.dtype.kind == 'f'", 'x.dtype == t.dtype', 'x.shape == t.shape',
                    "self.reduce != 'sum_along_second_axis' or x.ndim >= 2")

    def __init__(self, delta, reduce='sum_along_second_axis'):
        self.delta = delta
        self.reduce = reduce

    def forward(self, inputs):
        x, t = inputs
        xp = utils.array_module(x)
        ct = numpy.float32 if x.dtype == numpy.float16 else x.dtype
        d = x.astype(ct) - t.astype(ct)
        a = abs(d)
        delta = self.delta
        y = xp.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))
        self.retain_inputs((0, 1))
        if self.reduce == 'sum_along_second_axis':
            y = y.sum(axis=1)
        return utils.force_array(y, x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        x, t = ns.inputs(self)
        diff = x - t
        d = ns.data(diff)
        # clip(diff, -delta, delta) as diff inside plus the constant
        # delta * sign(diff) outside (the second derivative is 0 there)
        inside = abs(d) <= self.delta
        outside = utils.array_module(d).clip(d, -self.delta, self.delta) * ~inside
        clipped = diff * inside.astype(d.dtype) + outside
        gy = grad_outputs[0]
        if self.reduce == 'sum_along_second_axis':
            gy = ns.expand_dims(gy, 1)
        g = clipped * gy
        return tuple(g if i == 0 else -g for i in indexes)

def huber_loss(x, t, delta, reduce='sum_along_second_axis'):
    """Huber loss of ``x - t`` with threshold ``delta``.

    Elementwise ``d^2 / 2`` where ``|d| <= delta`` and
    ``delta * (|d| - delta / 2)`` elsewhere.  ``reduce`` is
    ``'sum_along_second_axis'`` (the default: summed over axis 1, so x needs
    ndim >= 2) or ``'no'`` (elementwise).  Both inputs get gradients.

    >>> x = np.array([[0., 0.5, 3.]], dtype=np.float32)
    >>> t = np.zeros((1, 3), dtype=np.float32)
    >>> F.huber_loss(x, t, delta=1., reduce='no').array
    array([[0.   , 0.125, 2.5  ]], dtype=float32)
    >>> F.huber_loss(x, t, delta=1.).array
    array([2.625], dtype=float32)
    """
    if reduce not in ('sum_along_second_axis', 'no'):
        raise ValueError("huber_loss: only 'sum_along_second_axis' and 'no' are valid for "
                         "'reduce', but '{}' is given".format(reduce))
    if delta < 0:
        raise ValueError('huber_loss: delta must be >= 0, got {}'.format(delta))
    y, = HuberLoss(delta, reduce).apply((x, t))
    return y
