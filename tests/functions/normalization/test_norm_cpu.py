"""Batch and group normalization's compiled CPU loops (fastgrad/_core/norm.pyx
through fastgrad/functions/_util/norm_cpu.py).

* The kernels against float64 NumPy formulas, float32 and float64, shapes
  (N, C), (N, C, L), (N, C, H, W), N = 1, C = 1, one group and C groups.
* The ops with them on equal the ops with them off (the generic array code):
  output, gradients, running statistics, fixed_batch_normalization,
  group_normalization; float16, mixed dtypes, other axes and double backprop
  keep the generic path.
* Non-contiguous arrays are copied, not misread.
* Wrong arguments to the compiled functions raise, in a subprocess (a crash
  fails one test).
"""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad._core import norm
from fastgrad.functions._util import norm_cpu

SHAPES = [(5, 3), (2, 3, 4, 5), (6, 4, 3), (1, 3, 4, 4), (4, 1, 3, 3), (7, 2, 33)]
DTYPES = [numpy.float32, numpy.float64]
EPS, DECAY = 1e-3, 0.8
TOL = {numpy.float32: 2e-5, numpy.float64: 1e-12}


def _inputs(shape, dtype, seed=0):
    rng = numpy.random.RandomState(seed)
    c = shape[1]
    x = (rng.randn(*shape) * 2 + 3).astype(dtype)
    gy = rng.randn(*shape).astype(dtype)
    gamma = rng.uniform(0.5, 1.5, c).astype(dtype)
    beta = rng.randn(c).astype(dtype)
    mean = rng.randn(c).astype(dtype)
    var = rng.uniform(0.5, 2, c).astype(dtype)
    return x, gy, gamma, beta, mean, var


def _bshape(x):
    return (1, -1) + (1,) * (x.ndim - 2)


def _reference(x, gy, gamma, beta):
    """Training-mode y, statistics and gradients in float64 (Chainer's definitions)."""
    x, gy, gamma, beta = [a.astype(numpy.float64) for a in (x, gy, gamma, beta)]
    axis = (0,) + tuple(range(2, x.ndim))
    b = _bshape(x)
    m = x.size // x.shape[1]
    mean = x.mean(axis=axis)
    var = ((x - mean.reshape(b)) ** 2).mean(axis=axis)
    inv_std = 1 / numpy.sqrt(var + EPS)
    x_hat = (x - mean.reshape(b)) * inv_std.reshape(b)
    y = gamma.reshape(b) * x_hat + beta.reshape(b)
    gbeta = gy.sum(axis=axis)
    ggamma = (gy * x_hat).sum(axis=axis)
    gx = (gamma * inv_std).reshape(b) * (
        gy - (x_hat * ggamma.reshape(b) + gbeta.reshape(b)) / m)
    return y, mean, inv_std, var, gx, ggamma, gbeta


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', SHAPES)
def test_kernels_match_float64_formulas(shape, dtype):
    x, gy, gamma, beta, mean, var = _inputs(shape, dtype)
    want = _reference(x, gy, gamma, beta)
    y, mu, inv_std, v = norm.bn_forward(x, gamma, beta, EPS)
    gx, ggamma, gbeta = norm.bn_backward(x, gy, gamma, mu, inv_std, True)
    tol = TOL[dtype]
    for got, ref in zip((y, mu, inv_std, v, gx, ggamma, gbeta), want):
        assert got.dtype == dtype and got.shape == ref.shape
        numpy.testing.assert_allclose(got, ref, rtol=tol, atol=tol)
    none, ggamma2, gbeta2 = norm.bn_backward(x, gy, gamma, mu, inv_std, False)
    assert none is None
    numpy.testing.assert_array_equal(ggamma2, ggamma)
    numpy.testing.assert_array_equal(gbeta2, gbeta)
    fixed = norm.bn_fixed_forward(x, gamma, beta, mean, var, EPS)
    b = _bshape(x)
    ref = (gamma.astype(numpy.float64).reshape(b) * (x - mean.reshape(b))
           / numpy.sqrt(var.astype(numpy.float64).reshape(b) + EPS) + beta.reshape(b))
    numpy.testing.assert_allclose(fixed, ref, rtol=tol, atol=tol)


def test_float32_sums_are_accumulated_in_double():
    # a large offset and many elements: float32 running sums would drift
    rng = numpy.random.RandomState(1)
    x = (rng.rand(64, 2, 128, 128) + 1000).astype(numpy.float32)
    ones, zeros = numpy.ones(2, numpy.float32), numpy.zeros(2, numpy.float32)
    _, mean, _, var = norm.bn_forward(x, ones, zeros, EPS)
    x64 = x.astype(numpy.float64)
    numpy.testing.assert_allclose(mean, x64.mean(axis=(0, 2, 3)), rtol=1e-7)
    numpy.testing.assert_allclose(var, x64.var(axis=(0, 2, 3)), rtol=1e-4)


