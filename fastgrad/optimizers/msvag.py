"""M-SVAG (Balles and Hennig, 2018: Dissecting Adam).  With ``bp = beta**t``
(``t`` the rule's step count)::

    rho = min((1 - beta)**2 (1 - bp**2) / ((1 - bp)**2 (1 - beta**2)), 0.9999)
    m += (1 - beta) * (grad - m);  v += (1 - beta) * (grad**2 - v)
    mt = m / (1 - bp);  vt = v / (1 - bp)
    s = (vt - mt**2) / (1 - rho)
    factor = clip(mt**2 / (mt**2 + rho * s), 0, 1)      # 0 where it is NaN
    param -= eta * (lr * mt * factor + weight_decay_rate * param)
"""
import numpy

from fastgrad import graph_replay, optimizer, utils

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.lr = 0.1
_default_hyperparam.beta = 0.9
_default_hyperparam.eta = 1.0
_default_hyperparam.weight_decay_rate = 0


class MSVAGRule(optimizer.UpdateRule):
    """Update rule of M-SVAG (states ``m`` and ``v``)."""

    is_elementwise = True

    def __init__(self, parent_hyperparam=None, lr=None, beta=None, eta=None,
                 weight_decay_rate=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr
        if beta is not None:
            self.hyperparam.beta = beta
        if eta is not None:
            self.hyperparam.eta = eta
        if weight_decay_rate is not None:
            self.hyperparam.weight_decay_rate = weight_decay_rate

    @property
    def beta_power(self):
        """``beta**(t + 1)``, the power the next update uses.  Chainer keeps
        it as a running product that is not serialized; deriving it from the
        serialized ``t`` gives the same values and survives a snapshot."""
        return self._hp()['beta'] ** (self.t + 1)

    def init_state(self, param):
        xp = utils.array_module(param.array)
        self.state['m'] = xp.zeros_like(param.array)
        self.state['v'] = xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        data = param.array
        if data is None:
            return
        grad = param.grad
        if grad is None:
            return
        # its step scalars (beta**t, rho) are host floats of the step count
        graph_replay.refuse('MSVAG', 'its update reads the step count t on the host')
        hp = self._hp()
        beta = hp['beta']
        bp = beta ** self.t
        rho = (((1.0 - beta) ** 2) * (1.0 - bp ** 2)
               / (((1.0 - bp) ** 2) * (1.0 - beta ** 2)))
        rho = min(rho, 0.9999)
        xp = utils.array_module(data)
        state = self.state
        m = state['m']
        v = state['v']
        mt = xp.subtract(grad, m, out=xp.empty_like(data))
        mt *= 1.0 - beta
        m += mt
        mt2 = xp.multiply(grad, grad, out=xp.empty_like(data))
        mt2 -= v
        mt2 *= 1.0 - beta
        v += mt2
        xp.multiply(m, 1.0 / (1.0 - bp), out=mt)
        xp.multiply(mt, mt, out=mt2)
        s = xp.multiply(v, 1.0 / (1.0 - bp), out=xp.empty_like(data))
        s -= mt2
        s *= rho / (1.0 - rho)          # rho * s
        s += mt2
        factor = mt2
        if xp is numpy:
            # 0 / 0 where m = v = 0: the NaN is expected and zeroed below
            with numpy.errstate(invalid='ignore', divide='ignore'):
                xp.divide(mt2, s, out=factor)
        else:
            xp.divide(mt2, s, out=factor)
        xp.clip(factor, 0, 1, out=factor)
        factor[xp.isnan(factor)] = 0
        mt *= factor
        eta = hp['eta']
        mt *= eta * hp['lr']
        wd = hp['weight_decay_rate']
        if wd != 0:
            data *= 1.0 - eta * wd
        data -= mt

    update_core_gpu = update_core_cpu


class MSVAG(optimizer.GradientMethod):
    """M-SVAG optimizer.

    Args:
        lr (float): Learning rate.
        beta (float): Exponential decay rate of the moments.
        eta (float): Schedule multiplier, used for warm restarts.
        weight_decay_rate (float): Weight decay rate.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.MSVAG(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[ 1.2, -0.6]], dtype=float32)
    """

    def __init__(self, lr=_default_hyperparam.lr, beta=_default_hyperparam.beta,
                 eta=_default_hyperparam.eta,
                 weight_decay_rate=_default_hyperparam.weight_decay_rate):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.beta = beta
        self.hyperparam.eta = eta
        self.hyperparam.weight_decay_rate = weight_decay_rate

    lr = optimizer.HyperparameterProxy('lr')
    beta = optimizer.HyperparameterProxy('beta')
    eta = optimizer.HyperparameterProxy('eta')
    weight_decay_rate = optimizer.HyperparameterProxy('weight_decay_rate')

    def create_update_rule(self):
        return MSVAGRule(self.hyperparam)
