"""bernoulli_nll: negative log-likelihood of data under Bernoulli(sigmoid(y))."""
from fastgrad.functions._util.checks import Checks
from fastgrad.functions.loss import _elementwise_loss


class BernoulliNLL(_elementwise_loss.ElementwiseLoss):
    """Elementwise softplus(y) - x y."""
    __slots__ = ()

    names = ('x', 'y')
    checks = Checks('x, y', "x.dtype.kind == 'f'", 'x.dtype == y.dtype')

    def loss(self, xs, xp):
        x, y = xs
        # softplus(y) = max(y, 0) + log(1 + exp(-|y|)), which never overflows
        return xp.maximum(y, 0) + xp.log1p(xp.exp(-abs(y))) - x * y

    def grads(self, xs, g, indexes, ns):
        x, y = xs
        return [-g * y if i == 0 else g * (ns.sigmoid(y) - x) for i in indexes]


def bernoulli_nll(x, y, reduce='sum'):
    """Negative log-likelihood of ``x`` (data in [0, 1], usually 0/1) under a
    Bernoulli distribution with logits ``y`` (probabilities sigmoid(y)):
    elementwise ``softplus(y) - x * y``.  ``reduce`` is ``'sum'`` (a scalar,
    the default), ``'mean'`` (the average over elements) or ``'no'``.  Both
    inputs get gradients.

    >>> x = np.array([[1., 0.]], dtype=np.float32)
    >>> y = np.zeros((1, 2), dtype=np.float32)
    >>> np.round(F.bernoulli_nll(x, y, reduce='no').array, 4)
    array([[0.6931, 0.6931]], dtype=float32)
    >>> round(float(F.bernoulli_nll(x, y).array), 4)
    1.3863
    """
    _elementwise_loss.check_reduce('bernoulli_nll', reduce, ('sum', 'mean', 'no'))
    x, y = _elementwise_loss.unify_dtypes((x, y))
    out, = BernoulliNLL(reduce).apply((x, y))
    return out
