"""gaussian_nll: negative log-likelihood of data under N(mean, exp(ln_var))."""
import math

from fastgrad.functions._util.checks import Checks
from fastgrad.functions.loss import _elementwise_loss

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class GaussianNLL(_elementwise_loss.ElementwiseLoss):
    """Elementwise (ln_var + log 2 pi) / 2 + (x - mean)^2 exp(-ln_var) / 2."""
    __slots__ = ()

    names = ('x', 'mean', 'ln_var')
    checks = Checks('x, mean, ln_var', "x.dtype.kind == 'f'", 'x.dtype == mean.dtype',
                    'x.dtype == ln_var.dtype')

    def loss(self, xs, xp):
        x, mean, ln_var = xs
        d = x - mean
        return ln_var * 0.5 + _HALF_LOG_2PI + d * d * xp.exp(-ln_var) * 0.5

    def grads(self, xs, g, indexes, ns):
        x, mean, ln_var = xs
        d = x - mean
        dp = d * ns.exp(-ln_var)             # (x - mean) / var
        out = []
        for i in indexes:
            if i == 0:
                out.append(g * dp)
            elif i == 1:
                out.append(-(g * dp))
            else:
                out.append(g * ((1 - d * dp) * 0.5))
        return out


def gaussian_nll(x, mean, ln_var, reduce='sum'):
    """Negative log-likelihood of ``x`` under ``N(mean, exp(ln_var))``:
    elementwise ``(ln_var + log(2 pi)) / 2 + (x - mean)^2 / (2 exp(ln_var))``
    (the three inputs broadcast together).  ``reduce`` is ``'sum'`` (a
    scalar, the default), ``'mean'`` (the average over elements) or
    ``'no'``.  All three inputs get gradients.

    >>> x = np.array([1., 3.], dtype=np.float32)
    >>> mean = np.ones(2, dtype=np.float32)
    >>> ln_var = np.zeros(2, dtype=np.float32)
    >>> np.round(F.gaussian_nll(x, mean, ln_var, reduce='no').array, 4)
    array([0.9189, 2.9189], dtype=float32)
    """
    _elementwise_loss.check_reduce('gaussian_nll', reduce, ('sum', 'mean', 'no'))
    x, mean, ln_var = _elementwise_loss.unify_dtypes((x, mean, ln_var))
    y, = GaussianNLL(reduce).apply((x, mean, ln_var))
    return y
