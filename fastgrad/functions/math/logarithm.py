"""log2 and log10 (Chainer keeps them next to log; exponential.py is not ours)."""
import math

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class _LogBase(Op):
    """log_b(x); subclasses set the ufunc name and ln(b)."""
    __slots__ = ()
    is_elementwise = True
    checks = Checks('x', "x.dtype.kind == 'f'")
    _ufunc = None
    _ln_base = None

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return utils.force_array(getattr(utils.array_module(x), self._ufunc)(x)),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        return grad_outputs[0] / (x * utils.scalar(self._ln_base, ns.data(x).dtype)),


class Log2(_LogBase):
    __slots__ = ()
    _ufunc = 'log2'
    _ln_base = math.log(2.0)


class Log10(_LogBase):
    __slots__ = ()
    _ufunc = 'log10'
    _ln_base = math.log(10.0)


def log2(x):
    """Elementwise base-2 logarithm."""
    y, = Log2().apply((x,))
    return y


def log10(x):
    """Elementwise base-10 logarithm."""
    y, = Log10().apply((x,))
    return y
