"""Optimizer, GradientMethod, UpdateRule and Hyperparameter (Chainer 7 semantics).

An ``Optimizer`` owns a target link.  A ``GradientMethod`` gives each
parameter its own ``UpdateRule`` (``param.update_rule``) whose hyperparameter
falls back to the optimizer's, so ``opt.lr = 0.1`` reaches every rule while a
single rule can still be customised.  ``update()`` runs the loss, clears the
grads, backprops, then calls ``param.update()`` for every parameter.

Speed: the per-parameter path is a handful of attribute reads.  Rules read
their hyperparameters through ``_hp()``, a dict of the resolved values that is
rebuilt only after some hyperparameter anywhere was written (a global
generation counter), instead of walking the parent chain with a Python
``__getattr__`` for every value on every step.
"""
import collections
import copy
import math
import sys
import warnings

import numpy

from fastgrad import backend

# Bumped by every write to any Hyperparameter; rules compare it with the
# generation of their cached resolved dict.
_generation = 0


def _bump_generation():
    global _generation
    _generation += 1


class _Hookable(object):
    """Named pre/post hooks in registration order (shared by optimizers and
    update rules)."""

    def __init__(self, invalid_timing_fallback=False):
        self._pre_update_hooks = collections.OrderedDict()
        self._post_update_hooks = collections.OrderedDict()
        self._invalid_timing_fallback = invalid_timing_fallback

    def add_hook(self, hook, name, timing):
        if not callable(hook):
            raise TypeError('hook function must be callable, got {}'
                            .format(type(hook).__name__))
        if timing not in ('pre', 'post', 'auto'):
            raise ValueError("timing must be one of ('pre', 'post', 'auto'), "
                             'got {!r}'.format(timing))
        if timing == 'auto':
            timing = getattr(hook, 'timing', 'pre')
            if timing not in ('pre', 'post') and self._invalid_timing_fallback:
                warnings.warn("Hook timing attribute not in ('pre', 'post'), "
                              "defaulting timing to 'pre'.")
                timing = 'pre'
        if name is None:
            name = getattr(hook, 'name', getattr(hook, '__name__', None))
            if name is None:
                raise ValueError('the name of the hook function is not specified')
        if name in self._pre_update_hooks or name in self._post_update_hooks:
            raise KeyError('hook "{}" already exists'.format(name))
        if timing == 'pre':
            self._pre_update_hooks[name] = hook
        else:
            self._post_update_hooks[name] = hook

    def remove_hook(self, name):
        if name in self._pre_update_hooks:
            del self._pre_update_hooks[name]
        elif name in self._post_update_hooks:
            del self._post_update_hooks[name]
        else:
            raise KeyError('hook "{}" is not registered'.format(name))

    def _hooks(self, timing):
        if timing == 'pre':
            return self._pre_update_hooks
        if timing == 'post':
            return self._post_update_hooks
        raise ValueError("timing must be either 'pre' or 'post', got {!r}"
                         .format(timing))

    def call_hooks(self, timing, args):
        for hook in list(self._hooks(timing).values()):
            self.call_hook(hook, args)

    def call_hook(self, hook, args):
        hook(*args)


class Hyperparameter(object):
    """A set of hyperparameters; a missing attribute is looked up in the
    parent (the optimizer's hyperparameter, for an update rule's)."""

    def __init__(self, parent=None):
        self._parent = parent

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        _bump_generation()

    def __delattr__(self, name):
        object.__delattr__(self, name)
        _bump_generation()

    def __getattr__(self, name):
        # Only called when normal lookup fails.  Guarded so that copy and
        # pickle (which probe attributes on a bare instance) work.
        d = self.__dict__
        if '_parent' not in d:
            raise AttributeError('_parent is not set up yet')
        parent = d['_parent']
        if parent is None:
            raise AttributeError(
                "'Hyperparameter' object has no attribute {!r}".format(name))
        return getattr(parent, name)

    def __repr__(self):
        d = self.get_dict()
        return 'Hyperparameter({})'.format(
            ', '.join('{}={}'.format(k, d[k]) for k in sorted(d)))

    @property
    def parent(self):
        """The parent hyperparameter (or None)."""
        return self._parent

    def get_dict(self):
        """All entries visible from this object (own ones override the
        parent's) as a dict."""
        parent = self.__dict__.get('_parent')
        d = {} if parent is None else parent.get_dict()
        for k, v in self.__dict__.items():
            if k != '_parent':
                d[k] = v
        return d


