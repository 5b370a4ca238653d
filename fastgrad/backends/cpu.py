"""``chainer.backends.cpu``: the CPU (NumPy) device."""
from fastgrad.backend import CpuDevice  # NOQA
