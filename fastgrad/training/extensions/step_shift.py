"""Chainer's module path for StepShift (defined in _shifts)."""
from fastgrad.training.extensions._shifts import StepShift  # NOQA
