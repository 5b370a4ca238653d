"""Hyperparameter schedules: each invocation advances a counter ``t`` and
sets ``optimizer.<attr>`` to the schedule's value at ``t``.  The counter and
the last value are saved in snapshots and restored on resume."""
import bisect

import numpy

from fastgrad.training import extension


class _Shift(extension.Extension):
    def __init__(self, attr, init=None, optimizer=None):
        self._attr = attr
        self._init = init
        self._optimizer = optimizer
        self._t = 0
        self._last_value = None

    def _value(self, t):
        raise NotImplementedError

    def initialize(self, trainer):
        optimizer = self._get_optimizer(trainer)
        if self._init is None:
            self._init = getattr(optimizer, self._attr)
        if self._last_value is not None:   # resumed from a snapshot
            self._update_value(optimizer, self._last_value)
        else:
            self._update_value(optimizer, self._value(self._t))

    def __call__(self, trainer):
        self._t += 1
        optimizer = self._get_optimizer(trainer)
        if self._init is None:
            self._init = getattr(optimizer, self._attr)
        self._update_value(optimizer, self._value(self._t))

    def serialize(self, serializer):
        self._t = int(serializer('_t', self._t))
        last = serializer('_last_value', self._last_value)
        if isinstance(last, numpy.ndarray):
            last = last.item()
        self._last_value = None if last is None else float(last)

    def _get_optimizer(self, trainer):
        return self._optimizer or trainer.updater.get_optimizer('main')

    def _update_value(self, optimizer, value):
        setattr(optimizer, self._attr, value)
        self._last_value = value


def _clamp(value, target, growing):
    """Stop at ``target``, approached from below (growing) or above; the
    ratio form also works for negative values."""
    if target is None:
        return value
    if growing:
        return target if value / target > 1 else value
    return target if value / target < 1 else value


class LinearShift(_Shift):
    """Moves the attribute linearly from ``value_range[0]`` to
    ``value_range[1]`` between invocations ``time_range[0]`` and
    ``time_range[1]`` (constant outside).

    >>> optimizer = fastgrad.optimizers.SGD(lr=1.)
    >>> from fastgrad.training.extensions import LinearShift
    >>> shift = LinearShift('lr', (1., 0.), (0, 4), optimizer=optimizer)
    >>> shift.initialize(None)  # a Trainer calls these; the optimizer is given
    >>> for _ in range(5):
    ...     shift(None)
    ...     print(optimizer.lr)
    0.75
    0.5
    0.25
    0.0
    0.0
    """

    def __init__(self, attr, value_range, time_range, optimizer=None):
        super().__init__(attr, value_range[0], optimizer)
        self._value_range = value_range
        self._time_range = time_range

    def _value(self, t):
        t1, t2 = self._time_range
        v1, v2 = self._value_range
        if t <= t1:
            return v1
        if t >= t2:
            return v2
        return v1 + (v2 - v1) * (t - t1) / (t2 - t1)