def _op(x, gy, gamma, beta, running, kernels, fixed=None):
    """y, the three gradients and the running statistics of the op."""
    rm, rv = (running[0].copy(), running[1].copy()) if running else (None, None)
    xs = [fastgrad.Variable(a.copy()) for a in (x, gamma, beta)]
    with fastgrad.using_config('cpu_norm_kernels', kernels):
        if fixed is None:
            y = F.batch_normalization(*xs, eps=EPS, running_mean=rm, running_var=rv,
                                      decay=DECAY)
        else:
            y = F.fixed_batch_normalization(*xs, *fixed, eps=EPS)
        y.grad = gy
        y.backward()
    return [y.array] + [v.grad for v in xs] + ([rm, rv] if running else [])


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('mode', ['running', 'no_running', 'fixed'])
def test_ops_with_kernels_equal_the_generic_path(shape, dtype, mode, monkeypatch):
    x, gy, gamma, beta, mean, var = _inputs(shape, dtype, seed=2)
    calls = []
    for name in ('bn_forward', 'bn_backward', 'bn_fixed_forward'):
        real = getattr(norm, name)
        monkeypatch.setattr(norm, name, lambda *a, _f=real, _n=name: calls.append(_n) or _f(*a))
    running = (mean, var) if mode == 'running' else None
    fixed = (mean, var) if mode == 'fixed' else None
    got = _op(x, gy, gamma, beta, running, True, fixed)
    assert calls == (['bn_fixed_forward'] if fixed else ['bn_forward', 'bn_backward'])
    want = _op(x, gy, gamma, beta, running, False, fixed)
    assert len(calls) in (1, 2)                 # none more with the kernels off
    tol = TOL[dtype]
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        numpy.testing.assert_allclose(g, w, rtol=tol, atol=tol)


@pytest.mark.parametrize('case', ['float16', 'mixed', 'axis', 'gamma_nd', 'running_dtype',
                                  'off'])
def test_other_cases_keep_the_generic_path(case, monkeypatch):
    x, gy, gamma, beta, mean, var = _inputs((4, 3, 2, 5), numpy.float32, seed=4)
    axis, running, config = None, (mean, var), True
    if case == 'float16':
        x, gy = x.astype(numpy.float16), gy.astype(numpy.float16)
    elif case == 'mixed':
        gamma, beta = gamma.astype(numpy.float64), beta.astype(numpy.float64)
        running = (mean.astype(numpy.float64), var.astype(numpy.float64))
    elif case == 'axis':
        axis = (0, 2)
        gamma, beta = numpy.ones((3, 5), numpy.float32), numpy.zeros((3, 5), numpy.float32)
        running = None
    elif case == 'gamma_nd':
        gamma, beta = numpy.ones((3, 2), numpy.float32), numpy.zeros((3, 2), numpy.float32)
        running = None
    elif case == 'running_dtype':
        running = (mean, var.astype(numpy.float64))
    else:
        config = False

    def boom(*args):
        raise AssertionError('the compiled loops ran')
    calls, real = [], norm.bn_backward
    monkeypatch.setattr(norm, 'bn_forward', boom)
    if case == 'running_dtype':
        # the generic forward; the gradient does not read the running statistics
        monkeypatch.setattr(norm, 'bn_backward', lambda *a: calls.append(1) or real(*a))
    else:
        monkeypatch.setattr(norm, 'bn_backward', boom)
    xs = [fastgrad.Variable(a) for a in (x, gamma, beta)]
    with fastgrad.using_config('cpu_norm_kernels', config):
        y = F.batch_normalization(*xs, eps=EPS, axis=axis,
                                  running_mean=None if running is None else running[0].copy(),
                                  running_var=None if running is None else running[1].copy())
        y.grad = gy
        y.backward()
    assert all(v.grad is not None for v in xs)
    assert calls == ([1] if case == 'running_dtype' else [])


