"""Trigger helpers (``chainer.training.util``)."""


def _never_fire_trigger(trainer):
    return False


def get_trigger(trigger):
    """A trigger object from a spec: a callable is returned as is, None
    never fires, and a tuple ``(period, unit)`` gives an IntervalTrigger
    (``unit`` is ``'epoch'`` or ``'iteration'``).

    >>> trigger = fastgrad.training.get_trigger((2, 'epoch'))
    >>> type(trigger).__name__, trigger.period, trigger.unit
    ('IntervalTrigger', 2, 'epoch')
    >>> fastgrad.training.get_trigger(None)(None)  # never fires
    False
    """
    if callable(trigger):
        return trigger
    if trigger is None:
        return _never_fire_trigger
    from fastgrad.training.triggers import interval_trigger
    try:
        period, unit = trigger
    except (TypeError, ValueError):
        raise TypeError('get_trigger: expected a callable, None or a tuple '
                        "(period, 'epoch' | 'iteration'), got {!r}".format(trigger)) from None
    return interval_trigger.IntervalTrigger(period, unit)
