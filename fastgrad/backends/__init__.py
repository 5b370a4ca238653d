"""``chainer.backends``: the CUDA (CuPy), CPU and Intel64 backend modules."""
from fastgrad.backends import _cpu  # NOQA
from fastgrad.backends import cpu  # NOQA
from fastgrad.backends import cuda  # NOQA
from fastgrad.backends import intel64  # NOQA