def test_double_backprop_keeps_the_generic_gradient():
    x, gy, gamma, beta, _, _ = _inputs((4, 3, 2), numpy.float64, seed=5)

    def grads(kernels):
        xs = [fastgrad.Variable(a.copy()) for a in (x, gamma, beta)]
        with fastgrad.using_config('cpu_norm_kernels', kernels):
            y = F.batch_normalization(*xs, eps=EPS)
            gx, = fastgrad.grad([y], [xs[0]], grad_outputs=[fastgrad.Variable(gy)],
                                enable_double_backprop=True)
            F.sum(gx * gx).backward()
        return [gx.array] + [v.grad for v in xs[:2]]
    for g, w in zip(grads(True), grads(False)):
        numpy.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_non_contiguous_arrays_are_copied():
    x, gy, gamma, beta, mean, var = _inputs((3, 4, 5, 6), numpy.float64, seed=6)
    xt = numpy.asfortranarray(x)
    gammas = numpy.repeat(gamma, 2)[::2]           # a strided view
    assert not xt.flags.c_contiguous and not gammas.flags.c_contiguous
    want = _reference(x, gy, gamma, beta)
    y, mu, inv_std = norm_cpu.forward(xt, gammas, beta, EPS, None, None, DECAY)
    gx, ggamma, gbeta = norm_cpu.backward(xt, numpy.asfortranarray(gy), gammas, mu, inv_std,
                                        True)
    for got, ref in zip((y, gx, ggamma, gbeta), want[:1] + want[4:]):
        numpy.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_running_statistics_update_in_place():
    x, gy, gamma, beta, mean, var = _inputs((6, 3, 4), numpy.float32, seed=7)
    rm, rv = mean.copy(), var.copy()
    norm_cpu.forward(x, gamma, beta, EPS, rm, rv, DECAY)
    m = x.size // x.shape[1]
    x64 = x.astype(numpy.float64)
    want_m = DECAY * mean + (1 - DECAY) * x64.mean(axis=(0, 2))
    want_v = DECAY * var + (1 - DECAY) * x64.var(axis=(0, 2)) * m / (m - 1)
    numpy.testing.assert_allclose(rm, want_m, rtol=1e-6)
    numpy.testing.assert_allclose(rv, want_v, rtol=1e-5)


def _gn_reference(x, gy, gamma, beta, groups):
    """Group normalization's y and gradients in float64, written out."""
    x, gy, gamma, beta = [a.astype(numpy.float64) for a in (x, gy, gamma, beta)]
    n, c = x.shape[:2]
    xg = x.reshape(n, groups, -1)
    mean = xg.mean(axis=2, keepdims=True)
    inv_std = 1 / numpy.sqrt(((xg - mean) ** 2).mean(axis=2, keepdims=True) + EPS)
    x_hat = ((xg - mean) * inv_std).reshape(n, c, -1)
    y = gamma[:, None] * x_hat + beta[:, None]
    g = gy.reshape(n, c, -1)
    gg = (g * gamma[:, None]).reshape(n, groups, -1)
    xh = x_hat.reshape(n, groups, -1)
    gx = (gg - gg.mean(axis=2, keepdims=True)
          - xh * (gg * xh).mean(axis=2, keepdims=True)) * inv_std
    return (y.reshape(x.shape), mean.reshape(n, groups), inv_std.reshape(n, groups),
            gx.reshape(x.shape), (g * x_hat).sum(axis=(0, 2)), g.sum(axis=(0, 2)))


GN_CASES = [((2, 6, 5, 4), 3), ((3, 4), 2), ((1, 8, 7), 8), ((4, 6, 3, 3), 1)]


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape, groups', GN_CASES)
def test_group_kernels_match_float64_formulas(shape, groups, dtype):
    x, gy, gamma, beta, _, _ = _inputs(shape, dtype, seed=8)
    want = _gn_reference(x, gy, gamma, beta, groups)
    y, mean, inv_std = norm.gn_forward(x, gamma, beta, groups, EPS)
    gx, ggamma, gbeta = norm.gn_backward(x, gy, gamma, mean, inv_std, groups, True)
    tol = TOL[dtype]
    for got, ref in zip((y, mean, inv_std, gx, ggamma, gbeta), want):
        assert got.dtype == dtype and got.shape == ref.shape
        numpy.testing.assert_allclose(got, ref, rtol=tol, atol=tol)
    none, ggamma2, gbeta2 = norm.gn_backward(x, gy, gamma, mean, inv_std, groups, False)
    assert none is None
    numpy.testing.assert_array_equal(ggamma2, ggamma)
    numpy.testing.assert_array_equal(gbeta2, gbeta)


