"""SGD: ``param -= lr * grad``."""
from fastgrad import optimizer
from fastgrad.optimizers import _kernels

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.lr = 0.01

_KERNEL = _kernels.define(
    'fastgrad_sgd_update', 'T grad, T lr', 'T param',
    '''
    T buf = lr * grad;
    param = param - buf;
    ''')


class SGDRule(optimizer.UpdateRule):
    """Update rule of vanilla stochastic gradient descent."""

    is_elementwise = True
    # on CuPy, updated with other parameters in one launch (_multi_tensor.py)
    _multi_tensor_kernel = _KERNEL

    def __init__(self, parent_hyperparam=None, lr=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr

    def update_core_cpu(self, param):
        data = param.array
        if data is None:
            return
        grad = param.grad
        if grad is None:
            return
        data -= self._hp()['lr'] * grad

    def update_core_gpu(self, param):
        arrays = _kernels.update_arrays(self, param)
        if arrays is None:
            return
        data, grad = arrays
        _kernels.kernel(_KERNEL)(grad, self._hp()['lr'], data)


class SGD(optimizer.GradientMethod):
    """Vanilla stochastic gradient descent.

    Args:
        lr (float): Learning rate.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[ 1.2, -0.6]], dtype=float32)
    """

    def __init__(self, lr=_default_hyperparam.lr):
        super().__init__()
        self.hyperparam.lr = lr

    lr = optimizer.HyperparameterProxy('lr')

    def create_update_rule(self):
        return SGDRule(self.hyperparam)
