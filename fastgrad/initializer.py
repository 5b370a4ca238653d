"""Chainer's ``chainer.initializer`` module path."""
from fastgrad.initializers.initializer import Initializer, get_fans  # NOQA
