"""Adam (Kingma and Ba, 2015) and its variants: AdamW (decoupled weight
decay, Loshchilov and Hutter), AMSGrad (Reddi et al.), AdaBound and AMSBound
(Luo et al., 2019).  With ``t`` the rule's step count::

    m += (1 - beta1) * (grad - m)
    v += (1 - beta2) * (grad**2 - v)
    vhat = max(vhat, v) if amsgrad else v
    alpha_t = alpha * sqrt(1 - beta2**t) / (1 - beta1**t)
    step = alpha_t / (sqrt(vhat) + eps)          # clipped to the AdaBound bounds
    param -= eta * (step * m + weight_decay_rate * param)

float16 parameters are updated with float32 intermediates (the states stay
float16).
"""
import math
import warnings

import numpy

from fastgrad import graph_replay, optimizer, utils
from fastgrad.optimizers import _kernels

_FLOAT32 = numpy.dtype(numpy.float32)

_default_hyperparam = optimizer.Hyperparameter()
_default_hyperparam.alpha = 0.001
_default_hyperparam.beta1 = 0.9
_default_hyperparam.beta2 = 0.999
_default_hyperparam.eps = 1e-8
_default_hyperparam.eta = 1.0
_default_hyperparam.weight_decay_rate = 0
_default_hyperparam.amsgrad = False
_default_hyperparam.adabound = False
_default_hyperparam.final_lr = 0.1
_default_hyperparam.gamma = 1e-3


def _define_kernel(amsgrad, adabound, half):
    """Register the fused update of one Adam variant; ``C`` (the compute
    type) is float for float16 parameters (whose states stay float16), else
    the parameter type ``T``.  The step scalars (``alpha_t``, ``step``,
    ``lower``, ``upper``) are scalars or, under graph capture, 0-d arrays
    that the kernel reads on the device."""
    c, cdt = ('float', 'float32') if half else ('T', 'T')
    ins = ['T grad', 'T decay'] + ['{} {}'.format(cdt, n) for n in (
        'one_minus_beta1', 'one_minus_beta2', 'eps')]
    outs = ['T param', 'T m', 'T v']
    body = [
        'C g = (C)grad;',
        'C buf = g - (C)m;',
        'buf = buf * one_minus_beta1;',
        'm = m + buf;',
        'buf = g * g;',
        'buf = buf - (C)v;',
        'buf = buf * one_minus_beta2;',
        'v = v + buf;',
    ]
    if amsgrad:
        outs.append('T vhat')
        body.append('vhat = (vhat > v || isnan(vhat)) ? vhat : v;')
        body.append('C den = sqrt((C)vhat);')
    else:
        body.append('C den = sqrt((C)v);')
    body.append('den = den + eps;')
    if adabound:
        ins += ['{} {}'.format(cdt, n) for n in ('eta', 'alpha_t', 'lower', 'upper')]
        body += [
            'buf = alpha_t / den;',
            'buf = buf < lower ? lower : (buf > upper ? upper : buf);',
            'buf = buf * (C)m;',
            'buf = buf * eta;',
        ]
    else:
        ins.append('{} step'.format(cdt))
        body += [
            'buf = (C)m / den;',
            'buf = buf * step;',
        ]
    body += [
        'param = param * decay;',
        'param = param - buf;',
    ]
    name = 'fastgrad_{}{}_update{}'.format(
        'ams' if amsgrad else 'adam', 'bound' if adabound else '', '_f16' if half else '')
    code = '\n'.join(line.replace('(C)', '({})'.format(c)).replace('C ', c + ' ')
                     for line in body)
    return _kernels.define(name, ', '.join(ins), ', '.join(outs), code)


_KERNELS = {key: _define_kernel(*key) for key in
            [(a, b, h) for a in (False, True) for b in (False, True) for h in (False, True)]}


