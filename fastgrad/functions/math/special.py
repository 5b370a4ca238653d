"""Special functions: the error function family, the normal distribution's
CDF and quantile, log-gamma, digamma, polygamma and Hurwitz zeta.

Values come from ``scipy.special`` (``cupyx.scipy.special`` for CuPy arrays).
Each op is one row: its SciPy name and its derivative written once against
the gradient namespace (``ns.exp``; another special function through
``ns.call``), so one definition serves backward and double backward."""
import math

import numpy

from fastgrad import utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _special_module(x):
    if isinstance(x, numpy.ndarray):
        import scipy.special
        return scipy.special
    import cupyx.scipy.special
    return cupyx.scipy.special


def _c(ns, like, value):
    """A constant that keeps ``like``'s dtype (utils.scalar)."""
    return utils.scalar(value, ns.data(like).dtype)


def _call(ns, op, *inputs):
    # raw inputs: NumPy turns 0-d results into scalars, an op takes arrays
    return ns.call(op, [x if isinstance(x, Variable) else utils.force_array(x)
                        for x in inputs])[0]


class _Elementwise(Op):
    """``y = scipy.special.<scipy_name>(x)``; ``derivative(ns, x, y)`` gives
    dy/dx against the gradient namespace."""

    __slots__ = ()
    is_elementwise = True
    checks = Checks('x', "x.dtype.kind == 'f'")
    scipy_name = None

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        y = getattr(_special_module(x), self.scipy_name)(x)
        return utils.force_array(y.astype(x.dtype, copy=False)),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        y, = ns.outputs(self)
        return grad_outputs[0] * self.derivative(ns, x, y),

    @staticmethod
    def derivative(ns, x, y):
        raise NotImplementedError


def _op(name, scipy_name, derivative, doc, label=None):
    cls = type(name, (_Elementwise,), {
        '__slots__': (), 'scipy_name': scipy_name, 'label': label or scipy_name,
        'derivative': staticmethod(derivative), '__doc__': doc,
        '__module__': __name__})

    def apply(x):
        y, = cls().apply((x,))
        return y
    apply.__doc__ = doc
    return cls, apply


Erf, erf = _op('Erf', 'erf',
               lambda ns, x, y: _c(ns, x, 2 / _SQRT_PI) * ns.exp(-x * x),
               """Elementwise error function.

               >>> x = Variable(np.array([0., 0.5, 1.], np.float32))
               >>> np.round(F.erf(x).array, 4)
               array([0.    , 0.5205, 0.8427], dtype=float32)
               >>> F.sum(F.erf(x)).backward(); np.round(x.grad, 4)  # 2 exp(-x^2) / sqrt(pi)
               array([1.1284, 0.8788, 0.4151], dtype=float32)
               """)
Erfc, erfc = _op('Erfc', 'erfc',
                 lambda ns, x, y: _c(ns, x, -2 / _SQRT_PI) * ns.exp(-x * x),
                 """Elementwise complementary error function 1 - erf(x).

                 >>> np.round(F.erfc(np.array([0., 0.5, 1.], np.float32)).array, 4)
                 array([1.    , 0.4795, 0.1573], dtype=float32)
                 """)
Erfcx, erfcx = _op('Erfcx', 'erfcx',
                   lambda ns, x, y: 2 * x * y - _c(ns, x, 2 / _SQRT_PI),
                   """Elementwise scaled complementary error function exp(x^2) erfc(x).

                   It stays finite where ``erfc(x)`` underflows and ``exp(x^2)`` overflows.

                   >>> np.round(F.erfcx(np.array([0., 1., 10.], np.float32)).array, 4)
                   array([1.    , 0.4276, 0.0561], dtype=float32)
                   """)
ErfInv, erfinv = _op('ErfInv', 'erfinv',
                     lambda ns, x, y: _c(ns, x, _SQRT_PI / 2) * ns.exp(y * y),
                     """Elementwise inverse error function.

                     >>> np.round(F.erfinv(np.array([-0.5, 0.5], np.float32)).array, 4)
                     array([-0.4769,  0.4769], dtype=float32)
                     """)
ErfcInv, erfcinv = _op('ErfcInv', 'erfcinv',
                       lambda ns, x, y: _c(ns, x, -_SQRT_PI / 2) * ns.exp(y * y),
                       """Elementwise inverse complementary error function.

                       >>> np.round(F.erfcinv(np.array([0.5, 1.5], np.float32)).array, 4)
                       array([ 0.4769, -0.4769], dtype=float32)
                       """)
Ndtr, ndtr = _op('Ndtr', 'ndtr',
                 lambda ns, x, y: ns.exp(x * x * _c(ns, x, -0.5)) / _c(ns, x, _SQRT_2PI),
                 """Elementwise CDF of the standard normal distribution.

                 >>> np.round(F.ndtr(np.array([0., 1., 1.96], np.float32)).array, 4)
                 array([0.5   , 0.8413, 0.975 ], dtype=float32)
                 """)
Ndtri, ndtri = _op('Ndtri', 'ndtri',
                   lambda ns, x, y: _c(ns, x, _SQRT_2PI) * ns.exp(y * y * _c(ns, x, 0.5)),
                   """Elementwise quantile (inverse CDF) of the standard normal.

                   >>> np.round(F.ndtri(np.array([0.025, 0.975], np.float32)).array, 4)
                   array([-1.96,  1.96], dtype=float32)
                   """)
