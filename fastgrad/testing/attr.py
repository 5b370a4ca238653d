"""pytest marks used by Chainer-style tests (``from fastgrad.testing import attr``).

``@attr.gpu`` marks a test that needs CuPy and a CUDA device; ``@attr.slow``
one that takes long.  tests/conftest.py registers both and skips ``gpu``
tests when no device is present.
"""
import pytest

gpu = pytest.mark.gpu
slow = pytest.mark.slow
# Chainer's other device marks: all imply a GPU here.
cudnn = pytest.mark.gpu


def multi_gpu(gpu_num):
    """Mark a test that needs ``gpu_num`` GPUs (treated as ``gpu``)."""
    def deco(f):
        return pytest.mark.gpu(pytest.mark.multi_gpu(gpu_num)(f))
    return deco
