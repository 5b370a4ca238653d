"""The softmax_cross_entropy kernels (fastgrad/functions/_util/sce_kernels.py).

* Every body compiles with nvcc for sm_90, wrapped the way CuPy wraps an
  ElementwiseKernel or a ReductionKernel, for float and double scores and
  int8/int32/int64 labels (skipped without nvcc; runs on the CPU machine).
* The same bodies as host C++ (tests/_helpers/host_kernels.py: loops that
  emulate the launches) stand in for the CuPy kernels: softmax_cross_entropy
  on NumPy arrays through the kernel path gives a float64 NumPy reference's
  and the generic path's loss and gradient, in two launches forward (one
  for reduce='no') and one backward, over shapes (N = 1, C = 1, C = 1024),
  float32/float64, int32/int64 labels, normalize, reduce, ignore_label
  (some rows, every row, a non-default one), gy of reduce='no', extreme
  scores; class_weight, N-D inputs, float16, C > 1024 and double backprop
  keep the generic path; forward on the kernels with the generic gradient
  and the other way; out-of-range labels raise in debug mode.
* On a GPU: the kernel path equals the generic path
  (``config.gpu_loss_kernels`` off) on CuPy arrays, launches three kernels
  for a step, and graph replay of a step with it equals eager steps.

GPU run: python -m pytest tests/functions/loss/test_sce_kernels.py -q -m gpu
"""
import os
import sys

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad.functions._util import sce_kernels

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), '_helpers'))
import host_kernels  # noqa: E402  (tests/_helpers: CuPy kernel bodies outside CuPy)
import replay_check  # noqa: E402  (tests/_helpers: graph replay vs eager training)

_SCALARS = {'ignore', 'n_classes', 'normalize', 'n'}
_COMBOS = [(t, i) for t in ('float', 'double') for i in ('int', 'long long', 'signed char')]


def _source(sym, spec, typedefs):
    return host_kernels.spec_source(sym, spec, typedefs,
                                    host_kernels.inputs_but(spec, _SCALARS))


def test_specs_declare_what_the_bodies_use():
    host_kernels.check_specs_declare_what_they_use(
        sce_kernels.SPECS, ('T', 'I', 'int64', 'int32', 'float64'))


@pytest.mark.skipif(host_kernels.find_nvcc() is None, reason='nvcc not installed')
def test_kernel_bodies_compile_with_nvcc():
    src = ''.join(
        _source('k{}_{}'.format(k, j), spec, {'T': t, 'I': i})
        for k, (name, spec) in enumerate(sorted(sce_kernels.SPECS.items()))
        for j, (t, i) in enumerate(_COMBOS))
    proc = host_kernels.nvcc_compile(src, ['-Werror', 'all-warnings'])
    assert proc.returncode == 0, proc.stderr[-4000:]


# -- the bodies on the host (CPU) ------------------------------------------------------

@pytest.fixture(scope='module')
def host_lib():
    lib = host_kernels.HostLibrary(host_kernels.HOST_MATH)
    for name, spec in sorted(sce_kernels.SPECS.items()):
        for t, i in _COMBOS:
            lib.add_spec(name, spec, {'T': t, 'I': i},
                         host_kernels.inputs_but(spec, _SCALARS))
    with host_kernels.built(lib):
        yield lib


@pytest.fixture
def host_path(monkeypatch, host_lib):
    """The kernel path on NumPy arrays, the host-compiled bodies as its
    kernels; returns the names of the kernels launched."""
    return host_kernels.use_host_kernels(monkeypatch, sce_kernels, host_lib,
                                         'gpu_loss_kernels')


SHAPES = [(5, 3), (1, 4), (6, 1), (32, 10), (3, 1024), (17, 33)]


def _inputs(shape, dtype, tdtype=numpy.int32, seed=0, ignore=(1,), ignore_label=-1,
            scale=3.0):
    rng = numpy.random.RandomState(seed)
    x = (rng.randn(*shape) * scale).astype(dtype)
    t = rng.randint(0, shape[1], shape[0]).astype(tdtype)
    for k in ignore:
        if k < shape[0]:
            t[k] = ignore_label
    return x, t


