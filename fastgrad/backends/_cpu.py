"""``chainer.backends._cpu``: Chainer's module name for the CPU device and
its NumPy conversion (Chainer's own code and tests import it by this name)."""
from fastgrad.backend import CpuDevice  # NOQA
from fastgrad.backends.cuda import to_cpu as _to_cpu  # NOQA
