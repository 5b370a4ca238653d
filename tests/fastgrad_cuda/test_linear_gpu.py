"""fastgrad_cuda's kernels on a real GPU (marked ``gpu``: skipped without CuPy/device).

Every kernel is checked against a float64 reference computed from the same
inputs, on random data (never zeros), with outputs poisoned with NaN before
the launch so that an element the kernel fails to write is caught.
"""
import copy

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import optimizers
from fastgrad_cuda import launch, plan
from fastgrad_cuda import linear as fl

pytestmark = pytest.mark.gpu

TOL = {numpy.float32: 1e-5, numpy.float64: 1e-12}

SHAPES = [(1, 1, 1), (2, 3, 5), (7, 13, 17), (33, 65, 31), (127, 129, 255), (32, 64, 64),
          (257, 300, 129), (1, 1024, 1), (1000, 3, 2), (128, 1024, 1024)]


@pytest.fixture
def cp():
    return pytest.importorskip('cupy')


def _rand(cp, shape, dtype, seed):
    rng = numpy.random.RandomState(seed)
    return cp.asarray(rng.uniform(-1, 1, shape).astype(dtype))


def _poison(cp, shape, dtype):
    return cp.full(shape, numpy.nan, dtype)


def _f64(cp, a):
    return cp.asnumpy(a).astype(numpy.float64)


def _assert_close(cp, got, ref, dtype, what=''):
    g = _f64(cp, got)
    assert not numpy.isnan(g).any(), '{}: unwritten (NaN) output elements'.format(what)
    assert g.shape == ref.shape
    denom = numpy.linalg.norm(ref)
    err = numpy.linalg.norm(g - ref) / (denom if denom > 0 else 1.0)
    assert err < TOL[dtype], '{}: relative error {:.3g}'.format(what, err)


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', SHAPES)
def test_kernels_against_float64(cp, dtype, shape):
    n, k, m = shape
    x = _rand(cp, (n, k), dtype, 1)
    W = _rand(cp, (m, k), dtype, 2)
    b = _rand(cp, (m,), dtype, 3)
    gy = _rand(cp, (n, m), dtype, 4)
    x64, W64, b64, gy64 = (_f64(cp, a) for a in (x, W, b, gy))
    saved = [a.copy() for a in (x, W, b, gy)]

    out = fl.linear_forward(x, W, b, out=_poison(cp, (n, m), dtype))
    _assert_close(cp, out, x64 @ W64.T + b64, dtype, 'forward+bias')
    out = fl.linear_forward(x, W, out=_poison(cp, (n, m), dtype))
    _assert_close(cp, out, x64 @ W64.T, dtype, 'forward')
    out = fl.linear_forward(x, W, b, activation='relu', out=_poison(cp, (n, m), dtype))
    _assert_close(cp, out, numpy.maximum(x64 @ W64.T + b64, 0), dtype, 'forward+bias+relu')
    out = fl.linear_grad_x(gy, W, out=_poison(cp, (n, k), dtype))
    _assert_close(cp, out, gy64 @ W64, dtype, 'grad_x')
    out = fl.linear_grad_W(gy, x, out=_poison(cp, (m, k), dtype))
    _assert_close(cp, out, gy64.T @ x64, dtype, 'grad_W')
    out = fl.bias_grad(gy, out=_poison(cp, (m,), dtype))
    _assert_close(cp, out, gy64.sum(axis=0), dtype, 'bias_grad')
    for a, s in zip((x, W, b, gy), saved):
        assert cp.array_equal(a, s), 'an input was modified'


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('tile', ['L', 'W', 'M', 'S'])
@pytest.mark.parametrize('splits', [1, 3, 8])
def test_every_tile_and_split(cp, dtype, tile, splits):
    n, k, m = 300, 257, 131
    x, W, b = _rand(cp, (n, k), dtype, 5), _rand(cp, (m, k), dtype, 6), _rand(cp, (m,), dtype, 7)
    gy = _rand(cp, (n, m), dtype, 8)
    x64, W64, b64, gy64 = (_f64(cp, a) for a in (x, W, b, gy))
    kw = dict(tile=tile, splits=splits)
    _assert_close(cp, fl.linear_forward(x, W, b, out=_poison(cp, (n, m), dtype), **kw),
                  x64 @ W64.T + b64, dtype, 'forward')
    _assert_close(cp, fl.linear_forward(x, W, b, 'relu', out=_poison(cp, (n, m), dtype), **kw),
                  numpy.maximum(x64 @ W64.T + b64, 0), dtype, 'forward relu')
    _assert_close(cp, fl.linear_grad_x(gy, W, out=_poison(cp, (n, k), dtype), **kw),
                  gy64 @ W64, dtype, 'grad_x')
    _assert_close(cp, fl.linear_grad_W(gy, x, out=_poison(cp, (m, k), dtype), **kw),
                  gy64.T @ x64, dtype, 'grad_W')