class HyperparameterProxy(object):
    """Class attribute of an optimizer that aliases ``self.hyperparam.<name>``."""

    def __init__(self, attr_name):
        self._attr_name = attr_name
        self.__doc__ = 'Alias to ``self.hyperparam.{}``'.format(attr_name)

    def __get__(self, obj, type=None):
        if obj is None:
            return self
        return getattr(obj.hyperparam, self._attr_name)

    def __set__(self, obj, value):
        setattr(obj.hyperparam, self._attr_name, value)


def _is_numpy(a):
    return isinstance(a, numpy.ndarray)


def _declared_dtype(param):
    """The dtype of ``param``, or None if it is uninitialized and its
    initializer gives no dtype."""
    try:
        return param.dtype
    except RuntimeError:
        return None


class UpdateRule(object):
    """How one parameter is updated from its gradient.

    Subclasses override ``update_core`` or ``update_core_cpu`` and
    ``update_core_gpu``, and ``init_state`` when they keep state (moving
    averages...).  The state dict is created lazily at the first update of an
    initialized parameter.  ``enabled = False`` turns the rule off.

    >>> class SignRule(fastgrad.UpdateRule):
    ...     def update_core_cpu(self, param):
    ...         param.array[...] -= self.hyperparam.lr * np.sign(param.grad)
    >>> hp = fastgrad.optimizer.Hyperparameter()
    >>> hp.lr = 0.25
    >>> p = fastgrad.Parameter(np.array([1., -1.], np.float32))
    >>> p.grad = np.array([3., -2.], np.float32)
    >>> SignRule(hp).update(p)
    >>> p.array
    array([ 0.75, -0.75], dtype=float32)
    """

    is_elementwise = False

    def __init__(self, parent_hyperparam=None):
        self._state = None
        self.enabled = True
        self.hyperparam = Hyperparameter(parent_hyperparam)
        self.t = 0
        self._use_fp32_update = False
        self._fp32_param = None
        self._hookable = _Hookable()
        self._hp_cache = None
        self._hp_gen = -1
        self._hp_obj = None

    # -- pickling: never carry the resolved-hyperparameter cache -----------------
    def __getstate__(self):
        d = self.__dict__.copy()
        d['_hp_cache'] = None
        d['_hp_gen'] = -1
        d['_hp_obj'] = None
        return d

    def __setstate__(self, state):
        self.__dict__.update(state)

    def _hp(self):
        """The resolved hyperparameters as a dict (cached until some
        hyperparameter is written or ``self.hyperparam`` is replaced)."""
        hp = self.hyperparam
        gen = _generation
        if self._hp_gen != gen or self._hp_obj is not hp:
            # gen is read first: a write while get_dict runs bumps it again.
            self._hp_cache = hp.get_dict()
            self._hp_gen = gen
            self._hp_obj = hp
        return self._hp_cache

    @property
    def state(self):
        """The state dict (None until the first update)."""
        return self._state

    def add_hook(self, hook, name=None, timing='auto'):
        """Add ``hook(rule, param)``, called before ('pre') or after ('post')
        every update; 'auto' uses ``hook.timing`` (default 'pre')."""
        self._hookable.add_hook(hook, name, timing)

    def remove_hook(self, name):
        self._hookable.remove_hook(name)

    def update(self, param):
        """Run the hooks and update ``param`` (nothing if disabled)."""
        if not self.enabled:
            return
        self.t += 1
        data = param.array
        if data is None or type(data) is numpy.ndarray:
            self._update(param, data)
        else:
            with backend.using_device(backend.get_device_from_array(data)):
                self._update(param, data)

    def _update(self, param, data):
        param_ = param
        fp32 = False
        if data is None:
            if self._use_fp32_update and _declared_dtype(param) == numpy.float16:
                # An uninitialized float16 parameter: update_core sees an
                # uninitialized float32 stand-in (replaced by a real float32
                # copy once the parameter has data).
                param_ = self._fp32_param
                if param_ is None:
                    from fastgrad import initializers
                    from fastgrad.variable import Parameter
                    param_ = self._fp32_param = Parameter(
                        initializers.NaN(numpy.float32), name=param.name)
        else:
            if self._use_fp32_update and data.dtype.char == 'e':
                param_ = self._fp32_param
                if param_ is None or param_.array is None:
                    from fastgrad.variable import Parameter
                    param_ = self._fp32_param = Parameter(
                        data.astype(numpy.float32), name=param.name)
                grad = param.grad
                param_.grad = None if grad is None else grad.astype(numpy.float32)
                fp32 = True
            self._init_states(param_)
            loss_scale = getattr(param, '_loss_scale', None)
            if loss_scale is not None:
                grad = param_.grad
                if grad is not None:
                    grad /= loss_scale

        hookable = self._hookable
        if hookable._pre_update_hooks:
            hookable.call_hooks('pre', (self, param_))
        self.update_core(param_)
        if hookable._post_update_hooks:
            hookable.call_hooks('post', (self, param_))

        if fp32:
            # In place, so views of param.array stay valid.
            data[...] = param_.array.astype(data.dtype)
            param_.grad = None

    def update_core(self, param):
        """Dispatch to ``update_core_cpu`` or ``update_core_gpu`` by device."""
        data = param.array
        if data is None:
            device = param.device
            if device.xp is numpy:
                self.update_core_cpu(param)
            else:
                with backend.using_device(device):
                    self.update_core_gpu(param)
        elif isinstance(data, numpy.ndarray):
            self.update_core_cpu(param)
        else:
            self.update_core_gpu(param)

    def update_core_cpu(self, param):
        raise NotImplementedError(
            '{} does not implement update_core_cpu'.format(type(self).__name__))

    def update_core_gpu(self, param):
        raise NotImplementedError(
            '{} does not implement update_core_gpu'.format(type(self).__name__))

    def update_core_chainerx(self, param):
        """Chainer's hook for ChainerX parameters; fastgrad has no ChainerX.

        :meth:`update_core` never calls it (fastgrad arrays are NumPy or CuPy),
        it exists so that subclasses and code written for Chainer that name
        it still work; calling it raises a RuntimeError.
        """
        raise RuntimeError(
            '{}.update_core_chainerx: ChainerX is not supported by fastgrad '
            '(parameters live on NumPy or CuPy); got a parameter on {}'.format(
                type(self).__name__, param.device))

    def init_state(self, param):
        """Create the state entries for ``param`` (shape and dtype from it)."""
        pass

    def _init_states(self, param):
        """Create the state at the first update; afterwards, move state arrays
        (loaded from a file, set by hand, or left behind by a device transfer)
        to the parameter's device."""
        data = param.array
        state = self._state
        if state is None:
            state = self._state = {}
            self.init_state(param)
        if type(data) is numpy.ndarray:
            for name, value in state.items():
                if type(value) is not numpy.ndarray and backend.is_cupy_array(value):
                    state[name] = value.get()
        else:
            dev = backend.get_device_from_array(data)
            for name, value in state.items():
                if (backend.is_array(value)
                        and backend.get_device_from_array(value) != dev):
                    state[name] = dev.send(value)

    def _state_keys(self):
        """The state entry names ``init_state`` creates (found on a dummy)."""
        from fastgrad._core.graph import Variable
        # The rule and its dummy copy share one fresh dict, so an init_state
        # that writes through a reference to the rule itself (e.g. a closure
        # assigned as an instance attribute) is seen too.
        saved = self._state
        self._state = {}
        try:
            dummy = copy.copy(self)
            arr = numpy.empty(1, dtype=numpy.float32)
            dummy.init_state(Variable(arr, grad=arr))
            return list(self._state)
        finally:
            self._state = saved

    def serialize(self, serializer):
        """Save/load ``t`` and the state (not the parameter itself)."""
        from fastgrad.serializers._base import Deserializer
        self.t = serializer('t', self.t)
        if self._state is None:
            if isinstance(serializer, Deserializer):
                loaded = {}
                complete = True
                for key in self._state_keys():
                    try:
                        value = serializer(key, None)
                    except KeyError:
                        if self.enabled:
                            raise
                        value = None
                    # A state missing from the file stays None, so it is
                    # initialized at the next update.
                    if value is None:
                        complete = False
                    else:
                        loaded[key] = value
                if complete:
                    self._state = loaded
        else:
            state = self._state
            for key in list(state):
                state[key] = serializer(key, state[key])

    def use_fp32_update(self, flag=True):
        """Update float16 parameters through a float32 master copy."""
        self._use_fp32_update = flag


