"""Alex Graves's RMSprop (Graves, 2013, eq. 38-45)::

    n = alpha * n + (1 - alpha) * grad**2
    g = alpha * g + (1 - alpha) * grad
    delta = momentum * delta - lr * grad / sqrt(n - g**2 + eps)
    param += delta
"""
from fastgrad import optimizer, utils

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.lr = 1e-4
_default_hyperparam.alpha = 0.95
_default_hyperparam.momentum = 0.9
_default_hyperparam.eps = 1e-4


class RMSpropGravesRule(optimizer.UpdateRule):
    """Update rule of Graves's RMSprop (states ``n``, ``g``, ``delta``)."""

    is_elementwise = True

    def __init__(self, parent_hyperparam=None, lr=None, alpha=None,
                 momentum=None, eps=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr
        if alpha is not None:
            self.hyperparam.alpha = alpha
        if momentum is not None:
            self.hyperparam.momentum = momentum
        if eps is not None:
            self.hyperparam.eps = eps

    def init_state(self, param):
        xp = utils.array_module(param.array)
        self.state['n'] = xp.zeros_like(param.array)
        self.state['g'] = xp.zeros_like(param.array)
        self.state['delta'] = xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        data = param.array
        if data is None:
            return
        grad = param.grad
        if grad is None:
            return
        hp = self._hp()
        alpha = hp['alpha']
        xp = utils.array_module(data)
        state = self.state
        n = state['n']
        g = state['g']
        delta = state['delta']
        buf = xp.multiply(grad, grad, out=xp.empty_like(data))
        buf *= 1 - alpha
        n *= alpha
        n += buf
        xp.multiply(grad, 1 - alpha, out=buf)
        g *= alpha
        g += buf
        xp.multiply(g, g, out=buf)
        xp.subtract(n, buf, out=buf)
        buf += hp['eps']
        xp.sqrt(buf, out=buf)
        xp.divide(grad, buf, out=buf)
        buf *= hp['lr']
        delta *= hp['momentum']
        delta -= buf
        data += delta

    update_core_gpu = update_core_cpu


class RMSpropGraves(optimizer.GradientMethod):
    """Alex Graves's RMSprop.

    Args:
        lr (float): Learning rate.
        alpha (float): Exponential decay rate of the first and second order
            moments of the raw gradient.
        momentum (float): Exponential decay rate of the first order moment
            of the adjusted gradient.
        eps (float): Small value for numerical stability.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.RMSpropGraves(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[ 1.4587108 , -0.54119873]], dtype=float32)
    """

    def __init__(self, lr=_default_hyperparam.lr, alpha=_default_hyperparam.alpha,
                 momentum=_default_hyperparam.momentum, eps=_default_hyperparam.eps):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.alpha = alpha
        self.hyperparam.momentum = momentum
        self.hyperparam.eps = eps

    lr = optimizer.HyperparameterProxy('lr')
    alpha = optimizer.HyperparameterProxy('alpha')
    momentum = optimizer.HyperparameterProxy('momentum')
    eps = optimizer.HyperparameterProxy('eps')

    def create_update_rule(self):
        return RMSpropGravesRule(self.hyperparam)