def _layouts(cp, a):
    """The same matrix in several memory layouts (all views read in place)."""
    n, k = a.shape
    big = cp.full((2 * n, 3 * k + 1), numpy.nan, a.dtype)
    big[::2, 1::3][:, :k] = a
    shifted = cp.full((n, k + 1), numpy.nan, a.dtype)
    shifted[:, 1:] = a
    rev = cp.full((n, k), numpy.nan, a.dtype)
    rev[::-1] = a
    return {'C': cp.ascontiguousarray(a), 'F': cp.asfortranarray(a),
            'strided': big[::2, 1::3][:, :k], 'misaligned': shifted[:, 1:],
            'reversed': rev[::-1], 'T-view': cp.ascontiguousarray(a.T).T}


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_strided_inputs(cp, dtype):
    n, k, m = 67, 36, 40
    x, W, gy = _rand(cp, (n, k), dtype, 9), _rand(cp, (m, k), dtype, 10), \
        _rand(cp, (n, m), dtype, 11)
    b = _rand(cp, (2 * m,), dtype, 12)[::2]
    x64, W64, gy64, b64 = (_f64(cp, a) for a in (x, W, gy, b))
    lx, lw, lg = _layouts(cp, x), _layouts(cp, W), _layouts(cp, gy)
    for kx, xv in lx.items():
        for kw, Wv in lw.items():
            what = 'x {} W {}'.format(kx, kw)
            _assert_close(cp, fl.linear_forward(xv, Wv, b), x64 @ W64.T + b64, dtype, what)
            _assert_close(cp, fl.linear_grad_W(lg[kw], xv), gy64.T @ x64, dtype, what)
            _assert_close(cp, fl.linear_grad_x(lg[kx], Wv), gy64 @ W64, dtype, what)
    for kg, gv in lg.items():
        _assert_close(cp, fl.bias_grad(gv), gy64.sum(axis=0), dtype, 'gy ' + kg)


def _grads(xp_arrays, double, use_cublas):
    vs = [fastgrad.Variable(a.copy()) for a in xp_arrays[:3]]
    with fastgrad.using_config('linear_use_cublas', use_cublas):
        y = F.linear(*vs)
        y.grad = xp_arrays[3].copy()
        y.backward(enable_double_backprop=double)
    return [y.array] + [v.grad for v in vs]


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('double', [False, True])
@pytest.mark.parametrize('use_cublas', [False, True])
def test_F_linear_matches_cpu(cp, dtype, double, use_cublas):
    rng = numpy.random.RandomState(13)
    host = [rng.uniform(-1, 1, s).astype(dtype) for s in ((37, 53), (29, 53), (29,), (37, 29))]
    cpu = _grads(host, double, False)
    gpu = _grads([cp.asarray(a) for a in host], double, use_cublas)
    for c, g in zip(cpu, gpu):
        assert isinstance(g, cp.ndarray) and g.dtype == dtype
        _assert_close(cp, g, c.astype(numpy.float64), dtype)


