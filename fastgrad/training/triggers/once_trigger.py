from fastgrad.training.triggers.interval_trigger import _load_or_guess


class OnceTrigger(object):
    """Fires once: at the first check (and, with ``call_on_resume``, once
    more after a resume).

    >>> trainer = fastgrad.testing.get_trainer_with_mock_updater((3, 'iteration'))
    >>> trigger = fastgrad.training.triggers.OnceTrigger()
    >>> fired = []
    >>> for _ in range(3):
    ...     trainer.updater.update()
    ...     fired.append(trigger(trainer))
    >>> fired
    [True, False, False]
    """

    def __init__(self, call_on_resume=False):
        self._flag_first = True
        self._flag_resumed = call_on_resume

    @property
    def finished(self):
        return not (self._flag_first or self._flag_resumed)

    def __call__(self, trainer):
        fire = not self.finished
        self._flag_resumed = False
        self._flag_first = False
        return fire

    def serialize(self, serializer):
        # a snapshot from before the flag was saved: assume the trigger had
        # already fired (wrong only if it was saved before its first call)
        self._flag_first = bool(_load_or_guess(
            'OnceTrigger', serializer, '_flag_first', self._flag_first, False))
