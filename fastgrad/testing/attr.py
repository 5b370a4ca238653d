"""pytest marks used by Chainer-style tests (``from fastgrad.testing import attr``).

``@attr.gpu`` marks a test that needs CuPy and a CUDA device; ``@attr.slow``
one that takes long; ``cudnn``, ``multi_gpu(n)``, ``chainerx`` and ``ideep``
as in Chainer.  fastgrad's tests/conftest.py registers them and skips
``gpu`` tests when no device is present.
"""
import pytest

gpu = pytest.mark.gpu
slow = pytest.mark.slow
chainerx = pytest.mark.chainerx
ideep = pytest.mark.ideep


def multi_gpu(gpu_num):
    """Mark a test that needs ``gpu_num`` GPUs (it is a ``gpu`` test too)."""
    def deco(f):
        return pytest.mark.gpu(pytest.mark.multi_gpu(gpu_num)(f))
    return deco


def cudnn(f):
    """Mark a test that needs cuDNN (it is a ``gpu`` test too)."""
    return pytest.mark.gpu(pytest.mark.cudnn(f))
