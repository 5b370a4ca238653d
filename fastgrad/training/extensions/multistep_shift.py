"""Chainer's module path for MultistepShift (defined in _shifts)."""
from fastgrad.training.extensions._shifts import MultistepShift  # NOQA
