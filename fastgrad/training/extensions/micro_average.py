from fastgrad.training import extension
from fastgrad.training import util


class MicroAverage(extension.Extension):
    """Reports ``sum(numerator) / sum(denominator)`` over each ``trigger``
    interval as ``result_key`` (e.g. accuracy over all examples rather than
    the mean of batch accuracies)."""

    priority = extension.PRIORITY_EDITOR

    def __init__(self, numerator_key, denominator_key, result_key,
                 trigger=(1, 'epoch')):
        self._trigger = util.get_trigger(trigger)
        self._numerator_key = numerator_key
        self._denominator_key = denominator_key
        self._result_key = result_key
        self._numerator = 0
        self._denominator = 0

    def __call__(self, trainer):
        observation = trainer.observation
        if not (self._numerator_key in observation and
                self._denominator_key in observation):
            return
        self._numerator += observation[self._numerator_key]
        self._denominator += observation[self._denominator_key]
        if self._trigger(trainer):
            observation[self._result_key] = (
                float(self._numerator) / float(self._denominator))
            self._numerator = 0
            self._denominator = 0

    def serialize(self, serializer):
        if hasattr(self._trigger, 'serialize'):
            self._trigger.serialize(serializer['_trigger'])
        self._numerator = serializer('_numerator', self._numerator)
        self._denominator = serializer('_denominator', self._denominator)