class _OptimizerHookable(_Hookable):
    def __init__(self, optimizer):
        super().__init__(invalid_timing_fallback=True)
        self.optimizer = optimizer

    def call_hook(self, hook, args):
        self.optimizer.call_hook(hook)


class Optimizer(object):
    """Base class of the optimizers: a target link (``setup``), the step
    count ``t``, the ``epoch`` and optimizer-wide hooks.

    >>> model = L.Linear(1, 1, initialW=np.array([[2.]]), nobias=True)
    >>> opt = fastgrad.optimizers.SGD(lr=0.5)
    >>> isinstance(opt, fastgrad.Optimizer)
    True
    >>> _ = opt.setup(model)
    >>> opt.update(lambda: F.sum(model(np.ones((1, 1), np.float32))))
    >>> opt.t, opt.epoch, model.W.array
    (1, 0, array([[1.5]], dtype=float32))
    >>> opt.new_epoch()
    >>> opt.epoch
    1
    """

    target = None
    t = 0
    epoch = 0
    _loss_scale = None
    _loss_scale_max = 65504  # the largest float16
    _loss_scaling_is_dynamic = False
    _loss_scaling_isnan = False
    use_auto_new_epoch = False
    _hookable = None

    def setup(self, link):
        """Set the target link, reset ``t``/``epoch`` and return self."""
        from fastgrad.link import Link
        if not isinstance(link, Link):
            raise TypeError('optimization target must be a link, got {}'
                            .format(type(link).__name__))
        self.target = link
        self.t = 0
        self.epoch = 0
        self._hookable = _OptimizerHookable(self)
        return self

    def update(self, lossfun=None, *args, **kwds):
        raise NotImplementedError

    def new_epoch(self, auto=False):
        """Increment ``epoch`` (``auto=True`` when called by an updater)."""
        if auto:
            if not self.use_auto_new_epoch:
                raise RuntimeError(
                    'invalid new_epoch call with auto=True.\n'
                    'Fix the updater to set optimizer.use_auto_new_epoch = True.')
        elif self.use_auto_new_epoch:
            raise RuntimeError(
                'duplicated new_epoch with the updater.\n'
                'Pass auto_new_epoch=False to the updater or stop calling '
                'new_epoch outside the updater.')
        self.epoch += 1

    def _check_set_up(self):
        if self._hookable is None:
            raise RuntimeError('Optimizer is not set up. Call `setup` method.')

    def add_hook(self, hook, name=None, timing='auto'):
        """Register ``hook``: called with the optimizer, or with
        ``(rule, param)`` for each parameter when ``hook.call_for_each_param``."""
        self._check_set_up()
        self._hookable.add_hook(hook, name, timing)

    def remove_hook(self, name):
        self._check_set_up()
        self._hookable.remove_hook(name)

    def call_hooks(self, timing='pre'):
        self._check_set_up()
        self._hookable.call_hooks(timing, ())

    def call_hook(self, hook):
        if getattr(hook, 'call_for_each_param', False):
            for param in self.target.params():
                hook(param.update_rule, param)
        else:
            hook(self)

    def serialize(self, serializer):
        """Save/load ``t``, ``epoch`` and each rule's state (keys
        ``<param path>/<name>``); not the parameters themselves."""
        self._check_set_up()
        self.t = serializer('t', self.t)
        self.epoch = serializer('epoch', self.epoch)
        for name, param in self.target.namedparams():
            rule = getattr(param, 'update_rule', None)
            if rule is not None:
                rule.serialize(serializer[name])

    # -- loss scaling ----------------------------------------------------------------
    def loss_scaling(self, interval=1000, scale=None):
        """Static (``scale``) or dynamic (``scale=None``) loss scaling."""
        if scale is None:
            if interval < 1:
                raise ValueError('interval must be greater than or equal to 1. '
                                 'Actual: {}'.format(interval))
            self._loss_scaling_is_dynamic = True
            self._loss_scale = 1.0
            self._loss_scaling_multiplier = math.pow(2.0, 1.0 / interval)
            self._loss_scaling_isnan_ever = False
        else:
            if scale <= 0:
                raise ValueError('loss_scale must be a positive number. '
                                 'Actual: {}'.format(scale))
            self._loss_scale = scale

    def set_loss_scale(self, loss_scale):
        self.loss_scaling(scale=loss_scale)

    def check_nan_in_grads(self):
        self._loss_scaling_isnan = False
        if not self._loss_scaling_is_dynamic:
            return
        for name, param in self.target.namedparams():
            grad = param.grad
            if grad is None:
                continue
            xp = backend.get_array_module(grad)
            if not xp.all(xp.isfinite(grad)):
                self._loss_scaling_isnan = True
                self._loss_scaling_isnan_ever = True
                warnings.warn(
                    'Non finite number found in param.grad of {} (iteration: {}, '
                    'loss_scale: {})'.format(name, self.t, self._loss_scale))

    def is_safe_to_update(self):
        return not self._loss_scaling_isnan

    def update_loss_scale(self):
        if not self._loss_scaling_is_dynamic:
            return
        if self._loss_scaling_isnan:
            multiplier = 0.5
        elif self._loss_scaling_isnan_ever:
            multiplier = self._loss_scaling_multiplier
        else:
            multiplier = 2.0
        self._loss_scale = max(1, min(self._loss_scale_max,
                                      self._loss_scale * multiplier))


