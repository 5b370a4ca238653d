"""Special functions: the error function family, the normal distribution's
CDF and quantile, log-gamma, digamma, polygamma and Hurwitz zeta.

Values come from ``scipy.special`` (``cupyx.scipy.special`` for CuPy arrays).
Each op is one row: its SciPy name and its derivative written with
differentiable functions, so one definition serves backward and double
backward."""
import math

import numpy

from fastgrad import utils
from fastgrad._core.graph import FunctionNode

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _special_module(x):
    if isinstance(x, numpy.ndarray):
        import scipy.special
        return scipy.special
    import cupyx.scipy.special
    return cupyx.scipy.special


def _check_float(label, name, x):
    if x.dtype.kind != 'f':
        raise utils.invalid_type(label, "{}.dtype.kind == 'f'".format(name),
                                 '{}.dtype = {}'.format(name, x.dtype))


class _Elementwise(FunctionNode):
    """``y = scipy.special.<scipy_name>(x)``; ``derivative(x, y)`` gives dy/dx
    with fastgrad functions (x and y are Variables)."""

    _graph_closed = True    # arrays and scalars only: off the cycle collector
    __slots__ = ()
    is_elementwise = True
    scipy_name = None

    def forward(self, inputs):
        x, = inputs
        _check_float(type(self).__name__, 'x', x)
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        y = getattr(_special_module(x), self.scipy_name)(x)
        return utils.force_array(y.astype(x.dtype, copy=False)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        return grad_outputs[0] * self.derivative(x, y),

    @staticmethod
    def derivative(x, y):
        raise NotImplementedError


def _op(name, scipy_name, derivative, doc):
    cls = type(name, (_Elementwise,), {
        '__slots__': (), 'scipy_name': scipy_name,
        'derivative': staticmethod(derivative), '__doc__': doc})

    def apply(x):
        y, = cls().apply((x,))
        return y
    apply.__doc__ = doc
    return cls, apply


def _exp(v):
    from fastgrad.functions.math.exponential import exp
    return exp(v)


Erf, erf = _op('Erf', 'erf', lambda x, y: (2 / _SQRT_PI) * _exp(-x * x),
               'Elementwise error function.')
Erfc, erfc = _op('Erfc', 'erfc', lambda x, y: (-2 / _SQRT_PI) * _exp(-x * x),
                 'Elementwise complementary error function 1 - erf(x).')
Erfcx, erfcx = _op('Erfcx', 'erfcx', lambda x, y: 2 * x * y - 2 / _SQRT_PI,
                   'Elementwise scaled complementary error function exp(x^2) erfc(x).')
ErfInv, erfinv = _op('ErfInv', 'erfinv', lambda x, y: (_SQRT_PI / 2) * _exp(y * y),
                     'Elementwise inverse error function.')
ErfcInv, erfcinv = _op('ErfcInv', 'erfcinv', lambda x, y: (-_SQRT_PI / 2) * _exp(y * y),
                       'Elementwise inverse complementary error function.')
Ndtr, ndtr = _op('Ndtr', 'ndtr', lambda x, y: _exp(-0.5 * x * x) / _SQRT_2PI,
                 'Elementwise CDF of the standard normal distribution.')
Ndtri, ndtri = _op('Ndtri', 'ndtri', lambda x, y: _SQRT_2PI * _exp(0.5 * y * y),
                   'Elementwise quantile (inverse CDF) of the standard normal.')
# d/dx log(ndtr(x)) = pdf/cdf, written with erfcx so that it stays finite far
# into the left tail where both pdf and cdf underflow.
LogNdtr, log_ndtr = _op('LogNdtr', 'log_ndtr',
                        lambda x, y: math.sqrt(2 / math.pi) / erfcx(-x / _SQRT_2),
                        'Elementwise log of the standard normal CDF.')
LGamma, lgamma = _op('LGamma', 'gammaln', lambda x, y: digamma(x),
                     'Elementwise log of the absolute value of the gamma function.')
DiGamma, digamma = _op('DiGamma', 'digamma', lambda x, y: polygamma(1, x),
                       'Elementwise digamma function (derivative of lgamma).')


class PolyGamma(FunctionNode):
    """``polygamma(n, x)``: the n-th derivative of digamma; n is an integer
    array (not differentiated)."""

    _graph_closed = True
    __slots__ = ()

    def forward(self, inputs):
        n, x = inputs
        if n.dtype.kind not in 'iu':
            raise utils.invalid_type('PolyGamma', "n.dtype.kind in 'iu'",
                                     'n.dtype = {}'.format(n.dtype))
        _check_float('PolyGamma', 'x', x)
        self.retain_inputs((0, 1))
        y = _special_module(x).polygamma(n, x)
        return utils.force_array(y.astype(x.dtype, copy=False)),

    def backward(self, indexes, grad_outputs):
        n, x = self.get_retained_inputs()
        return None, grad_outputs[0] * polygamma(n.array + 1, x)


def polygamma(n, x):
    """Elementwise polygamma function of order ``n`` (int array or scalar)."""
    from fastgrad import backend
    xa = x.array if hasattr(x, 'array') else x
    xp = backend.get_array_module(xa)
    n = xp.asarray(n.array if hasattr(n, 'array') else n)
    if n.dtype.kind == 'f' and bool((n == xp.floor(n)).all()):
        n = n.astype(numpy.int64)
    n = xp.broadcast_to(n, xp.broadcast_shapes(n.shape, xp.shape(xa)))
    y, = PolyGamma().apply((n, x))
    return y


class Zeta(FunctionNode):
    """Hurwitz zeta ``zeta(x, q)``, differentiable in ``q`` (``x`` is a
    constant array, as in Chainer)."""

    __slots__ = ('x',)
    _graph_closed = True

    def __init__(self, x):
        self.x = x

    def forward(self, inputs):
        q, = inputs
        _check_float('Zeta', 'q', q)
        self.retain_inputs((0,))
        y = _special_module(q).zeta(self.x, q)
        return utils.force_array(y.astype(q.dtype, copy=False)),

    def backward(self, indexes, grad_outputs):
        q, = self.get_retained_inputs()
        return grad_outputs[0] * -self.x * zeta(self.x + 1, q),


def zeta(x, q):
    """Elementwise Hurwitz zeta function sum_k (k + q)^-x; ``x`` is a
    constant array or scalar, gradients flow to ``q``."""
    x = x.array if hasattr(x, 'array') else x
    y, = Zeta(x).apply((q,))
    return y