def _reference(x, t, gy, normalize=True, ignore_label=-1, reduce='mean'):
    """Loss and gradient in float64, written out."""
    x = x.astype(numpy.float64)
    m = x.max(axis=1, keepdims=True)
    log_y = x - m - numpy.log(numpy.exp(x - m).sum(axis=1, keepdims=True))
    mask = t != ignore_label
    labels = numpy.where(mask, t, 0)
    rows = numpy.where(mask, -log_y[numpy.arange(len(t)), labels], 0.0)
    onehot = labels[:, None] == numpy.arange(x.shape[1])
    gx = (numpy.exp(log_y) - onehot) * mask[:, None]
    if reduce == 'no':
        return rows, gx * gy.astype(numpy.float64)[:, None]
    count = max(int(mask.sum()) if normalize else len(t), 1)
    return rows.sum() / count, gx * float(gy) / count


def _run(x, t, gy, kernels, xp=numpy, **opts):
    xv = fastgrad.Variable(xp.asarray(x))
    with fastgrad.using_config('gpu_loss_kernels', kernels):
        y = F.softmax_cross_entropy(xv, xp.asarray(t), **opts)
        y.grad = xp.asarray(gy)
        y.backward()
    return y.array, xv.grad


def _gy(x, reduce, seed=1):
    rng = numpy.random.RandomState(seed)
    if reduce == 'no':
        return rng.randn(x.shape[0]).astype(x.dtype)
    return numpy.asarray(rng.uniform(0.5, 2), x.dtype)


def _assert_close(got, want, dtype, rtol):
    for name, g, w in zip(('loss', 'gx'), got, want):
        assert g.dtype == dtype and g.shape == numpy.shape(w), (name, g.dtype, g.shape)
        scale = max(float(numpy.abs(w).max()), 1.0)
        numpy.testing.assert_allclose(g, w, rtol=rtol, atol=rtol * scale, err_msg=name)


OPTS = [dict(), dict(normalize=False), dict(reduce='no'), dict(reduce='no', normalize=False)]
OPT_IDS = ['mean', 'mean,normalize=False', 'no', 'no,normalize=False']
RTOL = {numpy.float32: (2e-5, 2e-6), numpy.float64: (1e-12, 1e-13)}


@pytest.mark.parametrize('opts', OPTS, ids=OPT_IDS)
@pytest.mark.parametrize('tdtype', [numpy.int32, numpy.int64])
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', SHAPES)
def test_host_kernels_match_reference_and_generic_path(shape, dtype, tdtype, opts,
                                                       host_path):
    x, t = _inputs(shape, dtype, tdtype)
    reduce = opts.get('reduce', 'mean')
    gy = _gy(x, reduce)
    got = _run(x, t, gy, True, **opts)
    if reduce == 'mean':
        assert host_path == ['fastgrad_sce_rows', 'fastgrad_sce_mean',
                             'fastgrad_sce_grad_mean']
    else:
        assert host_path == ['fastgrad_sce_rows', 'fastgrad_sce_grad_no']
    del host_path[:]
    generic = _run(x, t, gy, False, **opts)
    assert host_path == []
    rtol_ref, rtol_generic = RTOL[dtype]
    _assert_close(got, _reference(x, t, gy, **opts), dtype, rtol_ref)
    _assert_close(got, generic, dtype, rtol_generic)


@pytest.mark.parametrize('case', ['all_ignored', 'none_ignored', 'ignore_label=3',
                                  'extreme', 'noncontiguous', 'int8'])
@pytest.mark.parametrize('opts', OPTS, ids=OPT_IDS)
def test_host_kernels_edge_cases(case, opts, host_path):
    ignore_label = 3 if case == 'ignore_label=3' else -1
    ignore = {'all_ignored': range(8), 'none_ignored': ()}.get(case, (1, 4))
    tdtype = numpy.int8 if case == 'int8' else numpy.int32
    x, t = _inputs((8, 5), numpy.float64, tdtype, seed=2, ignore=ignore,
                   ignore_label=ignore_label, scale=300.0 if case == 'extreme' else 3.0)
    if case == 'noncontiguous':
        x = numpy.asfortranarray(x)
    opts = dict(opts, ignore_label=ignore_label)
    gy = _gy(x, opts.get('reduce', 'mean'))
    got = _run(x, t, gy, True, **opts)
    assert len(host_path) == (3 if opts.get('reduce', 'mean') == 'mean' else 2)
    generic = _run(x, t, gy, False, **opts)
    _assert_close(got, _reference(x, t, gy, **opts), numpy.float64, 1e-12)
    _assert_close(got, generic, numpy.float64, 1e-13)
    if case == 'all_ignored':
        assert not got[0].any() and not got[1].any()


