"""cuDNN's config semantics and the convolution dispatch, on the CPU.

As in Chainer, ``use_cudnn`` ('always', 'auto', 'never') only chooses among
what exists: without cuDNN (no CuPy, no libcudnn, or CHAINER_CUDNN=0) even
'always' quietly runs im2col + GEMM.  The cuDNN numbers themselves are the
job of test_conv_cudnn_gpu.py.
"""
import os
import subprocess
import sys
import tempfile

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad.backends import cuda
from fastgrad.functions._util import conv

# the fastgrad under test (an installed wheel in CI, where the source tree is unbuilt)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))


def test_defaults_are_chainers():
    assert fastgrad.global_config.use_cudnn == os.environ.get('CHAINER_USE_CUDNN', 'auto')
    assert fastgrad.global_config.use_cudnn_tensor_core == 'auto'
    assert fastgrad.global_config.cudnn_deterministic is False


def test_chainer_use_cudnn_environment_variable():
    env = dict(os.environ, PYTHONPATH=ROOT, CHAINER_USE_CUDNN='never')
    out = subprocess.run([sys.executable, '-c', 'import fastgrad; print(fastgrad.config.use_cudnn)'],
                         cwd=tempfile.gettempdir(), env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'never'


@pytest.mark.parametrize('setting, always, auto', [('always', True, True),
                                                   ('auto', False, True),
                                                   ('never', False, False)])
def test_should_use_cudnn_levels_with_cudnn(monkeypatch, setting, always, auto):
    monkeypatch.setattr(cuda, 'cudnn_enabled', True)
    with fastgrad.using_config('use_cudnn', setting):
        assert cuda.should_use_cudnn('==always') is always
        assert cuda.should_use_cudnn('>=auto') is auto


@pytest.mark.parametrize('setting', ['always', 'auto', 'never'])
def test_should_use_cudnn_is_false_without_cudnn(monkeypatch, setting):
    monkeypatch.setattr(cuda, 'cudnn_enabled', False)
    with fastgrad.using_config('use_cudnn', setting):
        assert cuda.should_use_cudnn('==always') is False
        assert cuda.should_use_cudnn('>=auto') is False


def test_should_use_cudnn_rejects_bad_level_and_config():
    with pytest.raises(ValueError, match="level must be '==always' or '>=auto', got 'auto'"):
        cuda.should_use_cudnn('auto')
    with fastgrad.using_config('use_cudnn', 'sometimes'):
        with pytest.raises(ValueError, match="invalid use_cudnn configuration: 'sometimes'"):
            cuda.should_use_cudnn('>=auto')


def test_should_use_cudnn_tensor_core():
    with fastgrad.using_config('use_cudnn_tensor_core', 'always'):
        assert cuda.should_use_cudnn_tensor_core(numpy.float32) is True
    with fastgrad.using_config('use_cudnn_tensor_core', 'never'):
        assert cuda.should_use_cudnn_tensor_core(numpy.float16) is False
    with fastgrad.using_config('use_cudnn_tensor_core', 'auto'):
        # float32 and float64 never; float16 only on a GPU of sm_70 or newer
        assert cuda.should_use_cudnn_tensor_core(numpy.float32) is False
        assert cuda.should_use_cudnn_tensor_core(numpy.float64) is False
    with fastgrad.using_config('use_cudnn_tensor_core', 'yes'):
        with pytest.raises(ValueError, match="invalid use_cudnn_tensor_core configuration"):
            cuda.should_use_cudnn_tensor_core(numpy.float32)


@pytest.mark.skipif(cuda.available, reason='checks the machine without CuPy or a GPU')
def test_no_cudnn_without_a_gpu():
    assert cuda.cudnn_enabled is False and cuda.cudnn is None


def test_dispatch_leaves_numpy_arrays_to_im2col(monkeypatch):
    """Even with cuDNN reported present and use_cudnn='always', NumPy arrays
    take the im2col path (and give its results)."""
    monkeypatch.setattr(cuda, 'cudnn_enabled', True)
    rng = numpy.random.RandomState(0)
    x = rng.randn(2, 4, 7, 7).astype(numpy.float32)
    W = rng.randn(6, 2, 3, 3).astype(numpy.float32)
    with fastgrad.using_config('use_cudnn', 'always'):
        assert conv._cudnn('forward', x, W, (2, 6, 5, 5), 1, 1, 0, 0, 1, 1, 2) is None
        y = F.convolution_2d(x, W, groups=2).array
    with fastgrad.using_config('use_cudnn', 'never'):
        expected = F.convolution_2d(x, W, groups=2).array
    numpy.testing.assert_array_equal(y, expected)


def test_runtime_info_names_the_cudnn_found():
    from fastgrad import runtime_info
    info = dict(runtime_info.runtime_info())
    if cuda.cudnn_enabled:
        assert info['cuDNN'].startswith(str(cuda.cudnn.get_version()))
    else:
        assert info['cuDNN'] == 'Not Available'
