"""WeightDecay: ``grad += rate * param`` (L2 regularization)."""


class WeightDecay(object):
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
        rate = self.rate
        loss_scale = getattr(param, '_loss_scale', None)
        if loss_scale is not None:
            # The grad is still scaled: scale the decay to match.
            rate *= loss_scale
        g += rate * p
