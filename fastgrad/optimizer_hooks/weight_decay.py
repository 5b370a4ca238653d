"""WeightDecay: ``grad += rate * param`` (L2 regularization)."""
from fastgrad.optimizer_hooks._penalty import GradientPenalty


class WeightDecay(GradientPenalty):
    """Optimizer/UpdateRule hook adding ``rate * param`` to each gradient.

    Args:
        rate (float): Coefficient of the weight decay.

    Attributes:
        rate (float): Coefficient of the weight decay.
        timing (str): 'pre' (before the update, default) or 'post'.
        call_for_each_param (bool): True: called as ``hook(rule, param)``.

    >>> np.random.seed(0)
    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> optimizer.add_hook(fastgrad.optimizer_hooks.WeightDecay(0.1))
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))   # the gradient of W is [-2, -4]
    >>> model.W.array
    array([[ 1.19      , -0.59000003]], dtype=float32)
    """

    name = 'WeightDecay'

    def penalty(self, p):
        return p
