"""RMSprop (Tieleman and Hinton)::

    ms = alpha * ms + (1 - alpha) * grad**2
    param -= lr * grad / (sqrt(ms) + eps)      # or sqrt(ms + eps)
"""
from fastgrad import optimizer, utils
from fastgrad.optimizers import _kernels

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.lr = 0.01
_default_hyperparam.alpha = 0.99
_default_hyperparam.eps = 1e-8
_default_hyperparam.eps_inside_sqrt = False

_BODY = '''
    T buf = grad * grad;
    buf = buf * one_minus_alpha;
    ms = ms * alpha;
    ms = ms + buf;
    {}
    buf = grad / buf;
    buf = buf * lr;
    param = param - buf;
    '''
_PARAMS = 'T grad, T lr, T alpha, T one_minus_alpha, T eps', 'T param, T ms'
_KERNELS = {
    False: _kernels.define('fastgrad_rmsprop_update', *_PARAMS,
                           _BODY.format('buf = sqrt(ms);\n    buf = buf + eps;')),
    True: _kernels.define('fastgrad_rmsprop_eps_inside_update', *_PARAMS,
                          _BODY.format('buf = ms + eps;\n    buf = sqrt(buf);')),
}


class RMSpropRule(optimizer.UpdateRule):
    """Update rule of RMSprop (state ``ms``)."""

    is_elementwise = True

    def __init__(self, parent_hyperparam=None, lr=None, alpha=None, eps=None,
                 eps_inside_sqrt=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        if lr is not None:
            self.hyperparam.lr = lr
        if alpha is not None:
            self.hyperparam.alpha = alpha
        if eps is not None:
            self.hyperparam.eps = eps
        if eps_inside_sqrt is not None:
            self.hyperparam.eps_inside_sqrt = eps_inside_sqrt

    def init_state(self, param):
        self.state['ms'] = utils.array_module(param.array).zeros_like(param.array)

    @staticmethod
    def _check_eps(hp, dtype):
        eps = dtype.type(hp['eps'])
        if hp['eps'] != 0 and eps == 0:
            raise ValueError('eps of RMSprop optimizer is too small for {} ({})'
                             .format(dtype.name, hp['eps']))
        return eps

    def update_core_cpu(self, param):
        data = param.array
        if data is None:
            return
        grad = param.grad
        if grad is None:
            return
        hp = self._hp()
        eps = self._check_eps(hp, grad.dtype)
        alpha = hp['alpha']
        xp = utils.array_module(data)
        ms = self.state['ms']
        buf = xp.multiply(grad, grad, out=xp.empty_like(data))
        buf *= 1 - alpha
        ms *= alpha
        ms += buf
        if hp['eps_inside_sqrt']:
            xp.add(ms, eps, out=buf)
            xp.sqrt(buf, out=buf)
        else:
            xp.sqrt(ms, out=buf)
            buf += eps
        xp.divide(grad, buf, out=buf)
        buf *= hp['lr']
        data -= buf

    def update_core_gpu(self, param):
        arrays = _kernels.update_arrays(self, param)
        if arrays is None:
            return
        data, grad = arrays
        name, scalars = self._kernel_args(grad.dtype)
        _kernels.kernel(name)(grad, *scalars, data, self.state['ms'])

    def _kernel_args(self, dtype):
        """The fused kernel and its scalars ``lr``, ``alpha``,
        ``one_minus_alpha``, ``eps`` for ``dtype``."""
        hp = self._hp()
        eps = self._check_eps(hp, dtype)
        alpha = hp['alpha']
        return _KERNELS[bool(hp['eps_inside_sqrt'])], (hp['lr'], alpha, 1 - alpha, eps)

    def _multi_tensor_kernel(self, param, t):
        """``(kernel, scalars)`` updating ``param`` in a multi-tensor launch
        (_multi_tensor.py), as ``update_core_gpu`` passes them."""
        return self._kernel_args(param.array.dtype)


class RMSprop(optimizer.GradientMethod):
    """RMSprop.

    Args:
        lr (float): Learning rate.
        alpha (float): Exponential decay rate of the second order moment.
        eps (float): Small value for numerical stability.
        eps_inside_sqrt (bool): Add ``eps`` inside the square root.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.RMSprop(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[2., 0.]], dtype=float32)
    """

    def __init__(self, lr=_default_hyperparam.lr, alpha=_default_hyperparam.alpha,
                 eps=_default_hyperparam.eps,
                 eps_inside_sqrt=_default_hyperparam.eps_inside_sqrt):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.alpha = alpha
        self.hyperparam.eps = eps
        self.hyperparam.eps_inside_sqrt = eps_inside_sqrt

    lr = optimizer.HyperparameterProxy('lr')
    alpha = optimizer.HyperparameterProxy('alpha')
    eps = optimizer.HyperparameterProxy('eps')
    eps_inside_sqrt = optimizer.HyperparameterProxy('eps_inside_sqrt')

    def create_update_rule(self):
        return RMSpropRule(self.hyperparam)