def _learning_rate(alpha, beta1, beta2, t):
    if t == 0:
        raise RuntimeError("Can't determine the learning rate of Adam optimizer "
                           'because the update steps have not been started.')
    fix1 = 1. - math.pow(beta1, t)
    fix2 = 1. - math.pow(beta2, t)
    return alpha * math.sqrt(fix2) / fix1


def _bounds(hp, initial_alpha, t):
    final_lr = hp['final_lr'] * hp['alpha'] / initial_alpha
    lower = final_lr * (1.0 - 1.0 / (hp['gamma'] * t + 1))
    upper = final_lr * (1.0 + 1.0 / (hp['gamma'] * t))
    return lower, upper


def _host_step_scalars(hp, initial_alpha, t):
    """``(alpha_t, eta * alpha_t, lower, upper)`` at step ``t`` (Python
    floats; the bounds None but for AdaBound)."""
    alpha_t = _learning_rate(hp['alpha'], hp['beta1'], hp['beta2'], t)
    if hp['adabound']:
        return (alpha_t, None) + _bounds(hp, initial_alpha, t)
    return alpha_t, hp['eta'] * alpha_t, None, None


def _kernel_scalars(hp, alpha_t, step, lower, upper):
    """The fused kernel's scalar inputs in order: ``decay``,
    ``one_minus_beta1``, ``one_minus_beta2``, ``eps``, then ``step`` or
    AdaBound's ``eta``, ``alpha_t``, ``lower`` and ``upper``."""
    eta = hp['eta']
    wd = hp['weight_decay_rate']
    scalars = [1.0 - eta * wd if wd != 0 else 1.0, 1.0 - hp['beta1'], 1.0 - hp['beta2'],
               hp['eps']]
    return scalars + ([eta, alpha_t, lower, upper] if hp['adabound'] else [step])


_USED = ('alpha', 'beta1', 'beta2', 'eps', 'eta', 'weight_decay_rate', 'amsgrad',
         'adabound', 'final_lr', 'gamma')


def _device_step_scalars(ctx, rule, hp, dtype):
    """``(alpha_t, eta * alpha_t, lower, upper)`` as device scalars of
    ``dtype`` computed from the capture's device step counter (the same
    formulas as the host path, in float64, then cast as the host's Python
    floats are); shared by the rules with the same hyperparameters."""
    t = ctx.step_count(rule)
    alpha, beta1, beta2, eta = hp['alpha'], hp['beta1'], hp['beta2'], hp['eta']
    adabound = hp['adabound']
    bounds = (hp['final_lr'] * alpha / rule.initial_alpha, hp['gamma']) if adabound else None
    key = ('adam', id(t), alpha, beta1, beta2, eta, bounds, dtype.str)

    def make():
        xp = ctx.xp
        alpha_t = alpha * xp.sqrt(1.0 - xp.power(beta2, t)) / (1.0 - xp.power(beta1, t))
        lower = upper = None
        if adabound:
            final_lr, gamma = bounds
            lower = (final_lr * (1.0 - 1.0 / (gamma * t + 1))).astype(dtype)
            upper = (final_lr * (1.0 + 1.0 / (gamma * t))).astype(dtype)
        return alpha_t.astype(dtype), (eta * alpha_t).astype(dtype), lower, upper
    return ctx.cached(key, make)


