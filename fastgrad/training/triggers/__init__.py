"""Triggers (``chainer.training.triggers``): callables ``trigger(trainer)``
deciding when an extension runs or training stops."""
from fastgrad.training.triggers.early_stopping_trigger import EarlyStoppingTrigger  # NOQA
from fastgrad.training.triggers.interval_trigger import IntervalTrigger  # NOQA
from fastgrad.training.triggers.manual_schedule_trigger import ManualScheduleTrigger  # NOQA
from fastgrad.training.triggers.minmax_value_trigger import (  # NOQA
    BestValueTrigger, MaxValueTrigger, MinValueTrigger)
from fastgrad.training.triggers.once_trigger import OnceTrigger  # NOQA
from fastgrad.training.triggers.time_trigger import TimeTrigger  # NOQA
