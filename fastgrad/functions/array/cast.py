"""cast to another dtype."""
import numpy

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
    """Cast ``x`` to dtype ``typ``; returns ``x`` itself if it already has it.

    >>> x = np.array([1.5, 2.5], dtype=np.float32)
    >>> F.cast(x, np.float64).dtype
    dtype('float64')
    """
    dtype = numpy.dtype(typ)
    if x.dtype == dtype:
        return x if isinstance(x, Variable) else Variable(x, requires_grad=False)
    y, = Cast(dtype).apply((x,))
    return y
