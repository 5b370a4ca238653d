"""Links (Chainer's ``chainer.links``): layers that own parameters."""
from fastgrad.links.connection.linear import Linear  # NOQA
