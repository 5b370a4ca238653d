"""gaussian_kl_divergence: KL(N(mean, exp(ln_var)) || N(0, 1))."""
from fastgrad.functions._util.checks import Checks
from fastgrad.functions.loss import _elementwise_loss


class GaussianKLDivergence(_elementwise_loss.ElementwiseLoss):
    """Elementwise (mean^2 + exp(ln_var) - ln_var - 1) / 2."""
    __slots__ = ()

    names = ('mean', 'ln_var')
    checks = Checks('mean, ln_var', "mean.dtype.kind == 'f'", 'mean.dtype == ln_var.dtype')

    def loss(self, xs, xp):
        mean, ln_var = xs
        return (mean * mean + xp.exp(ln_var) - ln_var - 1) * 0.5

    def grads(self, xs, g, indexes, ns):
        mean, ln_var = xs
        return [g * mean if i == 0 else g * ((ns.exp(ln_var) - 1) * 0.5) for i in indexes]


def gaussian_kl_divergence(mean, ln_var, reduce='sum'):
    """KL divergence of ``N(mean, exp(ln_var))`` from the standard normal,
    elementwise ``(mean^2 + exp(ln_var) - ln_var - 1) / 2`` (``mean`` and
    ``ln_var`` broadcast together).  ``reduce`` is ``'sum'`` (a scalar, the
    default), ``'mean'`` (the average over elements) or ``'no'``.

    >>> mean = np.array([0., 2.], dtype=np.float32)
    >>> ln_var = np.zeros(2, dtype=np.float32)
    >>> F.gaussian_kl_divergence(mean, ln_var, reduce='no').array
    array([0., 2.], dtype=float32)
    >>> float(F.gaussian_kl_divergence(mean, ln_var).array)
    2.0
    """
    _elementwise_loss.check_reduce('gaussian_kl_divergence', reduce, ('sum', 'mean', 'no'))
    mean, ln_var = _elementwise_loss.unify_dtypes((mean, ln_var))
    y, = GaussianKLDivergence(reduce).apply((mean, ln_var))
    return y
