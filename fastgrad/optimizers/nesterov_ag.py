"""Nesterov's accelerated gradient (Sutskever et al., 2013, in the form
that keeps the parameter at the look-ahead point)::

    v = momentum * v - lr * grad
    param += momentum**2 * v - (1 + momentum) * lr * grad
"""
from fastgrad import optimizer, utils
from fastgrad.optimizers import _kernels

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.lr = 0.01
_default_hyperparam.momentum = 0.9

_KERNEL = _kernels.define(
    'fastgrad_nesterov_ag_update',
    'T grad, T lr, T momentum, T one_plus_momentum, T momentum_sq', 'T param, T v',
    '''
    T buf = grad * lr;
    v = v * momentum;
    v = v - buf;
    buf = buf * one_plus_momentum;
    param = param - buf;
    buf = v * momentum_sq;
    param = param + buf;
    ''')


class NesterovAGRule(optimizer.UpdateRule):
    """Update rule of Nesterov's accelerated gradient (state ``v``)."""

    is_elementwise = True

    def __init__(self, parent_hyperparam=None, lr=None, momentum=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr
        if momentum is not None:
            self.hyperparam.momentum = momentum

    def init_state(self, param):
        self.state['v'] = utils.array_module(param.array).zeros_like(param.array)

    def update_core_cpu(self, param):
        data = param.array
        if data is None:
            return
        grad = param.grad
        if grad is None:
            return
        hp = self._hp()
        lr = hp['lr']
        momentum = hp['momentum']
        xp = utils.array_module(data)
        v = self.state['v']
        buf = xp.multiply(grad, lr, out=xp.empty_like(data))
        v *= momentum
        v -= buf
        buf *= 1 + momentum
        data -= buf
        xp.multiply(v, momentum * momentum, out=buf)
        data += buf

    def update_core_gpu(self, param):
        arrays = _kernels.update_arrays(self, param)
        if arrays is None:
            return
        data, grad = arrays
        _kernels.kernel(_KERNEL)(grad, *self._scalars(), data, self.state['v'])

    def _scalars(self):
        """The kernel's scalars ``lr``, ``momentum``, ``one_plus_momentum``,
        ``momentum_sq``."""
        hp = self._hp()
        momentum = hp['momentum']
        return hp['lr'], momentum, 1 + momentum, momentum * momentum

    def _multi_tensor_kernel(self, param, t):
        """``(kernel, scalars)`` updating ``param`` in a multi-tensor launch
        (_multi_tensor.py), as ``update_core_gpu`` passes them."""
        return _KERNEL, self._scalars()


class NesterovAG(optimizer.GradientMethod):
    """Nesterov's accelerated gradient.

    Args:
        lr (float): Learning rate.
        momentum (float): Exponential decay rate of the first order moment.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.NesterovAG(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[1.542     , 0.08399999]], dtype=float32)
    """

    def __init__(self, lr=_default_hyperparam.lr,
                 momentum=_default_hyperparam.momentum):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.momentum = momentum

    lr = optimizer.HyperparameterProxy('lr')
    momentum = optimizer.HyperparameterProxy('momentum')

    def create_update_rule(self):
        return NesterovAGRule(self.hyperparam)
