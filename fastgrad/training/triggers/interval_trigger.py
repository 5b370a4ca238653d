import warnings

_UNITS = ('epoch', 'iteration')


def _check_unit(name, unit):
    if unit not in _UNITS:
        raise ValueError("{}: unit must be 'epoch' or 'iteration', got {!r}"
                         .format(name, unit))


def _load_or_guess(name, serializer, key, value, unknown):
    """``serializer(key, value)``; a snapshot written before the trigger
    saved ``key`` (KeyError) gives ``unknown`` and a warning, and the trigger
    then guesses that state from the updater on its next call."""
    try:
        return serializer(key, value)
    except KeyError:
        warnings.warn('{}: the snapshot has no {!r}; it is guessed from the updater, '
                      'which is right only if the trigger is called every iteration'
                      .format(name, key))
        return unknown


class IntervalTrigger(object):
    """Fires every ``period`` epochs or iterations.

    A fractional period of epochs is allowed; the trigger fires when
    ``epoch_detail // period`` changes (so it also works after a resume or
    with batches that do not divide the epoch).

    >>> trigger = fastgrad.training.triggers.IntervalTrigger(2, 'iteration')
    >>> trigger.period, trigger.unit
    (2, 'iteration')
    """

    def __init__(self, period, unit):
        _check_unit('IntervalTrigger', unit)
        self.period = period
        self.unit = unit
        self.count = 0
        self._previous_iteration = 0
        self._previous_epoch_detail = 0.

    def __call__(self, trainer):
        updater = trainer.updater
        if self.unit == 'epoch':
            epoch_detail = updater.epoch_detail
            previous = self._previous_epoch_detail
            if previous < 0:   # an old snapshot's "unknown"
                previous = updater.previous_epoch_detail or 0.
            self.count = epoch_detail // self.period
            fire = previous // self.period != epoch_detail // self.period
        else:
            iteration = updater.iteration
            previous = self._previous_iteration
            if previous < 0:
                previous = iteration - 1
            fire = previous // self.period != iteration // self.period
        self._previous_iteration = updater.iteration
        if hasattr(updater, 'epoch_detail'):
            self._previous_epoch_detail = updater.epoch_detail
        return fire

    def serialize(self, serializer):
        # -1 means unknown (a snapshot from before these were saved)
        self._previous_iteration = int(_load_or_guess(
            'IntervalTrigger', serializer, 'previous_iteration', self._previous_iteration, -1))
        self._previous_epoch_detail = float(_load_or_guess(
            'IntervalTrigger', serializer, 'previous_epoch_detail',
            self._previous_epoch_detail, -1.))

    def get_training_length(self):
        return self.period, self.unit

    def __str__(self):
        return '{}({}, {!r})'.format(type(self).__name__, self.period, self.unit)
