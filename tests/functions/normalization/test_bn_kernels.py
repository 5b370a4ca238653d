"""The batch normalization kernels (fastgrad/functions/_util/bn_kernels.py).

* Every body compiles with nvcc for sm_90, wrapped the way CuPy wraps an
  ElementwiseKernel or a ReductionKernel, for float and double (skipped
  without nvcc; runs on the CPU machine).
* The same bodies as host C++ (tests/_helpers/host_kernels.py: loops that
  emulate the launches) stand in for the CuPy kernels: batch_normalization
  on NumPy arrays through the kernel path gives a float64 NumPy reference's
  and the generic path's forward, running statistics and gradients, in three
  launches forward and two backward, for (N, C), (N, C, H, W), (N, C, L),
  N = 1 and C = 1, x float16/32/64 with gamma float32/64 no narrower; other
  axes, float16 gamma, a gamma narrower than x and double backprop keep the
  generic path.  fixed_batch_normalization's forward likewise, in one launch.
* On a GPU: the kernel path equals the generic path
  (``config.gpu_batch_norm_kernels`` off) on CuPy arrays, and graph replay
  of a step with it equals eager steps.

GPU run: python -m pytest tests/functions/normalization/test_bn_kernels.py -q -m gpu
"""
import os
import sys

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad.functions._util import bn_kernels

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), '_helpers'))
import host_kernels  # noqa: E402  (tests/_helpers: CuPy kernel bodies outside CuPy)
import replay_check  # noqa: E402  (tests/_helpers: graph replay vs eager training)

_SCALARS = {'m', 'eps', 'decay', 'c', 'inv_m'}
# (T, X): the compute dtype (gamma's) and x's, float16 or no wider
_COMBOS = [('float', 'float'), ('float', 'float16'), ('double', 'double'),
           ('double', 'float'), ('double', 'float16')]


def _source(sym, spec, typedefs):
    return host_kernels.spec_source(sym, spec, typedefs,
                                    host_kernels.inputs_but(spec, _SCALARS))


def test_specs_declare_what_the_bodies_use():
    host_kernels.check_specs_declare_what_they_use(bn_kernels.SPECS, ('T', 'X', 'float64'))


@pytest.mark.skipif(host_kernels.find_nvcc() is None, reason='nvcc not installed')
def test_kernel_bodies_compile_with_nvcc():
    src = host_kernels.DEVICE_FLOAT16 + ''.join(
        _source('k{}_{}_{}'.format(k, t, x), spec, {'T': t, 'X': x})
        for k, (name, spec) in enumerate(sorted(bn_kernels.SPECS.items()))
        for t, x in _COMBOS)
    proc = host_kernels.nvcc_compile(src, ['-Werror', 'all-warnings'])
    assert proc.returncode == 0, proc.stderr[-4000:]


# -- the bodies on the host (CPU) ------------------------------------------------------

@pytest.fixture(scope='module')
def host_lib():
    lib = host_kernels.HostLibrary(host_kernels.HOST_MATH + host_kernels.HOST_FLOAT16)
    for name, spec in sorted(bn_kernels.SPECS.items()):
        for t, x in _COMBOS:
            lib.add_spec(name, spec, {'T': t, 'X': x},
                         host_kernels.inputs_but(spec, _SCALARS))
    with host_kernels.built(lib):
        yield lib


@pytest.fixture(autouse=True)
def generic_cpu_path(monkeypatch):
    """On NumPy, the path without the kernels is the generic array code here
    (not norm_cpu's compiled loops, tested in test_norm_cpu.py)."""
    monkeypatch.setattr(fastgrad.global_config, 'cpu_norm_kernels', False)


@pytest.fixture
def host_path(monkeypatch, host_lib):
    """The kernel path on NumPy arrays, the host-compiled bodies as its
    kernels; returns the names of the kernels launched."""
    return host_kernels.use_host_kernels(monkeypatch, bn_kernels, host_lib,
                                         'gpu_batch_norm_kernels')


