"""Lasso: ``grad += rate * sign(param)`` (L1 regularization)."""
from fastgrad import utils


class Lasso(object):
    """Optimizer/UpdateRule hook adding ``rate * sign(param)`` to each
    gradient.

    Args:
        rate (float): Coefficient of the L1 penalty.

    Attributes:
        rate (float): Coefficient of the L1 penalty.
        timing (str): 'pre' (before the update, default) or 'post'.
        call_for_each_param (bool): True: called as ``hook(rule, param)``.
    """

    name = 'Lasso'
    call_for_each_param = True
    timing = 'pre'

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, rule, param):
        p = param.array
        if p is None:
            return
        g = param.grad
        if g is None:
            return
        xp = utils.array_module(p)
        sign = xp.sign(p)
        sign *= self.rate
        g += sign
