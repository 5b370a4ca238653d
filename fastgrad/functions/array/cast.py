"""cast to another dtype."""
import numpy

from fastgrad import configuration
from fastgrad._core.graph import Variable
from fastgrad.functions._util.recipe import Op


class Cast(Op):
    __slots__ = ('type', '_in_type')

    def __init__(self, typ):
        self.type = numpy.dtype(typ)

    def forward(self, inputs):
        x, = inputs
        self._in_type = x.dtype
        return x.astype(self.type, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.cast(grad_outputs[0], self._in_type),


def cast(x, typ):
    """Cast ``x`` to dtype ``typ``.

    A cast to the dtype ``x`` already has still makes a new node (its output
    shares ``x``'s array), so that two casts of one Variable get gradients of
    their own, as in Chainer; with backprop disabled it returns ``x`` itself
    (an array wrapped in a Variable).

    >>> x = np.array([1.5, 2.5], dtype=np.float32)
    >>> F.cast(x, np.float64).dtype
    dtype('float64')
    """
    dtype = numpy.dtype(typ)
    if x.dtype == dtype and not configuration.config.enable_backprop:
        return x if isinstance(x, Variable) else Variable(x, requires_grad=False)
    y, = Cast(dtype).apply((x,))
    return y
