"""AdaGrad (Duchi et al., 2011)::

    h += grad**2
    param -= lr * grad / (sqrt(h) + eps)
"""
from fastgrad import optimizer, utils
from fastgrad.optimizers import _kernels

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.lr = 0.001
_default_hyperparam.eps = 1e-8

_KERNEL = _kernels.define(
    'fastgrad_ada_grad_update', 'T grad, T lr, T eps', 'T param, T h',
    '''
    T buf = grad * grad;
    h = h + buf;
    buf = sqrt(h);
    buf = buf + eps;
    buf = grad / buf;
    buf = buf * lr;
    param = param - buf;
    ''')


class AdaGradRule(optimizer.UpdateRule):
    """Update rule of AdaGrad (state ``h``)."""

    is_elementwise = True
    # on CuPy, updated with other parameters in one launch (_multi_tensor.py)
    _multi_tensor_kernel = _KERNEL

    def __init__(self, parent_hyperparam=None, lr=None, eps=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr
        if eps is not None:
            self.hyperparam.eps = eps

    def init_state(self, param):
        self.state['h'] = utils.array_module(param.array).zeros_like(param.array)

    def update_core_cpu(self, param):
        data = param.array
        if data is None:
            return
        grad = param.grad
        if grad is None:
            return
        hp = self._hp()
        xp = utils.array_module(data)
        h = self.state['h']
        buf = xp.multiply(grad, grad, out=xp.empty_like(data))
        h += buf
        xp.sqrt(h, out=buf)
        buf += hp['eps']
        xp.divide(grad, buf, out=buf)
        buf *= hp['lr']
        data -= buf

    def update_core_gpu(self, param):
        arrays = _kernels.update_arrays(self, param)
        if arrays is None:
            return
        data, grad = arrays
        hp = self._hp()
        _kernels.kernel(_KERNEL)(grad, hp['lr'], hp['eps'], data, self.state['h'])


class AdaGrad(optimizer.GradientMethod):
    """AdaGrad.

    Args:
        lr (float): Learning rate.
        eps (float): Small value for numerical stability.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.AdaGrad(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[ 1.1, -0.9]], dtype=float32)
    """

    def __init__(self, lr=_default_hyperparam.lr, eps=_default_hyperparam.eps):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.eps = eps

    lr = optimizer.HyperparameterProxy('lr')
    eps = optimizer.HyperparameterProxy('eps')

    def create_update_rule(self):
        return AdaGradRule(self.hyperparam)