class AdamRule(optimizer.UpdateRule):
    """Update rule of Adam and its variants (states ``m``, ``v`` and, with
    amsgrad, ``vhat``)."""

    is_elementwise = True

    def __init__(self, parent_hyperparam=None, alpha=None, beta1=None, beta2=None,
                 eps=None, eta=None, weight_decay_rate=None, amsgrad=None,
                 adabound=None, final_lr=None, gamma=None):
        super().__init__(parent_hyperparam or _default_hyperparam)
        hp = self.hyperparam
        for name, value in (('alpha', alpha), ('beta1', beta1), ('beta2', beta2),
                            ('eps', eps), ('eta', eta),
                            ('weight_decay_rate', weight_decay_rate),
                            ('amsgrad', amsgrad), ('adabound', adabound),
                            ('final_lr', final_lr), ('gamma', gamma)):
            if value is not None:
                setattr(hp, name, value)
        # AdaBound's final_lr follows later changes of alpha (lr schedules).
        self.initial_alpha = hp.alpha
        self._eps_checked = None
        self._eps_dtype = None

    def init_state(self, param):
        data = param.array
        xp = utils.array_module(data)
        self.state['m'] = xp.zeros_like(data)
        self.state['v'] = xp.zeros_like(data)
        if self._hp()['amsgrad']:
            self.state['vhat'] = xp.zeros_like(data)

    def _check_eps(self, eps, dtype):
        if self._eps_checked is not eps or self._eps_dtype is not dtype:
            if eps != 0 and dtype.type(eps) == 0:
                raise ValueError('eps of Adam optimizer is too small for {} ({})'
                                 .format(dtype.name, eps))
            self._eps_checked = eps
            self._eps_dtype = dtype

    def update_core_cpu(self, param):
        data = param.array
        if data is None:
            return
        grad = param.grad
        if grad is None:
            return
        hp = self._hp()
        dtype = data.dtype
        half = dtype.char == 'e'
        if half:
            dtype = _FLOAT32
            grad = grad.astype(numpy.float32)
        eps = hp['eps']
        self._check_eps(eps, dtype)
        xp = numpy if type(data) is numpy.ndarray else utils.array_module(data)
        state = self.state
        m = state['m']
        v = state['v']
        buf = xp.empty(data.shape, dtype=dtype) if half else xp.empty_like(data)
        xp.subtract(grad, m, out=buf)
        buf *= 1.0 - hp['beta1']
        m += buf
        xp.multiply(grad, grad, out=buf)
        xp.subtract(buf, v, out=buf)
        buf *= 1.0 - hp['beta2']
        v += buf
        if hp['amsgrad']:
            vhat = state['vhat']
            xp.maximum(vhat, v, out=vhat)
        else:
            vhat = v
        # float16 states: the square root is taken in float32
        xp.sqrt(vhat.astype(dtype) if half else vhat, out=buf)
        buf += eps
        eta = hp['eta']
        ctx = graph_replay._current
        if ctx is not None:
            # Inside a captured step: the step scalars come from the device
            # step counter, so each replay uses its own t.
            alpha_t, step, lower, upper = _device_step_scalars(ctx, self, hp, dtype)
        elif hp['adabound']:
            alpha_t = _learning_rate(hp['alpha'], hp['beta1'], hp['beta2'], self.t)
            lower, upper = self.bounds
        else:
            alpha_t = _learning_rate(hp['alpha'], hp['beta1'], hp['beta2'], self.t)
            step = eta * alpha_t
        if hp['adabound']:
            xp.divide(alpha_t, buf, out=buf)
            xp.clip(buf, lower, upper, out=buf)
            buf *= m
            buf *= eta
        else:
            xp.divide(m, buf, out=buf)
            buf *= step
        wd = hp['weight_decay_rate']
        if wd != 0:
            data *= 1.0 - eta * wd
        data -= buf

    def update_core_gpu(self, param):
        data = param.array
        if data is None:
            return
        grad = param.grad
        if grad is None:
            return
        dtype = data.dtype
        if grad.dtype != dtype or dtype.kind != 'f':
            self.update_core_cpu(param)      # the generic xp path
            return
        hp = self._hp()
        half = dtype.char == 'e'
        if half:
            dtype = _FLOAT32
        eps = hp['eps']
        self._check_eps(eps, dtype)
        adabound = hp['adabound']
        amsgrad = hp['amsgrad']
        ctx = graph_replay._current
        if ctx is not None:
            # Inside a captured step: 0-d device scalars from the device step
            # counter, read by the kernel on every replay.
            step_scalars = _device_step_scalars(ctx, self, hp, dtype)
        else:
            step_scalars = _host_step_scalars(hp, self.initial_alpha, self.t)
        state = self.state
        args = [grad] + _kernel_scalars(hp, *step_scalars) + [data, state['m'], state['v']]
        if amsgrad:
            args.append(state['vhat'])
        _kernels.kernel(_KERNELS[bool(amsgrad), bool(adabound), half])(*args)

    def _multi_tensor_kernel(self, param, t):
        """``(kernel, scalars)`` updating ``param`` at step ``t`` in a
        multi-tensor launch (_multi_tensor.py): the fused kernel and its
        scalar inputs as ``update_core_gpu`` computes them, so that
        parameters group by step count too; None inside a captured step (the
        scalars follow the device step counter there) or for a hyperparameter
        that is not a number."""
        if graph_replay._current is not None:
            return None
        hp = self._hp()
        if not all(isinstance(hp[n], _kernels.SCALAR_TYPES) for n in _USED):
            return None
        self._check_eps(hp['eps'], param.array.dtype)
        return (_KERNELS[bool(hp['amsgrad']), bool(hp['adabound']), False],
                _kernel_scalars(hp, *_host_step_scalars(hp, self.initial_alpha, t)))

    @property
    def alpha_t(self):
        """The bias-corrected step size of the current step ``t``."""
        hp = self._hp()
        return _learning_rate(hp['alpha'], hp['beta1'], hp['beta2'], self.t)

    @property
    def lr(self):
        warnings.warn('AdamRule.lr has been renamed to AdamRule.alpha_t. '
                      'Use of AdamRule.lr is deprecated in Chainer v6.',
                      DeprecationWarning)
        return self.alpha_t

    @property
    def bounds(self):
        """AdaBound's (lower, upper) bounds of the step size at step ``t``."""
        if self.t == 0:
            raise RuntimeError("Can't determine the bounds of AdaBound optimizer "
                               'because the update steps have not been started.')
        return _bounds(self._hp(), self.initial_alpha, self.t)


