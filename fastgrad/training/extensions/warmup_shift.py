"""Chainer's module path for WarmupShift (defined in _shifts)."""
from fastgrad.training.extensions._shifts import WarmupShift  # NOQA