SHAPES = [(5, 3), (2, 3, 4, 5), (6, 4, 3), (1, 3, 4, 4), (4, 1, 3, 3), (1, 3)]
DECAY, EPS = 0.8, 1e-3


# (x's dtype, gamma's): as _COMBOS
DTYPES = [(numpy.float32, numpy.float32), (numpy.float16, numpy.float32),
          (numpy.float64, numpy.float64), (numpy.float32, numpy.float64),
          (numpy.float16, numpy.float64)]


def _inputs(shape, dtype, seed=0, gdtype=None):
    """x and gy of ``dtype``; gamma, beta, running mean and var of ``gdtype``."""
    gdtype = dtype if gdtype is None else gdtype
    rng = numpy.random.RandomState(seed)
    c = shape[1]
    x = (rng.randn(*shape) * 2 + 3).astype(dtype)
    gamma = rng.uniform(0.5, 1.5, c).astype(gdtype)
    beta = rng.randn(c).astype(gdtype)
    gy = rng.randn(*shape).astype(dtype)
    stats = (rng.randn(c).astype(gdtype), rng.uniform(0.5, 2, c).astype(gdtype))
    return x, gamma, beta, gy, stats


def _run(inputs, kernels, running=True, xp=numpy, axis=None):
    """y, gx, ggamma, gbeta, running mean and var (None without them)."""
    x, gamma, beta, gy, stats = [xp.asarray(a) if not isinstance(a, tuple) else
                                 tuple(xp.asarray(s) for s in a) for a in inputs]
    rm, rv = (stats[0].copy(), stats[1].copy()) if running else (None, None)
    xs = [fastgrad.Variable(a) for a in (x, gamma, beta)]
    with fastgrad.using_config('gpu_batch_norm_kernels', kernels):
        y = F.batch_normalization(*xs, eps=EPS, running_mean=rm, running_var=rv,
                                  decay=DECAY, axis=axis)
        y.grad = gy
        y.backward()
    return [y.array] + [v.grad for v in xs] + [rm, rv]


def _reference(inputs):
    """The same in float64 with NumPy, written out (Chainer's definitions)."""
    x, gamma, beta, gy, (rm, rv) = [a.astype(numpy.float64) if not isinstance(a, tuple)
                                    else tuple(s.astype(numpy.float64) for s in a)
                                    for a in inputs]
    axis = (0,) + tuple(range(2, x.ndim))
    b = (1, -1) + (1,) * (x.ndim - 2)
    m = x.size // x.shape[1]
    mean = x.mean(axis=axis, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axis, keepdims=True)
    inv_std = 1 / numpy.sqrt(var + EPS)
    x_hat = (x - mean) * inv_std
    y = gamma.reshape(b) * x_hat + beta.reshape(b)
    gbeta = gy.sum(axis=axis)
    ggamma = (gy * x_hat).sum(axis=axis)
    gx = gamma.reshape(b) * inv_std * (gy - (x_hat * ggamma.reshape(b)
                                             + gbeta.reshape(b)) / m)
    rm = DECAY * rm + (1 - DECAY) * mean.ravel()
    rv = DECAY * rv + (1 - DECAY) * var.ravel() * m / max(m - 1, 1)
    return [y, gx, ggamma, gbeta, rm, rv]


def _assert_close(got, want, dtype, rtol32, rtol64=1e-11, gdtype=None):
    """y and gx of ``dtype`` (float16: to its rounding), the rest of ``gdtype``."""
    names = ('y', 'gx', 'ggamma', 'gbeta', 'running_mean', 'running_var')
    for k, (name, g, w) in enumerate(zip(names, got, want)):
        if w is None:
            assert g is None, name
            continue
        dt = numpy.dtype(dtype if k < 2 or gdtype is None else gdtype)
        rtol = {'float16': 2e-3, 'float32': rtol32, 'float64': rtol64}[dt.name]
        assert g.dtype == dt and g.shape == w.shape, (name, g.dtype, g.shape)
        scale = max(float(numpy.abs(w).max()), 1.0)
        numpy.testing.assert_allclose(g, w, rtol=rtol, atol=rtol * scale, err_msg=name)