class Adam(optimizer.GradientMethod):
    """Adam, with optional AMSGrad, AdaBound, and decoupled weight decay
    (``weight_decay_rate``, scaled by ``eta``: AdamW).

    Args:
        alpha (float): Coefficient of the learning rate.
        beta1 (float): Exponential decay rate of the first order moment.
        beta2 (float): Exponential decay rate of the second order moment.
        eps (float): Small value for numerical stability.
        eta (float): Schedule multiplier, used for warm restarts.
        weight_decay_rate (float): Decoupled weight decay rate.
        amsgrad (bool): Use AMSGrad.
        adabound (bool): Use AdaBound (AMSBound with ``amsgrad``).
        final_lr (float): AdaBound's final (SGD) learning rate.
        gamma (float): AdaBound's convergence speed of the bounds.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.Adam(alpha=0.1)
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[ 1.1       , -0.90000004]], dtype=float32)
    """

    def __init__(self, alpha=_default_hyperparam.alpha,
                 beta1=_default_hyperparam.beta1,
                 beta2=_default_hyperparam.beta2,
                 eps=_default_hyperparam.eps,
                 eta=_default_hyperparam.eta,
                 weight_decay_rate=_default_hyperparam.weight_decay_rate,
                 amsgrad=_default_hyperparam.amsgrad,
                 adabound=_default_hyperparam.adabound,
                 final_lr=_default_hyperparam.final_lr,
                 gamma=_default_hyperparam.gamma):
        super().__init__()
        hp = self.hyperparam
        hp.alpha = alpha
        hp.beta1 = beta1
        hp.beta2 = beta2
        hp.eps = eps
        hp.eta = eta
        hp.weight_decay_rate = weight_decay_rate
        hp.amsgrad = amsgrad
        hp.adabound = adabound
        hp.final_lr = final_lr
        hp.gamma = gamma

    alpha = optimizer.HyperparameterProxy('alpha')
    beta1 = optimizer.HyperparameterProxy('beta1')
    beta2 = optimizer.HyperparameterProxy('beta2')
    eps = optimizer.HyperparameterProxy('eps')
    eta = optimizer.HyperparameterProxy('eta')
    weight_decay_rate = optimizer.HyperparameterProxy('weight_decay_rate')
    amsgrad = optimizer.HyperparameterProxy('amsgrad')
    adabound = optimizer.HyperparameterProxy('adabound')
    final_lr = optimizer.HyperparameterProxy('final_lr')
    gamma = optimizer.HyperparameterProxy('gamma')

    def create_update_rule(self):
        return AdamRule(self.hyperparam)

    @property
    def alpha_t(self):
        """The bias-corrected step size at the optimizer's step ``t``."""
        hp = self.hyperparam
        return _learning_rate(hp.alpha, hp.beta1, hp.beta2, self.t)

    @property
    def lr(self):
        warnings.warn('Adam.lr has been renamed to AdamRule.alpha_t. '
                      'Use of Adam.lr is deprecated in Chainer v6.',
                      DeprecationWarning)
        return self.alpha_t


