"""``chainer.backends.intel64``: iDeep is not supported by fastgrad (its CPU
kernels use SciPy's BLAS), so it is reported unavailable, as Chainer does on
a machine without iDeep."""
from fastgrad.backend import Intel64Device  # noqa: F401  (one class, constructing it raises)


def is_ideep_available():
    return False


def should_use_ideep(level):
    return False


def inputs_all_ready(inputs, supported_ndim=(2, 4)):
    return False


def check_ideep_available():
    raise RuntimeError('iDeep is not available: fastgrad does not support the '
                       'intel64 backend (NumPy arrays run on SciPy BLAS instead)')
