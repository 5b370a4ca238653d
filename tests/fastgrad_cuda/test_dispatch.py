"""Which code LinearFunction runs for which arrays -- checked on the CPU.

A tiny stand-in ``cupy`` module (an ndarray class with a dtype and a shape,
nothing else) is put into sys.modules, and fastgrad_cuda's two Ops sets are
replaced by recorders.  The recorders compute nothing; the tests assert only
*which* entry point was called with *which* arrays.  The kernels' numbers are
the gpu tests' job (test_linear_gpu.py).
"""
import importlib
import sys
import types

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import _gemm
from fastgrad.functions.connection.linear import LinearFunction
from fastgrad_cuda import launch
from fastgrad_cuda import linear as fl

linear_mod = importlib.import_module('fastgrad.functions.connection.linear')


class FakeGpuArray(object):
    """Stands for a cupy.ndarray in type checks only."""
    device = types.SimpleNamespace(id=0)

    def __init__(self, shape, dtype):
        self.shape = tuple(shape)
        self.dtype = numpy.dtype(dtype)
        self.ndim = len(shape)
        self.calls = []

    @property
    def T(self):
        return FakeGpuArray(self.shape[::-1], self.dtype)

    # the generic (array-module) path: record that it was taken
    def dot(self, other):
        self.calls.append('dot')
        return _Generic(self)

    def sum(self, axis=None):
        self.calls.append('sum')
        return FakeGpuArray(self.shape[1:], self.dtype)


class _Generic(FakeGpuArray):
    def __init__(self, src):
        super().__init__((1, 1), src.dtype)
        self.src = src

    def astype(self, dtype, copy=True):
        return self

    def __iadd__(self, other):
        return self


@pytest.fixture
def fake_cupy(monkeypatch):
    cp = types.ModuleType('cupy')
    cp.ndarray = FakeGpuArray
    monkeypatch.setitem(sys.modules, 'cupy', cp)
    # an sm_80 device: the FP64 tensor-core auto mode stays off, SIMT routes run
    monkeypatch.setattr(launch, '_devices', {0: (80, 108)})
    return cp


@pytest.fixture
def recorder(monkeypatch):
    """Replace KERNELS and CUBLAS by Ops that record (name, entry point, args)."""
    calls = []

    def ops(name):
        def rec(entry):
            def f(*args):
                calls.append((name, entry, args))
                return ('result of', name, entry)
            return f
        return fl.Ops(name, rec('forward'), rec('grad_x'), rec('grad_W'), rec('bias_grad'))

    monkeypatch.setattr(fl, 'KERNELS', ops('kernels'))
    monkeypatch.setattr(fl, 'CUBLAS', ops('cublas'))
    return calls


def _arrays(dtype=numpy.float32, n=4, k=3, m=2):
    return FakeGpuArray((n, k), dtype), FakeGpuArray((m, k), dtype), FakeGpuArray((m,), dtype)


# -- select ----------------------------------------------------------------------------

def test_select_without_cupy_module(monkeypatch):
    monkeypatch.delitem(sys.modules, 'cupy', raising=False)
    x = numpy.zeros((2, 3), numpy.float32)
    assert fl.select((x, x), False) is None


def test_select(fake_cupy):
    x, W, b = _arrays()
    assert fl.select((x, W, b), False) is fl.KERNELS
    assert fl.select((x, W, b), True) is fl.CUBLAS
    x64, W64, _ = _arrays(numpy.float64)
    assert fl.select((x64, W64), False) is fl.KERNELS
    x16, W16, _ = _arrays(numpy.float16)
    assert fl.select((x16, W16), False) is None          # generic path
    assert fl.select((x, W64), False) is None            # mixed dtypes: generic path
    n = numpy.zeros((4, 3), numpy.float32)
    assert fl.select((n, n), False) is None              # NumPy only: not ours


def test_select_mixed_devices(fake_cupy):
    x, W, _ = _arrays()
    with pytest.raises(TypeError, match=r'mix CPU and GPU arrays \(cupy.ndarray, numpy.ndarray\)'):
        fl.select((numpy.zeros((4, 3), numpy.float32), W), False)
    with pytest.raises(TypeError, match='LinearFunction'):
        fl.select((x, numpy.zeros((2, 3), numpy.float32)), True)


# -- LinearFunction's branches ---------------------------------------------------------

@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('use_cublas', [False, True])
def test_forward_routes(fake_cupy, recorder, dtype, use_cublas):
    x, W, b = _arrays(dtype)
    with fastgrad.using_config('linear_use_cublas', use_cublas):
        y, = LinearFunction().forward((x, W, b))
        y2, = LinearFunction().forward((x, W))
    name = 'cublas' if use_cublas else 'kernels'
    assert recorder == [(name, 'forward', (x, W, b)), (name, 'forward', (x, W, None))]
    assert y == ('result of', name, 'forward')


def test_forward_generic_for_other_dtypes(fake_cupy, recorder):
    x, W, b = _arrays(numpy.float16)
    LinearFunction().forward((x, W, b))
    assert recorder == [] and x.calls == ['dot']
    x, W = FakeGpuArray((4, 3), numpy.float32), FakeGpuArray((2, 3), numpy.float64)
    LinearFunction().forward((x, W))
    assert recorder == [] and x.calls == ['dot']