@pytest.mark.parametrize('cache_score', [True, False])
def test_host_kernels_creator_y(cache_score, host_path):
    # Chainer's node exposes softmax(x) as ``y`` when cache_score is set; the
    # kernels keep the row statistics and make it from them
    x, t = _inputs((7, 5), numpy.float64, seed=4)
    y = F.softmax_cross_entropy(fastgrad.Variable(x), t, cache_score=cache_score)
    assert host_path[0] == 'fastgrad_sce_rows'
    if not cache_score:
        assert y.creator.y is None
        return
    e = numpy.exp(x - x.max(axis=1, keepdims=True))
    numpy.testing.assert_allclose(y.creator.y, e / e.sum(axis=1, keepdims=True), rtol=1e-13)
    assert y.creator.y is y.creator.y
    y.backward()          # the kernel gradient still runs
    assert host_path[-1] == 'fastgrad_sce_grad_mean'


def test_host_forward_and_gradient_paths_mix(host_path):
    # forward on the kernels, the gradient generic (and the other way)
    x, t = _inputs((6, 4), numpy.float32, seed=3)
    for opts in OPTS:
        gy = _gy(x, opts.get('reduce', 'mean'))
        want = _reference(x, t, gy, **opts)
        for fwd, bwd in ((True, False), (False, True)):
            xv = fastgrad.Variable(x.copy())
            with fastgrad.using_config('gpu_loss_kernels', fwd):
                y = F.softmax_cross_entropy(xv, t, **opts)
            y.grad = gy
            with fastgrad.using_config('gpu_loss_kernels', bwd):
                y.backward()
            _assert_close((y.array, xv.grad), want, numpy.float32, 2e-5)
    # the kernels ran forward once per option and never for the gradient
    assert host_path.count('fastgrad_sce_rows') == len(OPTS)
    assert not [n for n in host_path if n.startswith('fastgrad_sce_grad')]


@pytest.mark.parametrize('case', ['class_weight', 'nd', 'float16', 'wide'])
def test_other_cases_keep_the_generic_path(case, host_path):
    shape = {'nd': (4, 3, 2), 'wide': (2, sce_kernels.MAX_CLASSES + 1)}.get(case, (4, 3))
    dtype = numpy.float16 if case == 'float16' else numpy.float32
    rng = numpy.random.RandomState(4)
    x = rng.randn(*shape).astype(dtype)
    t = rng.randint(0, shape[1], (shape[0],) + shape[2:]).astype(numpy.int32)
    opts = dict(class_weight=numpy.array([0.5, 1., 2.], dtype)) \
        if case == 'class_weight' else {}
    gy = numpy.asarray(1.5, dtype)
    got = _run(x, t, gy, True, **opts)
    assert host_path == []
    want = _run(x, t, gy, False, **opts)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype
        numpy.testing.assert_allclose(g, w, rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize('opts', OPTS, ids=OPT_IDS)
def test_double_backprop_keeps_the_generic_gradient(opts, host_path):
    x, t = _inputs((5, 4), numpy.float64, seed=5)
    gy = _gy(x, opts.get('reduce', 'mean'))

    def grads(kernels):
        xv = fastgrad.Variable(x.copy())
        with fastgrad.using_config('gpu_loss_kernels', kernels):
            y = F.softmax_cross_entropy(xv, t, **opts)
            gx, = fastgrad.grad([y], [xv], grad_outputs=[fastgrad.Variable(gy)],
                                enable_double_backprop=True)
            F.sum(gx * gx).backward()
        return y.array, gx.array, xv.grad
    got = grads(True)
    assert host_path == ['fastgrad_sce_rows'] + (
        ['fastgrad_sce_mean'] if opts.get('reduce', 'mean') == 'mean' else [])
    want = grads(False)
    for g, w in zip(got, want):
        numpy.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-13)


