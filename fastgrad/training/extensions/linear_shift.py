"""Chainer's module path for LinearShift (defined in _shifts)."""
from fastgrad.training.extensions._shifts import LinearShift  # NOQA
