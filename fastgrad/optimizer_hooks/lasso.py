"""Lasso: ``grad += rate * sign(param)`` (L1 regularization)."""
from fastgrad import utils
from fastgrad.optimizer_hooks._penalty import GradientPenalty


class Lasso(GradientPenalty):
    """Optimizer/UpdateRule hook adding ``rate * sign(param)`` to each
    gradient.

    Args:
        rate (float): Coefficient of the L1 penalty.

    Attributes:
        rate (float): Coefficient of the L1 penalty.
        timing (str): 'pre' (before the update, default) or 'post'.
        call_for_each_param (bool): True: called as ``hook(rule, param)``.

    >>> np.random.seed(0)
    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> optimizer.add_hook(fastgrad.optimizer_hooks.Lasso(0.1))
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))   # the gradient of W is [-2, -4]
    >>> model.W.array
    array([[ 1.19      , -0.59000003]], dtype=float32)
    """

    name = 'Lasso'

    def penalty(self, p):
        return utils.array_module(p).sign(p)
