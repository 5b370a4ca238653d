"""SMORMS3 (Simon Funk, 2015)::

    r = 1 / (mem + 1)
    g = (1 - r) * g + r * grad
    g2 = (1 - r) * g2 + r * grad**2
    x = g**2 / (g2 + eps)
    param -= grad * min(lr, x) / (sqrt(g2) + eps)
    mem = 1 + mem * (1 - x)
"""
from fastgrad import optimizer, utils

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.lr = 0.001
_default_hyperparam.eps = 1e-16


class SMORMS3Rule(optimizer.UpdateRule):
    """Update rule of SMORMS3 (states ``mem``, ``g``, ``g2``)."""

    is_elementwise = True

    def __init__(self, parent_hyperparam=None, lr=None, eps=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr
        if eps is not None:
            self.hyperparam.eps = eps

    def init_state(self, param):
        xp = utils.array_module(param.array)
        self.state['mem'] = xp.ones_like(param.array)
        self.state['g'] = xp.zeros_like(param.array)
        self.state['g2'] = xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        data = param.array
        if data is None:
            return
        grad = param.grad
        if grad is None:
            return
        hp = self._hp()
        eps = hp['eps']
        xp = utils.array_module(data)
        state = self.state
        mem = state['mem']
        g = state['g']
        g2 = state['g2']
        r = xp.add(mem, 1, out=xp.empty_like(data))
        xp.reciprocal(r, out=r)
        # g += r * (grad - g), g2 += r * (grad**2 - g2)
        buf = xp.subtract(grad, g, out=xp.empty_like(data))
        buf *= r
        g += buf
        xp.multiply(grad, grad, out=buf)
        buf -= g2
        buf *= r
        g2 += buf
        x = r
        xp.multiply(g, g, out=x)
        xp.add(g2, eps, out=buf)
        x /= buf
        # mem = 1 + mem * (1 - x) = mem - mem * x + 1
        xp.multiply(mem, x, out=buf)
        mem -= buf
        mem += 1
        xp.minimum(x, hp['lr'], out=x)
        x *= grad
        xp.sqrt(g2, out=buf)
        buf += eps
        x /= buf
        data -= x

    update_core_gpu = update_core_cpu


class SMORMS3(optimizer.GradientMethod):
    """Simon Funk's SMORMS3.

    Args:
        lr (float): Learning rate.
        eps (float): Small value for numerical stability.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.SMORMS3(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[ 1.1414213, -0.8585786]], dtype=float32)
    """

    def __init__(self, lr=_default_hyperparam.lr, eps=_default_hyperparam.eps):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.eps = eps

    lr = optimizer.HyperparameterProxy('lr')
    eps = optimizer.HyperparameterProxy('eps')

    def create_update_rule(self):
        return SMORMS3Rule(self.hyperparam)