def test_forward_mixed_raises(fake_cupy, recorder):
    x, W, b = _arrays()
    n = numpy.ones((4, 3), numpy.float32)
    with pytest.raises(TypeError, match='mix CPU and GPU'):
        LinearFunction().forward((n, W))
    with pytest.raises(TypeError, match='mix CPU and GPU'):
        LinearFunction().forward((x, numpy.ones((2, 3), numpy.float32)))
    assert recorder == []


class _Retained(LinearFunction):
    """backward_arrays without a graph: the retained inputs are given."""

    def __init__(self, x, W):
        super().__init__()
        self._xw = (x, W)

    def get_retained_input_arrays(self):
        return self._xw


@pytest.mark.parametrize('use_cublas', [False, True])
def test_backward_routes(fake_cupy, recorder, use_cublas):
    x, W, _ = _arrays()
    gy = FakeGpuArray((4, 2), numpy.float32)
    with fastgrad.using_config('linear_use_cublas', use_cublas):
        out = _Retained(x, W).backward_arrays((0, 1, 2), (gy,))
    name = 'cublas' if use_cublas else 'kernels'
    assert recorder == [(name, 'grad_x', (gy, W)), (name, 'grad_W', (gy, x)),
                        (name, 'bias_grad', (gy,))]
    assert out == tuple(('result of', name, e) for e in ('grad_x', 'grad_W', 'bias_grad'))


def test_backward_generic_when_grad_dtype_differs(fake_cupy, recorder):
    x, W, _ = _arrays(numpy.float64)
    gy = FakeGpuArray((4, 2), numpy.float32)      # not the inputs' dtype
    _Retained(x, W).backward_arrays((0, 1), (gy,))
    assert recorder == [] and gy.calls == ['dot'] and gy.T is not None


def test_backward_bias_generic_for_float16(fake_cupy, recorder):
    x, W, _ = _arrays(numpy.float16)
    gy = FakeGpuArray((4, 2), numpy.float16)
    _Retained(x, W).backward_arrays((2,), (gy,))
    assert recorder == [] and gy.calls == ['sum']


def test_backward_mixed_raises(fake_cupy, recorder):
    x, W, _ = _arrays()
    gy = numpy.ones((4, 2), numpy.float32)
    with pytest.raises(TypeError, match='mix CPU and GPU'):
        _Retained(x, W).backward_arrays((0,), (gy,))


def test_numpy_never_reaches_fastgrad_cuda(monkeypatch):
    """NumPy inputs (BLAS path and generic path) do not look at fastgrad_cuda."""
    def boom(*args):
        raise AssertionError('fastgrad_cuda consulted for NumPy arrays')
    monkeypatch.setattr(_gemm, '_gpu_ops', boom)
    from fastgrad._core import blas
    rng = numpy.random.RandomState(0)
    for dtype in (numpy.float16, numpy.float32, numpy.float64):
        x = fastgrad.Variable(rng.uniform(-1, 1, (4, 3)).astype(dtype))
        W = fastgrad.Variable(rng.uniform(-1, 1, (2, 3)).astype(dtype))
        b = fastgrad.Variable(rng.uniform(-1, 1, 2).astype(dtype))
        y = F.linear(x, W, b)
        y.grad = numpy.ones_like(y.array)
        y.backward()
        assert x.grad.dtype == dtype and b.grad.shape == (2,)
    monkeypatch.setattr(blas, 'supports', lambda x, W: False)
    y = F.linear(rng.rand(4, 3).astype(numpy.float32), rng.rand(2, 3).astype(numpy.float32))
    assert y.shape == (4, 2)


_ENGINE_SCRIPT = r"""
import sys, types, numpy
class FakeGpuArray(object):
    def __init__(self, shape):
        self.shape, self.dtype, self.ndim = tuple(shape), numpy.dtype('float32'), len(shape)
cp = types.ModuleType('cupy'); cp.ndarray = FakeGpuArray; sys.modules['cupy'] = cp
import fastgrad, fastgrad.functions as F
x = numpy.ones((4, 3), numpy.float32)
cases = [lambda: F.linear(x, FakeGpuArray((2, 3))),
         lambda: F.linear(fastgrad.Variable(x), FakeGpuArray((2, 3))),
         # NumPy x and W with a GPU bias never reach the (NumPy-only) BLAS code
         lambda: F.linear(x, numpy.ones((2, 3), numpy.float32), FakeGpuArray((2,)))]
for case in cases:
    try:
        case()
    except TypeError as e:
        print('TypeError:', e)
    else:
        print('no error')
"""


def test_engine_rejects_mixed_inputs(tmp_path):
    """F.linear(NumPy x, GPU W): the engine's TypeError, before any forward code.

    In a subprocess: the engine remembers the first cupy.ndarray type it sees,
    and this one is a stand-in.
    """
    import os
    import subprocess

    import fastgrad
    # The fastgrad this test imported (installed or source), run outside the tree.
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get('PYTHONPATH', ''))
    out = subprocess.run([sys.executable, '-c', _ENGINE_SCRIPT], capture_output=True,
                         text=True, env=env, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 3
    for line in lines:
        assert line.startswith('TypeError: LinearFunction: inputs mix CPU and GPU arrays '
                               '(cupy.ndarray, numpy.ndarray)'), line