@pytest.mark.parametrize('dtype', DTYPES + [numpy.float16])
@pytest.mark.parametrize('shape, groups', GN_CASES)
def test_group_normalization_with_kernels_equals_the_generic_path(shape, groups, dtype):
    x, gy, gamma, beta, _, _ = _inputs(shape, dtype, seed=9)
    if dtype == numpy.float16:
        gamma, beta = gamma.astype(numpy.float32), beta.astype(numpy.float32)

    def run(kernels):
        xs = [fastgrad.Variable(a.copy()) for a in (x, gamma, beta)]
        with fastgrad.using_config('cpu_norm_kernels', kernels):
            y = F.group_normalization(xs[0], groups, xs[1], xs[2], eps=EPS)
            y.grad = gy
            y.backward()
        return [y.array] + [v.grad for v in xs]
    tol = {numpy.float16: 0, numpy.float32: 2e-5, numpy.float64: 1e-12}[dtype]
    for g, w in zip(run(True), run(False)):
        assert g.dtype == w.dtype and g.shape == w.shape
        numpy.testing.assert_allclose(g, w, rtol=tol, atol=tol)


def test_group_normalization_keeps_only_the_statistics():
    # the generic forward keeps x - mean (x's size); the compiled one two (N, G) arrays
    x = fastgrad.Variable(numpy.ones((2, 4, 8, 8), numpy.float32))
    gamma = fastgrad.Variable(numpy.ones(4, numpy.float32))
    beta = fastgrad.Variable(numpy.zeros(4, numpy.float32))
    y = F.group_normalization(x, 2, gamma, beta)
    node = y.creator
    assert node.xc is None and node.mean.shape == node.inv_std.shape == (2, 2)


def test_config_entry_defaults_on():
    assert fastgrad.config.cpu_norm_kernels is True


def test_wrong_arguments_raise(run_python):
    out = run_python('''
        from fastgrad._core import norm
        f32, f64 = np.float32, np.float64
        x = np.ones((2, 3, 4), f32)
        g = np.ones(3, f32)
        calls = [
            lambda: norm.bn_forward([[1.0]], g, g, 1e-5),
            lambda: norm.bn_forward(x.astype(np.int32), g, g, 1e-5),
            lambda: norm.bn_forward(x.astype(np.float16), g, g, 1e-5),
            lambda: norm.bn_forward(np.ones(3, f32), g, g, 1e-5),
            lambda: norm.bn_forward(x.transpose(0, 2, 1), np.ones(4, f32), np.ones(4, f32), 1e-5),
            lambda: norm.bn_forward(x, np.ones(4, f32), g, 1e-5),
            lambda: norm.bn_forward(x, g, g.astype(f64), 1e-5),
            lambda: norm.bn_forward(x, np.ones(6, f32)[::2], g, 1e-5),
            lambda: norm.bn_forward(x, g, None, 1e-5),
            lambda: norm.bn_forward(np.ones((0, 3, 4), f32), g, g, 1e-5),
            lambda: norm.bn_forward(x, g, g, 'eps'),
            lambda: norm.bn_backward(x, np.ones((2, 3, 5), f32), g, g, g, True),
            lambda: norm.bn_backward(x, x, g, np.ones(2, f32), g, True),
            lambda: norm.bn_backward(x, x.astype(f64), g, g, g, True),
            lambda: norm.bn_fixed_forward(x, g, g, g, np.ones((3, 1), f32), 1e-5),
            lambda: norm.bn_fixed_forward(x, g, g, g, None, 1e-5),
            lambda: norm.gn_forward(x, g, g, 2, 1e-5),
            lambda: norm.gn_forward(x, g, g, 0, 1e-5),
            lambda: norm.gn_forward(x, g, g, 3.0, 1e-5),
            lambda: norm.gn_forward(x, g.astype(f64), g, 3, 1e-5),
            lambda: norm.gn_forward(np.ones((2, 3, 0), f32), g, g, 3, 1e-5),
            lambda: norm.gn_backward(x, x, g, np.ones((2, 3), f32), np.ones((2, 1), f32), 3, True),
            lambda: norm.gn_backward(x, x[:, :, :2], g, np.ones((2, 3), f32),
                                     np.ones((2, 3), f32), 3, True),
            lambda: norm.gn_backward(x, x, g, np.ones((2, 3), f32), np.ones((2, 3), f32), -1, True),
        ]
        for call in calls:
            try:
                call()
                print('no error')
            except (TypeError, ValueError) as e:
                print(type(e).__name__, str(e).split(':')[0])
        ''')
    lines = out.splitlines()
    assert len(lines) == 24 and 'no error' not in lines, out
    assert all(line.split()[1] in ('bn_forward', 'bn_backward', 'bn_fixed_forward',
                                   'gn_forward', 'gn_backward')
               or line.startswith('TypeError') for line in lines), out
