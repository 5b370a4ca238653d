"""Chainer's module path for PolynomialShift (defined in _shifts)."""
from fastgrad.training.extensions._shifts import PolynomialShift  # NOQA