# d/dx log(ndtr(x)) = pdf/cdf, written with erfcx so that it stays finite far
# into the left tail where both pdf and cdf underflow.
LogNdtr, log_ndtr = _op(
    'LogNdtr', 'log_ndtr',
    lambda ns, x, y: _c(ns, x, math.sqrt(2 / math.pi)) / _call(
        ns, Erfcx(), -x / _c(ns, x, _SQRT_2)),
    """Elementwise log of the standard normal CDF.

    It and its gradient stay finite far into the left tail, where
    ``log(ndtr(x))`` would be ``log(0)``.

    >>> x = Variable(np.array([-40.]))
    >>> np.round(F.log_ndtr(x).array, 2)
    array([-804.61])
    >>> F.log_ndtr(x).backward(); np.round(x.grad, 3)
    array([40.025])
    """)
LGamma, lgamma = _op('LGamma', 'gammaln', lambda ns, x, y: _call(ns, DiGamma(), x),
                     """Elementwise log of the absolute value of the gamma function.

                     >>> x = Variable(np.array([0.5, 3., 5.], np.float32))
                     >>> np.round(F.lgamma(x).array, 4)  # log(sqrt(pi)), log(2), log(24)
                     array([0.5724, 0.6931, 3.1781], dtype=float32)
                     >>> F.sum(F.lgamma(x)).backward(); np.round(x.grad, 4)  # digamma(x)
                     array([-1.9635,  0.9228,  1.5061], dtype=float32)
                     """, label='lgamma')
DiGamma, digamma = _op(
    'DiGamma', 'digamma',
    lambda ns, x, y: _call(ns, PolyGamma(), _orders(ns.data(x), 1), x),
    """Elementwise digamma function (derivative of lgamma).

    >>> x = Variable(np.array([1., 2.], np.float32))
    >>> np.round(F.digamma(x).array, 4)  # -(Euler's gamma), 1 - (Euler's gamma)
    array([-0.5772,  0.4228], dtype=float32)
    >>> F.sum(F.digamma(x)).backward(); np.round(x.grad, 4)  # polygamma(1, x)
    array([1.6449, 0.6449], dtype=float32)
    """)


def _orders(x, n):
    """The order-n array of polygamma for x (int64, x's shape, x's array module)."""
    return utils.array_module(x).full(x.shape, n, numpy.int64)


class PolyGamma(Op):
    """``polygamma(n, x)``: the n-th derivative of digamma; n is an integer
    array (not differentiated)."""

    __slots__ = ()
    label = 'polygamma'
    checks = Checks('n, x', "n.dtype.kind in 'iu'", "x.dtype.kind == 'f'")

    def forward(self, inputs):
        n, x = inputs
        self.retain_inputs((0, 1))
        y = _special_module(x).polygamma(n, x)
        return utils.force_array(y.astype(x.dtype, copy=False)),

    def gradient(self, ns, indexes, grad_outputs):
        n, x = ns.inputs(self)
        g = grad_outputs[0] * _call(ns, PolyGamma(), ns.data(n) + 1, x)
        return tuple(g if i == 1 else None for i in indexes)


def polygamma(n, x):
    """Elementwise polygamma function of order ``n`` (int array or scalar).

    ``polygamma(0, x)`` is digamma; ``n`` broadcasts against ``x`` and is not
    differentiated.

    >>> x = np.array([1., 2.], np.float32)
    >>> np.round(F.polygamma(1, x).array, 4)  # pi^2 / 6, pi^2 / 6 - 1
    array([1.6449, 0.6449], dtype=float32)
    >>> np.round(F.polygamma(np.array([0, 1]), np.array([1., 1.], np.float32)).array, 4)
    array([-0.5772,  1.6449], dtype=float32)
    """
    from fastgrad import backend
    xa = x.array if hasattr(x, 'array') else x
    xp = backend.get_array_module(xa)
    n = xp.asarray(n.array if hasattr(n, 'array') else n)
    if n.dtype.kind == 'f' and bool((n == xp.floor(n)).all()):
        n = n.astype(numpy.int64)
    n = xp.broadcast_to(n, xp.broadcast_shapes(n.shape, xp.shape(xa)))
    y, = PolyGamma().apply((n, x))
    return y


class Zeta(Op):
    """Hurwitz zeta ``zeta(x, q)``, differentiable in ``q`` (``x`` is a
    constant array, as in Chainer)."""

    __slots__ = ('x',)
    label = 'zeta'
    checks = Checks('q', "q.dtype.kind == 'f'")

    def __init__(self, x):
        self.x = x

    def forward(self, inputs):
        q, = inputs
        self.retain_inputs((0,))
        y = _special_module(q).zeta(self.x, q)
        return utils.force_array(y.astype(q.dtype, copy=False)),

    def gradient(self, ns, indexes, grad_outputs):
        q, = ns.inputs(self)
        qd = ns.data(q)
        minus_x = utils.array_module(qd).asarray(-self.x, dtype=qd.dtype)   # q's dtype
        return grad_outputs[0] * minus_x * _call(ns, Zeta(self.x + 1), q),


def zeta(x, q):
    """Elementwise Hurwitz zeta function sum_k (k + q)^-x; ``x`` is a
    constant array or scalar, gradients flow to ``q``.

    >>> q = Variable(np.array([1., 2.], np.float32))
    >>> np.round(F.zeta(2., q).array, 4)  # pi^2 / 6, pi^2 / 6 - 1
    array([1.6449, 0.6449], dtype=float32)
    >>> F.sum(F.zeta(2., q)).backward(); np.round(q.grad, 4)  # -2 zeta(3, q)
    array([-2.4041, -0.4041], dtype=float32)
    """
    x = x.array if hasattr(x, 'array') else x
    y, = Zeta(x).apply((q,))
    return y