def test_F_linear_uses_the_kernels(cp, monkeypatch):
    calls = []

    def spy(name, f):
        def g(*args):
            calls.append(name)
            return f(*args)
        return g
    k = fl.KERNELS
    monkeypatch.setattr(fl, 'KERNELS', fl.Ops(k.name, spy('forward', k.forward),
                                              spy('grad_x', k.grad_x), spy('grad_W', k.grad_W),
                                              spy('bias_grad', k.bias_grad)))
    x = fastgrad.Variable(_rand(cp, (8, 5), numpy.float32, 1))
    W = fastgrad.Variable(_rand(cp, (3, 5), numpy.float32, 2))
    b = fastgrad.Variable(_rand(cp, (3,), numpy.float32, 3))
    y = F.linear(x, W, b)
    y.grad = cp.ones_like(y.array)
    y.backward()
    assert sorted(calls) == ['bias_grad', 'forward', 'grad_W', 'grad_x']


def test_mixed_devices_raise(cp):
    x = numpy.ones((4, 3), numpy.float32)
    W = cp.ones((2, 3), numpy.float32)
    with pytest.raises(TypeError, match='mix CPU and GPU'):
        F.linear(x, W)
    with pytest.raises(TypeError, match='mix CPU and GPU'):
        F.linear(cp.asarray(x), W, numpy.ones(2, numpy.float32))


class _MLP(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(20, 64)
            self.l2 = L.Linear(64, 48)
            self.l3 = L.Linear(48, 10)

    def forward(self, x):
        return self.l3(F.relu(self.l2(F.relu(self.l1(x)))))


def test_mlp_trains_like_cpu(cp, monkeypatch):
    """L.Linear(...).to_device('@cupy:0'): same gradients and parameters as on the CPU,
    with the linear layers on fastgrad_cuda's kernels only."""
    def no_cublas(*args):
        raise AssertionError('cuBLAS route used')
    monkeypatch.setattr(fl, 'CUBLAS', fl.Ops('cublas', no_cublas, no_cublas, no_cublas,
                                             no_cublas))
    numpy.random.seed(0)
    cpu = _MLP()
    gpu = copy.deepcopy(cpu).to_device('@cupy:0')
    assert isinstance(gpu.l1.W.array, cp.ndarray)
    opt_c, opt_g = optimizers.SGD(lr=0.1), optimizers.SGD(lr=0.1)
    opt_c.setup(cpu)
    opt_g.setup(gpu)
    rng = numpy.random.RandomState(1)
    for step in range(5):
        x = rng.uniform(-1, 1, (32, 20)).astype(numpy.float32)
        t = rng.randint(0, 10, 32).astype(numpy.int32)
        losses = []
        for model, opt, xp_x, xp_t in ((cpu, opt_c, x, t),
                                       (gpu, opt_g, cp.asarray(x), cp.asarray(t))):
            model.cleargrads()
            loss = F.softmax_cross_entropy(model(xp_x), xp_t)
            loss.backward()
            losses.append(float(loss.array))
            if model is gpu:
                for (name, pc), (_, pg) in zip(sorted(cpu.namedparams()),
                                               sorted(gpu.namedparams())):
                    numpy.testing.assert_allclose(cp.asnumpy(pg.grad), pc.grad, rtol=1e-4,
                                                  atol=1e-6, err_msg='step {} {}'.format(
                                                      step, name))
            opt.update()
        assert abs(losses[0] - losses[1]) < 1e-5 * max(1.0, abs(losses[0]))
    for (name, pc), (_, pg) in zip(sorted(cpu.namedparams()), sorted(gpu.namedparams())):
        assert isinstance(pg.array, cp.ndarray)
        numpy.testing.assert_allclose(cp.asnumpy(pg.array), pc.array, rtol=1e-4, atol=1e-6,
                                      err_msg=name)


def test_compile_all_and_attributes(cp):
    kernels = launch.compile_all()
    assert set(kernels) == set(plan.kernel_names(4, int(cp.cuda.Device().compute_capability))
                               + plan.kernel_names(8, int(cp.cuda.Device().compute_capability)))
    for name, k in kernels.items():
        assert k.attributes['local_size_bytes'] == 0, name + ' spills'
