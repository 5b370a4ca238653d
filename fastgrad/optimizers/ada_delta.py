"""AdaDelta (Zeiler, 2012)::

    msg = rho * msg + (1 - rho) * grad**2
    dx = sqrt((msdx + eps) / (msg + eps)) * grad
    msdx = rho * msdx + (1 - rho) * dx**2
    param -= dx
"""
from fastgrad import optimizer, utils

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.rho = 0.95
_default_hyperparam.eps = 1e-6


class AdaDeltaRule(optimizer.UpdateRule):
    """Update rule of AdaDelta (states ``msg`` and ``msdx``)."""

    is_elementwise = True

    def __init__(self, parent_hyperparam=None, rho=None, eps=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if rho is not None:
            self.hyperparam.rho = rho
        if eps is not None:
            self.hyperparam.eps = eps

    def init_state(self, param):
        xp = utils.array_module(param.array)
        self.state['msg'] = xp.zeros_like(param.array)
        self.state['msdx'] = xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        data = param.array
        if data is None:
            return
        grad = param.grad
        if grad is None:
            return
        hp = self._hp()
        rho = hp['rho']
        eps = hp['eps']
        xp = utils.array_module(data)
        state = self.state
        msg = state['msg']
        msdx = state['msdx']
        dx = xp.multiply(grad, grad, out=xp.empty_like(data))
        dx *= 1 - rho
        msg *= rho
        msg += dx
        buf = xp.add(msdx, eps, out=xp.empty_like(data))
        xp.add(msg, eps, out=dx)
        xp.divide(buf, dx, out=dx)
        xp.sqrt(dx, out=dx)
        dx *= grad
        data -= dx
        xp.multiply(dx, dx, out=buf)
        buf *= 1 - rho
        msdx *= rho
        msdx += buf

    update_core_gpu = update_core_cpu


class AdaDelta(optimizer.GradientMethod):
    """AdaDelta.

    Args:
        rho (float): Exponential decay rate of the first and second order
            moments.
        eps (float): Small value for numerical stability.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.AdaDelta()
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[ 1.0044721 , -0.99552786]], dtype=float32)
    """

    def __init__(self, rho=_default_hyperparam.rho, eps=_default_hyperparam.eps):
        super().__init__()
        self.hyperparam.rho = rho
        self.hyperparam.eps = eps

    rho = optimizer.HyperparameterProxy('rho')
    eps = optimizer.HyperparameterProxy('eps')

    def create_update_rule(self):
        return AdaDeltaRule(self.hyperparam)
