"""GradientLARS: layer-wise adaptive rate scaling (You et al., 2017)."""
from fastgrad import utils


class GradientLARS(object):
    """Optimizer/UpdateRule hook scaling each gradient (plus weight decay) by
    ``|w| / (eps + |g| + weight_decay * |w|)`` when ``|w| > threshold``::

        g = (g + weight_decay * w) * rate

    Args:
        threshold (float): The weight norm above which the gradient is
            rescaled.
        weight_decay (float): Coefficient of the weight decay.
        eps (float): Small value for numerical stability.

    Attributes:
        timing (str): 'pre' (before the update, default) or 'post'.
        call_for_each_param (bool): True: called as ``hook(rule, param)``.

    >>> np.random.seed(0)
    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> optimizer.add_hook(fastgrad.optimizer_hooks.GradientLARS())
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))   # the gradient of W is [-2, -4]
    >>> model.W.array
    array([[ 1.0632455, -0.8735089]], dtype=float32)
    """

    name = 'GradientLARS'
    call_for_each_param = True
    timing = 'pre'

    def __init__(self, threshold=1e-2, weight_decay=0.0, eps=1e-9):
        self.threshold = threshold
        self.weight_decay = weight_decay
        self.eps = eps

    def __call__(self, rule, param):
        p = param.array
        if p is None:
            return
        g = param.grad
        if g is None:
            return
        xp = utils.array_module(p)
        p_norm = xp.linalg.norm(p)
        g_norm = xp.linalg.norm(g)
        local_rate = p_norm / (self.eps + g_norm + self.weight_decay * p_norm)
        rate = xp.where(p_norm > self.threshold, local_rate, 1.0)
        if self.weight_decay:
            g += self.weight_decay * p
        g *= rate.astype(g.dtype, copy=False)
