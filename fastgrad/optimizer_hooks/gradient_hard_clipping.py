"""GradientHardClipping: clip every gradient element to [lower, upper]."""
from fastgrad import utils


class GradientHardClipping(object):
    """Optimizer/UpdateRule hook clipping each gradient element to
    ``[lower_bound, upper_bound]``.

    Args:
        lower_bound (float): The lower bound of the gradient value.
        upper_bound (float): The upper bound of the gradient value.

    Attributes:
        lower_bound (float), upper_bound (float): The bounds.
        timing (str): 'pre' (before the update, default) or 'post'.
        call_for_each_param (bool): True: called as ``hook(rule, param)``.

    >>> np.random.seed(0)
    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> optimizer.add_hook(fastgrad.optimizer_hooks.GradientHardClipping(-1.0, 1.0))
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))   # the gradient of W is [-2, -4]
    >>> model.W.array
    array([[ 1.1, -0.9]], dtype=float32)
    """

    name = 'GradientHardClipping'
    call_for_each_param = True
    timing = 'pre'

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def __call__(self, rule, param):
        grad = param.grad if param.array is not None else None
        if grad is None:
            return
        utils.array_module(grad).clip(
            grad, self.lower_bound, self.upper_bound, out=grad)