@pytest.mark.parametrize('dtype, gdtype', DTYPES)
@pytest.mark.parametrize('shape', SHAPES)
def test_host_kernels_match_reference_and_generic_path(shape, dtype, gdtype, host_path):
    inputs = _inputs(shape, dtype, gdtype=gdtype)
    got = _run(inputs, True)
    # three launches forward (mean, inv_std, y) and two backward
    assert host_path == ['fastgrad_bn_mean_running', 'fastgrad_bn_inv_std_running',
                         'fastgrad_bn_forward', 'fastgrad_bn_grad_sums',
                         'fastgrad_bn_backward']
    del host_path[:]
    generic = _run(inputs, False)
    assert host_path == []
    _assert_close(got, _reference(inputs), dtype, 2e-5, gdtype=gdtype)
    _assert_close(got, generic, dtype, 2e-6, gdtype=gdtype)


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_host_kernels_without_running_statistics(dtype, host_path):
    inputs = _inputs((3, 4, 2, 3), dtype, seed=1)
    got = _run(inputs, True, running=False)
    assert host_path == ['fastgrad_bn_mean', 'fastgrad_bn_inv_std', 'fastgrad_bn_forward',
                         'fastgrad_bn_grad_sums', 'fastgrad_bn_backward']
    want = _reference(inputs)[:4] + [None, None]
    _assert_close(got, want, dtype, 2e-5)


def test_host_kernels_only_gamma_and_beta_grads(host_path):
    # x a constant: no gx kernel
    x, gamma, beta, gy, _ = _inputs((4, 3, 2, 2), numpy.float32, seed=2)
    g, b = fastgrad.Variable(gamma), fastgrad.Variable(beta)
    y = F.batch_normalization(x, g, b, eps=EPS)
    y.grad = gy
    y.backward()
    assert host_path == ['fastgrad_bn_mean', 'fastgrad_bn_inv_std', 'fastgrad_bn_forward',
                         'fastgrad_bn_grad_sums']
    want = _reference(_inputs((4, 3, 2, 2), numpy.float32, seed=2))
    numpy.testing.assert_allclose(g.grad, want[2], rtol=2e-5, atol=2e-5)
    numpy.testing.assert_allclose(b.grad, want[3], rtol=2e-5, atol=2e-5)


