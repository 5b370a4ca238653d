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
    label = 'log2'
    _ufunc = 'log2'
    _ln_base = math.log(2.0)


class Log10(_LogBase):
    __slots__ = ()
    label = 'log10'
    _ufunc = 'log10'
    _ln_base = math.log(10.0)


def log2(x):
    """Elementwise base-2 logarithm.

    >>> F.log2(np.array([1., 2., 8.], np.float32)).array
    array([0., 1., 3.], dtype=float32)
    """
    y, = Log2().apply((x,))
    return y


def log10(x):
    """Elementwise base-10 logarithm.

    >>> x = Variable(np.array([1., 10., 100.]))
    >>> F.log10(x).array
    array([0., 1., 2.])
    >>> F.sum(F.log10(x)).backward(); np.round(x.grad, 4)  # 1 / (x ln 10)
    array([0.4343, 0.0434, 0.0043])
    """
    y, = Log10().apply((x,))
    return y
