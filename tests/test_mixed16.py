"""mixed16: float16 parameters and activations, float32 normalization state,
dynamic loss scaling keeps float16 training finite."""
import os
import subprocess
import sys
import tempfile

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import optimizers


def _root():
    # the fastgrad under test (source tree or installed), for subprocesses
    return os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))


def test_get_dtype_maps_mixed16():
    with fastgrad.using_config('dtype', fastgrad.mixed16):
        assert fastgrad.get_dtype() == numpy.float16
        assert fastgrad.get_dtype(map_mixed16=numpy.float32) == numpy.float32
        assert fastgrad.get_dtype(numpy.float64, map_mixed16=numpy.float32) == numpy.float64
    assert fastgrad.get_dtype(map_mixed16=numpy.float16) == numpy.float32
    assert repr(fastgrad.mixed16) == "dtype('mixed16')"
    assert numpy.dtype(fastgrad.mixed16) == numpy.float16


def test_parameters_and_bn_state():
    with fastgrad.using_config('dtype', fastgrad.mixed16):
        lin = L.Linear(3, 4)
        bn = L.BatchNormalization(4)
    assert lin.W.dtype == numpy.float16 and lin.b.dtype == numpy.float16
    assert bn.gamma.dtype == bn.beta.dtype == numpy.float32
    assert bn.avg_mean.dtype == bn.avg_var.dtype == numpy.float32
    x = numpy.random.RandomState(0).rand(6, 3).astype(numpy.float16)
    y = bn(lin(x))
    assert y.dtype == numpy.float16
    F.sum(y * y).backward()
    assert lin.W.grad.dtype == numpy.float16 and bn.gamma.grad.dtype == numpy.float32


def test_dynamic_loss_scaling_trains_in_float16():
    rng = numpy.random.RandomState(1)
    x = rng.randn(64, 8).astype(numpy.float16)
    t = (x[:, 0] > 0).astype(numpy.int32)
    with fastgrad.using_config('dtype', fastgrad.mixed16):
        model = L.Classifier(L.Linear(8, 2))
    opt = optimizers.SGD(lr=0.5).setup(model)
    opt.loss_scaling()                       # dynamic
    opt.use_fp32_update()
    first = float(model(x, t).array)
    for _ in range(30):
        opt.update(model, x, t)
    last = float(model(x, t).array)
    assert numpy.isfinite(last) and last < first
    assert model.predictor.W.dtype == numpy.float16


@pytest.mark.parametrize('name,expected', [('mixed16', "dtype('mixed16')"),
                                           ('float64', 'float64')])
def test_chainer_dtype_environment(name, expected):
    out = subprocess.run(
        [sys.executable, '-c', 'import fastgrad; print(repr(fastgrad.config.dtype))'],
        env=dict(os.environ, CHAINER_DTYPE=name, PYTHONPATH=_root()), capture_output=True,
        text=True, cwd=tempfile.gettempdir())
    assert expected in out.stdout, out.stderr


def test_bad_chainer_dtype_environment():
    out = subprocess.run([sys.executable, '-c', 'import fastgrad'],
                         env=dict(os.environ, CHAINER_DTYPE='int8', PYTHONPATH=_root()),
                         capture_output=True, text=True, cwd=tempfile.gettempdir())
    assert out.returncode != 0 and 'CHAINER_DTYPE' in out.stderr