def test_out_of_range_labels_raise_in_debug_mode(host_path):
    x, t = _inputs((4, 3), numpy.float32, seed=6, ignore=())
    t[2] = 3
    with fastgrad.using_config('debug', True):
        with pytest.raises(ValueError, match=r'softmax_cross_entropy: t\[2\] = 3 is out '
                                             r'of range'):
            F.softmax_cross_entropy(x, t)
    assert host_path == []


def test_out_of_range_labels_read_no_memory_outside_the_row(host_path):
    # not checked outside debug mode (as the generic path on CuPy): the loss
    # reads the class t mod C (CuPy's wrapping gather), the gradient has no one-hot entry
    x, t = _inputs((4, 3), numpy.float64, seed=7, ignore=())
    bad = t.copy()
    bad[1], bad[3] = 4, -2
    y = F.softmax_cross_entropy(x, bad, reduce='no').array
    want, _ = _reference(x, bad % 3, numpy.ones(4), reduce='no')
    numpy.testing.assert_allclose(y, want, rtol=1e-13)
    assert host_path == ['fastgrad_sce_rows']


def test_config_entry_defaults_on():
    assert fastgrad.config.gpu_loss_kernels is True
    assert not sce_kernels.enabled(numpy.ones(3, numpy.float32))


# -- on a GPU --------------------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.parametrize('opts', OPTS, ids=OPT_IDS)
@pytest.mark.parametrize('tdtype', [numpy.int32, numpy.int64])
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', SHAPES + [(256, 1000)])
def test_gpu_kernels_match_generic_path(shape, dtype, tdtype, opts):
    import cupy
    x, t = _inputs(shape, dtype, tdtype)
    gy = _gy(x, opts.get('reduce', 'mean'))
    got = [cupy.asnumpy(a) for a in _run(x, t, gy, True, xp=cupy, **opts)]
    want = [cupy.asnumpy(a) for a in _run(x, t, gy, False, xp=cupy, **opts)]
    rtol_ref, rtol_generic = RTOL[dtype]
    _assert_close(got, want, dtype, 10 * rtol_generic)
    _assert_close(got, _reference(x, t, gy, **opts), dtype, rtol_ref)


@pytest.mark.gpu
def test_gpu_kernels_launch_three_kernels(monkeypatch):
    import cupy
    names = []
    kernel = sce_kernels.kernel
    monkeypatch.setattr(sce_kernels, 'kernel', lambda name: names.append(name) or kernel(name))
    x, t = _inputs((32, 10), numpy.float32)
    loss, gx = _run(x, t, _gy(x, 'mean'), True, xp=cupy)
    assert isinstance(gx, cupy.ndarray)
    assert names == ['fastgrad_sce_rows', 'fastgrad_sce_mean', 'fastgrad_sce_grad_mean']


@pytest.mark.gpu
def test_gpu_graph_replay_with_kernels_matches_eager():
    """A captured step (linear, softmax_cross_entropy) replayed with the
    kernels gives the eager steps without them."""
    import cupy

    import fastgrad.links as L
    from fastgrad import optimizers
    rng = numpy.random.RandomState(8)
    batches = [(cupy.asarray(rng.randn(16, 12).astype(numpy.float32)),
                cupy.asarray(rng.randint(-1, 5, 16).astype(numpy.int32))) for _ in range(5)]

    def model():
        return L.Linear(12, 5, initialW=numpy.random.RandomState(9).randn(5, 12)
                        .astype(numpy.float32) * 0.3).to_device('@cupy:0')
    replay_check.assert_replay_matches_eager(
        model, lambda: optimizers.SGD(lr=0.1), batches, rtol=1e-5, atol=1e-6,
        loss_fn=lambda m, x, t: F.softmax_cross_entropy(m(x), t),
        replay_config={'gpu_loss_kernels': True}, eager_config={'gpu_loss_kernels': False})
