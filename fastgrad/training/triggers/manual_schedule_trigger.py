from fastgrad.training.triggers.interval_trigger import _check_unit, _load_or_guess


class ManualScheduleTrigger(object):
    """Fires when the iteration count or ``epoch_detail`` passes one of
    ``points`` (a number or a list).  ``finished`` becomes True after the
    last point.

    >>> trainer = fastgrad.testing.get_trainer_with_mock_updater((5, 'iteration'))
    >>> trigger = fastgrad.training.triggers.ManualScheduleTrigger([2, 4], 'iteration')
    >>> fired = []
    >>> for _ in range(5):
    ...     trainer.updater.update()
    ...     fired.append(trigger(trainer))
    >>> fired
    [False, True, False, True, False]
    """

    def __init__(self, points, unit):
        _check_unit('ManualScheduleTrigger', unit)
        self.points = list(points) if isinstance(points, (list, tuple)) else [points]
        self.unit = unit
        self.finished = False
        self._previous_iteration = 0
        self._previous_epoch_detail = 0.

    def __call__(self, trainer):
        updater = trainer.updater
        if self.unit == 'epoch':
            now = updater.epoch_detail
            previous = self._previous_epoch_detail
            if previous < 0:
                previous = updater.previous_epoch_detail or 0.
        else:
            now = updater.iteration
            previous = self._previous_iteration
            if previous < 0:
                previous = now - 1
        fire = any(previous < p <= now for p in self.points)
        if now >= max(self.points):
            self.finished = True
        self._previous_iteration = updater.iteration
        if hasattr(updater, 'epoch_detail'):
            self._previous_epoch_detail = updater.epoch_detail
        return fire

    def serialize(self, serializer):
        # -1 means unknown (a snapshot from before these were saved)
        name = 'ManualScheduleTrigger'
        self._previous_iteration = int(_load_or_guess(
            name, serializer, 'previous_iteration', self._previous_iteration, -1))
        self._previous_epoch_detail = float(_load_or_guess(
            name, serializer, 'previous_epoch_detail', self._previous_epoch_detail, -1.))
        # False until the next call recomputes it from the updater
        self.finished = bool(_load_or_guess(name, serializer, 'finished', self.finished, False))
