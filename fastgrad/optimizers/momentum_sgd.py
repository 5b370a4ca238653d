"""Momentum SGD: ``v = momentum * v - lr * grad; param += v``."""
from fastgrad import optimizer, utils
from fastgrad.optimizers import _kernels

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.lr = 0.01
_default_hyperparam.momentum = 0.9

_KERNEL = _kernels.define(
    'fastgrad_momentum_sgd_update', 'T grad, T lr, T momentum', 'T param, T v',
    '''
    T buf = grad * lr;
    v = v * momentum;
    v = v - buf;
    param = param + v;
    ''')


class MomentumSGDRule(optimizer.UpdateRule):
    """Update rule of momentum SGD (state ``v``)."""

    is_elementwise = True
    # on CuPy, updated with other parameters in one launch (_multi_tensor.py)
    _multi_tensor_kernel = _KERNEL

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
        xp = utils.array_module(data)
        v = self.state['v']
        buf = xp.multiply(grad, hp['lr'])
        v *= hp['momentum']
        v -= buf
        data += v

    def update_core_gpu(self, param):
        arrays = _kernels.update_arrays(self, param)
        if arrays is None:
            return
        data, grad = arrays
        hp = self._hp()
        _kernels.kernel(_KERNEL)(grad, hp['lr'], hp['momentum'], data, self.state['v'])


class MomentumSGD(optimizer.GradientMethod):
    """Momentum SGD.

    Args:
        lr (float): Learning rate.
        momentum (float): Exponential decay rate of the first order moment.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.MomentumSGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[ 1.2, -0.6]], dtype=float32)
    """

    def __init__(self, lr=_default_hyperparam.lr,
                 momentum=_default_hyperparam.momentum):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.momentum = momentum

    lr = optimizer.HyperparameterProxy('lr')
    momentum = optimizer.HyperparameterProxy('momentum')

    def create_update_rule(self):
        return MomentumSGDRule(self.hyperparam)
