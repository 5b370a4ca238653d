import numpy

from fastgrad.training import extension


class ExponentialShift(extension.Extension):
    """Multiplies an optimizer attribute by ``rate`` at each invocation:
    ``value = init * rate ** t``, stopping at ``target`` if given.

    Typical use: ``trainer.extend(ExponentialShift('lr', 0.5),
    trigger=(10, 'epoch'))``.  ``init`` defaults to the attribute's value
    when training starts; ``optimizer`` to the updater's ``'main'`` one.
    The current value is restored on resume.

    >>> optimizer = fastgrad.optimizers.SGD(lr=1.)
    >>> shift = fastgrad.training.extensions.ExponentialShift('lr', 0.5, optimizer=optimizer)
    >>> shift.initialize(None)  # a Trainer calls these; the optimizer is given
    >>> for _ in range(3):
    ...     shift(None)
    ...     print(optimizer.lr)
    0.5
    0.25
    0.125
    """

    def __init__(self, attr, rate, init=None, target=None, optimizer=None):
        if rate < 0:
            raise ValueError('ExponentialShift: rate must be >= 0, got {}'.format(rate))
        self._attr = attr
        self._rate = rate
        self._init = init
        self._target = target
        self._optimizer = optimizer
        self._t = 0
        self._last_value = None

    def initialize(self, trainer):
        optimizer = self._get_optimizer(trainer)
        if self._init is None:
            self._init = getattr(optimizer, self._attr)
        if self._last_value is not None:   # resumed from a snapshot
            self._update_value(optimizer, self._last_value)
        else:
            self._update_value(optimizer, self._init)

    def __call__(self, trainer):
        self._t += 1
        optimizer = self._get_optimizer(trainer)
        value = self._init * self._rate ** self._t
        if self._target is not None:
            # Clamp at the target from either side (works for negative
            # values too, hence the ratio).
            if self._rate > 1:
                if value / self._target > 1:
                    value = self._target
            elif value / self._target < 1:
                value = self._target
        self._update_value(optimizer, value)

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