class StepShift(_Shift):
    """``init * gamma ** floor(t / step)``, stopping at ``target``.

    >>> optimizer = fastgrad.optimizers.SGD(lr=1.)
    >>> shift = fastgrad.training.extensions.StepShift('lr', 0.5, 2, optimizer=optimizer)
    >>> shift.initialize(None)  # a Trainer calls these; the optimizer is given
    >>> lrs = []
    >>> for _ in range(5):
    ...     shift(None)
    ...     lrs.append(optimizer.lr)
    >>> lrs
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, attr, gamma, step, init=None, target=None, optimizer=None):
        super().__init__(attr, init, optimizer)
        if step <= 0:
            raise ValueError('StepShift: step must be positive, got {}'.format(step))
        self._gamma = gamma
        self._step = step
        self._target = target

    def _value(self, t):
        value = self._init * self._gamma ** (t // self._step)
        return _clamp(value, self._target, self._gamma > 1)


class MultistepShift(_Shift):
    """``init * gamma ** k`` where ``k`` is how many of ``step_value`` (a
    sorted list of invocation counts) have been reached.

    >>> optimizer = fastgrad.optimizers.SGD(lr=1.)
    >>> from fastgrad.training.extensions import MultistepShift
    >>> shift = MultistepShift('lr', 0.1, [2, 4], 1., optimizer=optimizer)
    >>> shift.initialize(None)  # a Trainer calls these; the optimizer is given
    >>> lrs = []
    >>> for _ in range(5):
    ...     shift(None)
    ...     lrs.append(round(optimizer.lr, 4))
    >>> lrs
    [1.0, 0.1, 0.1, 0.01, 0.01]
    """

    def __init__(self, attr, gamma, step_value, init, optimizer=None):
        super().__init__(attr, init, optimizer)
        self._gamma = gamma
        self._step_value = sorted(step_value)

    def _value(self, t):
        return self._init * self._gamma ** bisect.bisect_right(self._step_value, t)


class PolynomialShift(_Shift):
    """``init * (1 - t / max_count) ** rate`` (0 after ``max_count``),
    stopping at ``target``.

    >>> optimizer = fastgrad.optimizers.SGD(lr=1.)
    >>> shift = fastgrad.training.extensions.PolynomialShift('lr', 2., 4, optimizer=optimizer)
    >>> shift.initialize(None)  # a Trainer calls these; the optimizer is given
    >>> lrs = []
    >>> for _ in range(5):
    ...     shift(None)
    ...     lrs.append(optimizer.lr)
    >>> lrs
    [0.5625, 0.25, 0.0625, 0.0, 0.0]
    """

    def __init__(self, attr, rate, max_count, init=None, target=None, optimizer=None):
        super().__init__(attr, init, optimizer)
        self._rate = rate
        self._max_count = max_count
        self._target = target

    def _value(self, t):
        decay = max(1 - t / self._max_count, 0)
        value = self._init * decay ** self._rate
        if self._target is not None and value != 0:
            return _clamp(value, self._target, self._rate < 0)
        if self._target is not None:
            return self._target
        return value


class InverseShift(_Shift):
    """``init * (1 + gamma * t) ** -power``, stopping at ``target``.

    >>> optimizer = fastgrad.optimizers.SGD(lr=1.)
    >>> from fastgrad.training.extensions import InverseShift
    >>> shift = InverseShift('lr', gamma=1., power=1., optimizer=optimizer)
    >>> shift.initialize(None)  # a Trainer calls these; the optimizer is given
    >>> for _ in range(3):
    ...     shift(None)
    ...     print(round(optimizer.lr, 4))
    0.5
    0.3333
    0.25
    """

    def __init__(self, attr, gamma, power, init=None, target=None, optimizer=None):
        super().__init__(attr, init, optimizer)
        if gamma < 0:
            raise ValueError('InverseShift: gamma must be >= 0, got {}'.format(gamma))
        self._gamma = gamma
        self._power = power
        self._target = target

    def _value(self, t):
        value = self._init * (1 + self._gamma * t) ** (-self._power)
        return _clamp(value, self._target, self._power < 0)


class WarmupShift(_Shift):
    """Raises the attribute linearly from ``warmup_start`` to ``init`` over
    the first ``warmup_iter`` invocations, then keeps ``init``.

    >>> optimizer = fastgrad.optimizers.SGD(lr=1.)
    >>> shift = fastgrad.training.extensions.WarmupShift('lr', 0., 4, optimizer=optimizer)
    >>> shift.initialize(None)  # a Trainer calls these; the optimizer is given
    >>> lrs = []
    >>> for _ in range(5):
    ...     shift(None)
    ...     lrs.append(optimizer.lr)
    >>> lrs
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    def __init__(self, attr, warmup_start, warmup_iter, init=None, optimizer=None):
        super().__init__(attr, init, optimizer)
        self._warmup_start = warmup_start
        self._warmup_iter = warmup_iter

    def _value(self, t):
        if t >= self._warmup_iter:
            return self._init
        return self._warmup_start + (self._init - self._warmup_start) * t / self._warmup_iter