_grad_of = None


def _reallocate(params):
    # Variable.grad read directly: the Parameter property only adds the
    # uninitialized-parameter check, and these are initialized.
    global _grad_of
    if _grad_of is None:
        from fastgrad._core.graph import Variable
        _grad_of = Variable.grad.__get__
    grad_of = _grad_of
    for param in params:
        data = param.array
        if data is not None and grad_of(param) is None:
            param.grad = backend.get_array_module(data).zeros_like(data)


_multi_tensor = None


def _cupy_imported():
    return 'cupy' in sys.modules


def _update_params(params):
    """``param.update()`` for each of ``params``; on CuPy, rules with a
    multi-tensor kernel update many parameters per launch
    (optimizers/_multi_tensor.py, imported here lazily: it imports this module)."""
    if not _cupy_imported():
        # no CuPy imported, so no CuPy parameter: the CPU step skips the grouping
        for param in params:
            param.update()
        return
    global _multi_tensor
    if _multi_tensor is None:
        from fastgrad.optimizers import _multi_tensor
    _multi_tensor.update(params)


class GradientMethod(Optimizer):
    """An optimizer driven by one gradient per step, with one
    ``UpdateRule`` per parameter (``create_update_rule``) and a
    ``hyperparam`` that is the parent of every rule's.

    >>> class HalfGrad(fastgrad.UpdateRule):
    ...     def update_core_cpu(self, param):
    ...         param.array[...] -= 0.5 * param.grad
    >>> class HalfStep(fastgrad.GradientMethod):
    ...     def create_update_rule(self):
    ...         return HalfGrad(self.hyperparam)
    >>> model = L.Linear(1, 1, initialW=np.array([[2.]]), nobias=True)
    >>> opt = HalfStep()
    >>> _ = opt.setup(model)
    >>> opt.update(lambda: F.sum(model(np.ones((1, 1), np.float32))))
    >>> model.W.array, opt.t
    (array([[1.5]], dtype=float32), 1)
    """

    def __init__(self):
        super().__init__()
        self.hyperparam = Hyperparameter()
        self._use_fp32_update = False

    def setup(self, link):
        super().setup(link)
        for param in link.params():
            rule = self.create_update_rule()
            if self._use_fp32_update:
                rule.use_fp32_update()
            param.update_rule = rule
        return self

    def reallocate_cleared_grads(self):
        """Give zero grads to initialized parameters whose grad is None."""
        _reallocate(self.target.params(False))

    def call_hook(self, hook):
        super().call_hook(hook)
        self.reallocate_cleared_grads()

    def update(self, lossfun=None, *args, **kwds):
        """One step: with ``lossfun``, ``loss = lossfun(*args, **kwds)``, the
        grads are cleared and ``loss.backward()`` run first; then ``t += 1``
        and every parameter's rule is applied (grads are not cleared after).
        Initialized parameters without a grad get zeros first (Chainer's
        ``reallocate_cleared_grads``)."""
        target = self.target
        if target is None:
            raise RuntimeError('Optimizer is not set up. Call `setup` method.')
        loss_scale = self._loss_scale
        if lossfun is not None:
            loss = lossfun(*args, **kwds)
            if getattr(self, '_use_cleargrads', True):
                target.cleargrads()
            else:
                target.zerograds()
            loss.backward(loss_scale=loss_scale)
            del loss
        params = list(target.params())
        if lossfun is not None and loss_scale is not None:
            # The rules divide the grads by it (Chainer's backward tags the
            # leaves; here the optimizer does, for this step only).
            for param in params:
                param._loss_scale = loss_scale
        _reallocate(params)
        self.check_nan_in_grads()
        hookable = self._hookable
        if hookable._pre_update_hooks:
            self.call_hooks('pre')
        self.t += 1
        if self.is_safe_to_update():
            _update_params(params)
        _reallocate(params)
        if hookable._post_update_hooks:
            self.call_hooks('post')
        if lossfun is not None and loss_scale is not None:
            for param in params:
                param._loss_scale = None
        self.update_loss_scale()

    def use_cleargrads(self, use=True):
        warnings.warn('GradientMethod.use_cleargrads is deprecated.',
                      DeprecationWarning)
        self._use_cleargrads = use

    def create_update_rule(self):
        raise NotImplementedError

    def use_fp32_update(self, flag=True):
        """Update float16 parameters through float32 master copies."""
        self._use_fp32_update = flag
        link = self.target
        if link is not None:
            for param in link.params():
                param.update_rule.use_fp32_update(flag)


# -- deprecated aliases (Chainer keeps them here, warning) --------------------------

def _deprecated_hook(name):
    def __init__(self, *args, **kwargs):
        warnings.warn('chainer.optimizer.{0} is deprecated from v4. Use '
                      'chainer.optimizer_hooks.{0} instead.'.format(name),
                      DeprecationWarning, stacklevel=2)
        super(cls, self).__init__(*args, **kwargs)

    from fastgrad import optimizer_hooks
    base = getattr(optimizer_hooks, name)
    cls = type(name, (base,), {'__init__': __init__, '__module__': __name__,
                               '__doc__': base.__doc__})
    return cls


WeightDecay = _deprecated_hook('WeightDecay')
Lasso = _deprecated_hook('Lasso')
GradientClipping = _deprecated_hook('GradientClipping')
GradientNoise = _deprecated_hook('GradientNoise')
GradientHardClipping = _deprecated_hook('GradientHardClipping')