class AdamW(Adam):
    """Adam with decoupled weight decay (``weight_decay_rate``).

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.AdamW(alpha=0.1, weight_decay_rate=0.01)
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[ 1.09      , -0.89000005]], dtype=float32)
    """

    def __init__(self, alpha=_default_hyperparam.alpha,
                 beta1=_default_hyperparam.beta1,
                 beta2=_default_hyperparam.beta2,
                 eps=_default_hyperparam.eps,
                 eta=_default_hyperparam.eta,
                 weight_decay_rate=_default_hyperparam.weight_decay_rate):
        super().__init__(alpha=alpha, beta1=beta1, beta2=beta2, eps=eps, eta=eta,
                         weight_decay_rate=weight_decay_rate)


class AMSGrad(Adam):
    """Adam with AMSGrad's running maximum of the second moment.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.AMSGrad(alpha=0.1)
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[ 1.1       , -0.90000004]], dtype=float32)
    """

    def __init__(self, alpha=_default_hyperparam.alpha,
                 beta1=_default_hyperparam.beta1,
                 beta2=_default_hyperparam.beta2,
                 eps=_default_hyperparam.eps,
                 eta=_default_hyperparam.eta):
        super().__init__(alpha=alpha, beta1=beta1, beta2=beta2, eps=eps, eta=eta,
                         amsgrad=True)


class AdaBound(Adam):
    """Adam whose step size is clipped to bounds converging to ``final_lr``.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.AdaBound(alpha=0.1)
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[ 1.1       , -0.90000004]], dtype=float32)
    """

    def __init__(self, alpha=_default_hyperparam.alpha,
                 beta1=_default_hyperparam.beta1,
                 beta2=_default_hyperparam.beta2,
                 final_lr=_default_hyperparam.final_lr,
                 gamma=_default_hyperparam.gamma,
                 eps=_default_hyperparam.eps,
                 eta=_default_hyperparam.eta):
        super().__init__(alpha=alpha, beta1=beta1, beta2=beta2, eps=eps, eta=eta,
                         amsgrad=False, adabound=True, final_lr=final_lr,
                         gamma=gamma)


class AMSBound(Adam):
    """AdaBound with AMSGrad.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.AMSBound(alpha=0.1)
    >>> _ = optimizer.setup(model)
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))
    >>> model.W.array
    array([[ 1.1       , -0.90000004]], dtype=float32)
    """

    def __init__(self, alpha=_default_hyperparam.alpha,
                 beta1=_default_hyperparam.beta1,
                 beta2=_default_hyperparam.beta2,
                 final_lr=_default_hyperparam.final_lr,
                 gamma=_default_hyperparam.gamma,
                 eps=_default_hyperparam.eps,
                 eta=_default_hyperparam.eta):
        super().__init__(alpha=alpha, beta1=beta1, beta2=beta2, eps=eps, eta=eta,
                         amsgrad=True, adabound=True, final_lr=final_lr,
                         gamma=gamma)