def test_host_kernels_statistics_feed_the_generic_gradient(host_path):
    # forward on the kernels, backward with them switched off (and the other way)
    inputs = _inputs((3, 2, 4), numpy.float32, seed=3)
    ref = _reference(inputs)
    x, gamma, beta, gy, (rm, rv) = inputs
    for fwd, bwd in ((True, False), (False, True)):
        xs = [fastgrad.Variable(a.copy()) for a in (x, gamma, beta)]
        with fastgrad.using_config('gpu_batch_norm_kernels', fwd):
            y = F.batch_normalization(*xs, eps=EPS)
        y.grad = gy
        with fastgrad.using_config('gpu_batch_norm_kernels', bwd):
            y.backward()
        for v, w in zip(xs, ref[1:4]):
            numpy.testing.assert_allclose(v.grad, w, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize('case', ['axis', 'float16', 'mixed', 'running_dtype', 'gamma_nd'])
def test_other_cases_keep_the_generic_path(case, host_path):
    x, gamma, beta, gy, (rm, rv) = _inputs((4, 3, 2, 5), numpy.float32, seed=4)
    axis = None
    if case == 'axis':
        axis, gamma, beta = (0, 2, 3), gamma, beta       # same statistics, axis given
    elif case == 'float16':
        x, gy = x.astype(numpy.float16), gy.astype(numpy.float16)
        gamma, beta = gamma.astype(numpy.float16), beta.astype(numpy.float16)
        rm, rv = rm.astype(numpy.float16), rv.astype(numpy.float16)
    elif case == 'mixed':
        # gamma narrower than x: computed in x's dtype
        x, gy = x.astype(numpy.float64), gy.astype(numpy.float64)
    elif case == 'running_dtype':
        rv = rv.astype(numpy.float64)
    else:
        # gamma over (C, H): statistics over (0, 3)
        gamma = numpy.ones((3, 2), numpy.float32)
        beta = numpy.zeros((3, 2), numpy.float32)
        rm, rv = numpy.zeros((3, 2), numpy.float32), numpy.ones((3, 2), numpy.float32)
    inputs = (x, gamma, beta, gy, (rm, rv))
    got = _run(inputs, True, axis=axis)
    want = _run(inputs, False, axis=axis)
    if case == 'axis':
        # an explicit axis equal to the default is the common case: kernels
        assert len(host_path) == 5
    elif case == 'running_dtype':
        # a running statistic of another dtype: the generic forward updates
        # it; the gradient does not read it
        assert host_path == ['fastgrad_bn_grad_sums', 'fastgrad_bn_backward']
    else:
        assert host_path == []
    for g, w in zip(got, want):
        numpy.testing.assert_allclose(g, w, rtol=2e-6, atol=2e-6)


def test_double_backprop_keeps_the_generic_gradient(host_path):
    inputs = _inputs((4, 3, 2), numpy.float64, seed=5)
    x, gamma, beta, gy, _ = inputs

    def grads(kernels):
        xs = [fastgrad.Variable(a.copy()) for a in (x, gamma, beta)]
        with fastgrad.using_config('gpu_batch_norm_kernels', kernels):
            y = F.batch_normalization(*xs, eps=EPS)
            gx, = fastgrad.grad([y], [xs[0]], grad_outputs=[fastgrad.Variable(gy)],
                                enable_double_backprop=True)
            F.sum(gx * gx).backward()
        return [gx.array] + [v.grad for v in xs]
    got = grads(True)
    # the forward on the kernels, the differentiable gradient generic
    assert host_path == ['fastgrad_bn_mean', 'fastgrad_bn_inv_std', 'fastgrad_bn_forward']
    want = grads(False)
    assert got[3] is None and want[3] is None        # gx does not depend on beta
    for g, w in zip(got[:3], want[:3]):
        numpy.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def _fixed_inputs(shape, dtype, seed=6, gdtype=None):
    x, gamma, beta, _, (mean, var) = _inputs(shape, dtype, seed, gdtype)
    return x, gamma, beta, mean, var


def _fixed_reference(x, gamma, beta, mean, var):
    b = (1, -1) + (1,) * (x.ndim - 2)
    x, gamma, beta, mean, var = [a.astype(numpy.float64) for a in (x, gamma, beta, mean, var)]
    return gamma.reshape(b) * (x - mean.reshape(b)) / numpy.sqrt(var.reshape(b) + EPS) \
        + beta.reshape(b)


@pytest.mark.parametrize('dtype, gdtype', DTYPES)
@pytest.mark.parametrize('shape', SHAPES)
def test_host_fixed_batch_normalization_is_one_launch(shape, dtype, gdtype, host_path):
    arrays = _fixed_inputs(shape, dtype, gdtype=gdtype)
    xs = [fastgrad.Variable(a) for a in arrays]
    y = F.fixed_batch_normalization(*xs, eps=EPS)
    assert host_path == ['fastgrad_bn_fixed_forward']
    with fastgrad.using_config('gpu_batch_norm_kernels', False):
        want = F.fixed_batch_normalization(*arrays, eps=EPS).array
    assert y.dtype == dtype and y.shape == shape
    rtol = {'float16': 1e-3, 'float32': 1e-6, 'float64': 1e-14}[numpy.dtype(dtype).name]
    numpy.testing.assert_allclose(y.array, want, rtol=rtol, atol=rtol)
    numpy.testing.assert_allclose(y.array, _fixed_reference(*arrays), rtol=10 * rtol,
                                  atol=10 * rtol)
    # its gradient is the generic one, from the retained inputs
    y.grad = numpy.ones_like(y.array)
    y.backward()
    assert host_path == ['fastgrad_bn_fixed_forward']
    numpy.testing.assert_allclose(xs[2].grad, numpy.full(shape[1], y.size // shape[1]))


def test_config_entry_defaults_on():
    assert fastgrad.config.gpu_batch_norm_kernels is True
    assert not bn_kernels.enabled(numpy.ones(3, numpy.float32))


# -- on a GPU --------------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.parametrize('dtype, gdtype', DTYPES)
@pytest.mark.parametrize('shape', SHAPES + [(32, 16, 9, 9)])
@pytest.mark.parametrize('running', [True, False])
def test_gpu_kernels_match_generic_path(shape, dtype, gdtype, running):
    import cupy
    inputs = _inputs(shape, dtype, gdtype=gdtype)
    got = [None if a is None else cupy.asnumpy(a)
           for a in _run(inputs, True, running, xp=cupy)]
    want = [None if a is None else cupy.asnumpy(a)
            for a in _run(inputs, False, running, xp=cupy)]
    _assert_close(got, want, dtype, 2e-5, gdtype=gdtype)
    _assert_close(got, _reference(inputs) if running else _reference(inputs)[:4]
                  + [None, None], dtype, 5e-5, gdtype=gdtype)


@pytest.mark.gpu
@pytest.mark.parametrize('dtype, gdtype', DTYPES)
@pytest.mark.parametrize('shape', SHAPES + [(32, 16, 9, 9)])
def test_gpu_fixed_batch_normalization_matches_generic_path(shape, dtype, gdtype):
    import cupy
    arrays = [cupy.asarray(a) for a in _fixed_inputs(shape, dtype, gdtype=gdtype)]
    got = F.fixed_batch_normalization(*arrays, eps=EPS).array
    with fastgrad.using_config('gpu_batch_norm_kernels', False):
        want = F.fixed_batch_normalization(*arrays, eps=EPS).array
    assert got.dtype == dtype
    rtol = {'float16': 1e-3, 'float32': 1e-5, 'float64': 1e-13}[numpy.dtype(dtype).name]
    numpy.testing.assert_allclose(got.get(), want.get(), rtol=rtol, atol=rtol)


@pytest.mark.gpu
def test_gpu_kernels_launch_five_kernels(monkeypatch):
    import cupy
    names = []
    kernel = bn_kernels.kernel
    monkeypatch.setattr(bn_kernels, 'kernel', lambda name: names.append(name) or kernel(name))
    y = _run(_inputs((8, 4, 5, 5), numpy.float32), True, xp=cupy)[0]
    assert isinstance(y, cupy.ndarray)
    assert len(names) == 5


@pytest.mark.gpu
def test_gpu_graph_replay_with_kernels_matches_eager():
    """A captured step (conv, batch normalization, relu) replayed with the
    kernels gives the eager steps without them."""
    import cupy

    import fastgrad.links as L
    from fastgrad import optimizers
    rng = numpy.random.RandomState(7)
    batches = [(cupy.asarray(rng.randn(8, 2, 6, 6).astype(numpy.float32)),
                cupy.asarray(rng.randn(8, 3).astype(numpy.float32))) for _ in range(6)]

    def model():
        numpy.random.seed(0)
        return fastgrad.Sequential(
            L.Convolution2D(2, 4, 3, pad=1), L.BatchNormalization(4), F.relu,
            lambda h: F.reshape(h, (h.shape[0], -1)), L.Linear(4 * 36, 3)).to_device('@cupy:0')
    got, want = replay_check.assert_replay_matches_eager(
        model, lambda: optimizers.SGD(lr=0.05), batches, rtol=1e-4, atol=1e-5,
        replay_config={'gpu_batch_norm_kernels': True},
        eager_config={'gpu_batch_norm_kernels': False})
    bn, ref_bn = got.model[1], want.model[1]
    numpy.testing.assert_allclose(bn.avg_mean.get(), ref_bn.avg_mean.get(), rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(bn.avg_var.get(), ref_bn.avg_var.get(), rtol=1e-5, atol=1e-6)
