"""gelu(x) = x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2)))."""
import math

import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


_erf_by_module = {}


def _erf(x, xp):
    erf = _erf_by_module.get(xp)
    if erf is None:
        # Imported on first use: scipy.special is slow to import with fastgrad.
        if xp is numpy:
            from scipy.special import erf
        else:
            from cupyx.scipy.special import erf
        _erf_by_module[xp] = erf
    if x.dtype == numpy.float16:   # erf has no float16 kernel; keep the dtype
        return erf(x.astype(numpy.float32)).astype(numpy.float16)
    return erf(x)


def _cdf(x, xp):
    """Standard normal CDF, 0.5 * (1 + erf(x / sqrt(2)))."""
    c = _erf(x * _INV_SQRT2, xp)
    c += 1
    c *= 0.5
    return c


def _pdf(x, xp):
    """Standard normal density, exp(-x^2 / 2) / sqrt(2 pi)."""
    p = utils.force_array(x * x)     # an array (not a 0-d scalar) for out=
    p *= -0.5
    xp.exp(p, out=p)
    p *= _INV_SQRT_2PI
    return p


class _NormalCDF(Op):
    """Phi(x); only used to keep GELU's gradient differentiable."""
    __slots__ = ()
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return utils.force_array(_cdf(x, utils.array_module(x)), x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        return grad_outputs[0] * (ns.exp(x * x * -0.5) * _INV_SQRT_2PI),


class GELU(Op):
    __slots__ = ()
    checks = Checks('x', "x.dtype.kind == 'f'")
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        y = _cdf(x, utils.array_module(x))
        y *= x
        self.retain_inputs((0,))
        return utils.force_array(y, x.dtype),   # NumPy < 2 upcasts 0-d operands

    def gradient(self, ns, indexes, grad_outputs):
        # d/dx x Phi(x) = Phi(x) + x phi(x)
        x, = ns.inputs(self)
        cdf, = ns.call(_NormalCDF(), (x,))
        pdf = ns.exp(x * x * -0.5) * _INV_SQRT_2PI
        return grad_outputs[0] * (cdf + x * pdf),


def gelu(x):
    """Gaussian error linear unit, ``x * Phi(x)`` with the exact (erf) CDF.

    >>> x = np.array([[-1., 0., 2.]], dtype=np.float32)
    >>> F.gelu(x).array
    array([[-0.15865526,  0.        ,  1.9544997 ]], dtype=float32)
    """
    y, = GELU().apply((x,))
    return y
