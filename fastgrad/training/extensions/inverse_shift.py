"""Chainer's module path for InverseShift (defined in _shifts)."""
from fastgrad.training.extensions._shifts import InverseShift  # NOQA
