"""The convolution's whole-batch GEMM path (_util/conv.py ``gemm_conv_*``).

On CuPy it runs with gpu_kernels' one-launch im2col/col2im/conv_output; its
array code is generic, so here it runs on NumPy with ``conv.ArrayKernels``
(the definition those kernels are tested against, as host C++, in
tests/functions/pooling/test_gpu_pooling_kernels.py) and must equal the
chunked NumPy path (``conv_forward``, ``conv_grad_W``, ``conv_grad_x``):

* float64, over stride, pad, dilation, groups, cover_all, non-square
  shapes, batch 1 and 0, with and without bias;
* float16, float32 and mixed dtypes: the same output dtypes, values within
  the dtype's rounding;
* each of forward, grad_W and grad_x is one GEMM per group (counted).

On the CPU the same path runs over batch chunks where a sample has few
output pixels (``_WHOLE_BATCH_PIXELS``): it equals the per-sample GEMMs, in
one chunk and in many, and is taken exactly where the limits say.

On a GPU: the path on CuPy equals the NumPy path (``-m gpu``).
"""
import os
import sys

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import optimizers, utils
from fastgrad.functions._util import conv as _conv
from fastgrad.gradient_check import check_backward, check_double_backward

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), '_helpers'))
import replay_check  # noqa: E402  (tests/_helpers: graph replay vs eager training)


@pytest.fixture(autouse=True)
def per_sample_cpu_path(monkeypatch):
    """The NumPy path the GEMM path is compared with here is the per-sample
    GEMMs (the CPU's whole-batch chunks are tested at the end)."""
    monkeypatch.setattr(_conv, '_WHOLE_BATCH_PIXELS',
                        dict.fromkeys(_conv._WHOLE_BATCH_PIXELS, -1))


def _always_whole_batch(monkeypatch):
    monkeypatch.setattr(_conv, '_WHOLE_BATCH_PIXELS',
                        dict.fromkeys(_conv._WHOLE_BATCH_PIXELS, 10 ** 9))
    monkeypatch.setattr(_conv, '_WHOLE_BATCH_MIN_K', 0)


# (n, c, h, w, out_c, kh, kw, (sy, sx), (ph, pw), (dy, dx), groups, cover_all)
_CASES = [
    (3, 4, 6, 6, 5, 3, 3, (1, 1), (1, 1), (1, 1), 1, False),
    (2, 3, 7, 8, 4, 3, 3, (2, 2), (1, 1), (1, 1), 1, False),
    (2, 3, 7, 8, 4, 3, 3, (2, 2), (1, 1), (1, 1), 1, True),
    (1, 2, 8, 7, 3, 2, 3, (1, 2), (0, 1), (2, 1), 1, False),
    (2, 2, 9, 10, 3, 3, 2, (3, 1), (2, 0), (2, 3), 1, True),
    (2, 6, 5, 5, 4, 1, 1, (1, 1), (0, 0), (1, 1), 1, False),     # pointwise
    (2, 6, 5, 5, 4, 1, 1, (2, 2), (0, 0), (1, 1), 2, False),
    (1, 3, 4, 4, 2, 5, 5, (1, 1), (2, 2), (1, 1), 1, False),
    (2, 2, 9, 9, 3, 3, 3, (4, 4), (0, 0), (1, 1), 1, False),     # stride > kernel
    (2, 4, 6, 5, 6, 3, 2, (1, 1), (1, 0), (1, 1), 2, False),     # groups
    (2, 6, 7, 6, 9, 3, 3, (2, 1), (1, 2), (1, 2), 3, True),
    (1, 4, 5, 5, 8, 3, 3, (1, 1), (1, 1), (1, 1), 4, False),     # depthwise shape, GEMM code
    (0, 3, 5, 5, 4, 3, 3, (1, 1), (1, 1), (1, 1), 1, False),     # empty batch
    (0, 4, 5, 5, 4, 3, 3, (2, 2), (0, 0), (1, 1), 2, False),
]


def _arrays(case, dtypes=('float64', 'float64', 'float64'), seed=0):
    n, c, h, w, out_c, kh, kw, (sy, sx), (ph, pw), (dy, dx), groups, cover_all = case
    oh = _conv.get_conv_outsize(h, kh, sy, ph, cover_all, dy)
    ow = _conv.get_conv_outsize(w, kw, sx, pw, cover_all, dx)
    rng = numpy.random.RandomState(seed)
    x = rng.randn(n, c, h, w).astype(dtypes[0])
    W = rng.randn(out_c, c // groups, kh, kw).astype(dtypes[1])
    b = rng.randn(out_c).astype(dtypes[0])
    gy = rng.randn(n, out_c, oh, ow).astype(dtypes[2])
    return x, W, b, gy, oh, ow


def _geometry(case):
    (sy, sx), (ph, pw), (dy, dx), groups = case[7:11]
    return sy, sx, ph, pw, dy, dx, groups


def _both(case, x, W, b, gy, oh, ow, dtypes):
    """``[(gemm path, chunked path)]`` for forward, grad_W and grad_x."""
    sy, sx, ph, pw, dy, dx, groups = _geometry(case)
    kh, kw = W.shape[2:]
    h, w = x.shape[2:]
    k = _conv.ArrayKernels
    return [
        (_conv.gemm_conv_forward(x, W, b, sy, sx, ph, pw, oh, ow, dy, dx, groups,
                                 dtypes[0], k),
         _conv.conv_forward(x, W, b, sy, sx, ph, pw, oh, ow, dy, dx, groups, dtypes[0])),
        (_conv.gemm_conv_grad_W(x, gy, kh, kw, sy, sx, ph, pw, dy, dx, groups, dtypes[1], k),
         _conv.conv_grad_W(x, gy, kh, kw, sy, sx, ph, pw, dy, dx, groups, dtypes[1])),
        (_conv.gemm_conv_grad_x(gy, W, h, w, sy, sx, ph, pw, dy, dx, groups, dtypes[0], k),
         _conv.conv_grad_x(gy, W, h, w, sy, sx, ph, pw, dy, dx, groups, dtypes[0])),
    ]


@pytest.mark.parametrize('case', _CASES)
@pytest.mark.parametrize('bias', [True, False])
def test_gemm_path_equals_chunked_path_float64(case, bias):
    x, W, b, gy, oh, ow = _arrays(case)
    if not bias:
        b = None
    for name, (new, old) in zip(('forward', 'grad_W', 'grad_x'),
                                _both(case, x, W, b, gy, oh, ow, ('float64',) * 3)):
        assert new.shape == old.shape, name
        assert new.dtype == old.dtype == numpy.float64, name
        assert new.flags.c_contiguous, name
        numpy.testing.assert_allclose(new, old, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize('case', [_CASES[1], _CASES[9]])
@pytest.mark.parametrize('dtypes', [('float16',) * 3, ('float32',) * 3,
                                    ('float16', 'float32', 'float16'),
                                    ('float32', 'float64', 'float32')])
def test_gemm_path_keeps_dtypes(case, dtypes):
    x, W, b, gy, oh, ow = _arrays(case, dtypes)
    tol = 2e-3 if 'float16' in dtypes else 1e-5
    out_dtypes = (dtypes[0], dtypes[1], dtypes[0])
    for name, want, (new, old) in zip(('forward', 'grad_W', 'grad_x'), out_dtypes,
                                      _both(case, x, W, b, gy, oh, ow, dtypes)):
        assert new.dtype == old.dtype == numpy.dtype(want), name
        numpy.testing.assert_allclose(new.astype('float64'), old.astype('float64'),
                                      rtol=tol, atol=tol, err_msg=name)


@pytest.mark.parametrize('case', [_CASES[0], _CASES[9]])
def test_each_product_is_one_gemm_per_group(case, monkeypatch):
    calls = []
    real = utils.matmul

    def counting(a, b, out=None):
        calls.append((a.shape, b.shape))
        return real(a, b, out)

    monkeypatch.setattr(utils, 'matmul', counting)
    x, W, b, gy, oh, ow = _arrays(case)
    sy, sx, ph, pw, dy, dx, groups = _geometry(case)
    n, c, h, w = x.shape
    out_c, cg, kh, kw = W.shape
    m, k, npx = out_c // groups, cg * kh * kw, n * oh * ow
    k_ = _conv.ArrayKernels
    runs = [
        (lambda: _conv.gemm_conv_forward(x, W, b, sy, sx, ph, pw, oh, ow, dy, dx, groups,
                                         x.dtype, k_), ((m, k), (k, npx))),
        (lambda: _conv.gemm_conv_grad_W(x, gy, kh, kw, sy, sx, ph, pw, dy, dx, groups,
                                        W.dtype, k_), ((m, npx), (npx, k))),
        (lambda: _conv.gemm_conv_grad_x(gy, W, h, w, sy, sx, ph, pw, dy, dx, groups,
                                        x.dtype, k_), ((k, m), (m, npx))),
    ]
    for run, (a, bshape) in runs:
        del calls[:]
        run()
        # one group: a plain 2-D GEMM; more: one batched GEMM over the groups
        want = (a, bshape) if groups == 1 else ((groups,) + a, (groups,) + bshape)
        assert calls == [want]


class _RoutedKernels(_conv.ArrayKernels):
    """gpu_kernels as conv sees it, with the array kernels: routes NumPy arrays
    through conv_forward/conv_grad_W/conv_grad_x's GEMM-path dispatch."""

    @staticmethod
    def enabled(a):
        return False            # col2im_add's own kernel switch


@pytest.mark.parametrize('case', [c for c in _CASES if c[0] > 0])
def test_ops_dispatch_to_the_gemm_path(case, monkeypatch):
    """convolution_2d and deconvolution_2d (forward, backward, double backward)
    routed through the GEMM path give the chunked path's results: the
    dispatch passes the right arguments."""
    x, W, b, gy, oh, ow = _arrays(case)
    sy, sx, ph, pw, dy, dx, groups = _geometry(case)
    kw = dict(stride=(sy, sx), pad=(ph, pw), dilate=(dy, dx), groups=groups)
    g2 = numpy.random.RandomState(5).randn(*x.shape)

    def run():
        vx, vW, vb, vg = (fastgrad.Variable(a.copy()) for a in (x, W, b, gy))
        y = F.convolution_2d(vx, vW, vb, cover_all=case[11], **kw)
        d = F.deconvolution_2d(vg, vW, None, outsize=x.shape[2:], **kw)
        loss = F.sum(y * gy) + F.sum(d * g2)
        gs = fastgrad.grad([loss], [vx, vW, vb, vg], enable_double_backprop=True)
        # the double backward runs the ops (and the weight-gradient op) again
        sum(F.sum(g * g) for g in gs).backward()
        return [y.array, d.array] + [g.array for g in gs] + [vx.grad, vW.grad, vg.grad]

    want = run()
    calls = []

    def counted(name):
        real = getattr(_conv, name)

        def f(*args):
            calls.append(name)
            assert args[-1] is _RoutedKernels
            return real(*args)
        return f

    monkeypatch.setattr(_conv, '_gemm_path', lambda a, cg, g: not _conv._is_depthwise(cg, g))
    monkeypatch.setattr(_conv, 'gpu_kernels', _RoutedKernels)
    for name in ('gemm_conv_forward', 'gemm_conv_grad_W', 'gemm_conv_grad_x'):
        monkeypatch.setattr(_conv, name, counted(name))
    got = run()
    if not _conv._is_depthwise(W.shape[1], groups):
        assert set(calls) == {'gemm_conv_forward', 'gemm_conv_grad_W', 'gemm_conv_grad_x'}
    for a, e in zip(got, want):
        numpy.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


def test_numpy_arrays_never_take_the_gemm_path():
    x, W, b, gy, oh, ow = _arrays(_CASES[0])
    assert not _conv._gemm_path(x, W.shape[1], 1)


# -- the CPU's whole-batch chunks ------------------------------------------------------

def _three_products(case, x, W, b, gy, oh, ow, dtypes=('float64',) * 3):
    sy, sx, ph, pw, dy, dx, groups = _geometry(case)
    kh, kw = W.shape[2:]
    h, w = x.shape[2:]
    return [_conv.conv_forward(x, W, b, sy, sx, ph, pw, oh, ow, dy, dx, groups, dtypes[0]),
            _conv.conv_grad_W(x, gy, kh, kw, sy, sx, ph, pw, dy, dx, groups, dtypes[1]),
            _conv.conv_grad_x(gy, W, h, w, sy, sx, ph, pw, dy, dx, groups, dtypes[0])]


@pytest.mark.parametrize('case', [c for c in _CASES if c[0] > 1])
@pytest.mark.parametrize('chunk_bytes', [1, 1 << 25])
def test_cpu_whole_batch_equals_per_sample_gemms(case, chunk_bytes, monkeypatch):
    x, W, b, gy, oh, ow = _arrays(case, seed=3)
    want = _three_products(case, x, W, b, gy, oh, ow)
    _always_whole_batch(monkeypatch)
    monkeypatch.setattr(_conv, '_WHOLE_BATCH_BYTES', chunk_bytes)    # 1: a sample a chunk
    calls = []
    for name in ('gemm_conv_forward', 'gemm_conv_grad_W', 'gemm_conv_grad_x'):
        real = getattr(_conv, name)
        monkeypatch.setattr(_conv, name,
                            lambda *a, _f=real, _n=name: calls.append(_n) or _f(*a))
    got = _three_products(case, x, W, b, gy, oh, ow)
    depthwise = _conv._is_depthwise(W.shape[1], case[10])
    per_product = 0 if depthwise else (x.shape[0] if chunk_bytes == 1 else 1)
    assert len(calls) == 3 * per_product
    for name, g, w in zip(('forward', 'grad_W', 'grad_x'), got, want):
        assert g.shape == w.shape and g.dtype == w.dtype, name
        numpy.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize('dtypes', [('float16',) * 3, ('float32', 'float64', 'float32')])
def test_cpu_whole_batch_keeps_dtypes(dtypes, monkeypatch):
    case = _CASES[9]
    x, W, b, gy, oh, ow = _arrays(case, dtypes, seed=4)
    want = _three_products(case, x, W, b, gy, oh, ow, dtypes)
    _always_whole_batch(monkeypatch)
    got = _three_products(case, x, W, b, gy, oh, ow, dtypes)
    tol = 2e-3 if 'float16' in dtypes else 1e-5
    for g, w in zip(got, want):
        assert g.dtype == w.dtype
        numpy.testing.assert_allclose(g.astype('float64'), w.astype('float64'), rtol=tol,
                                      atol=tol)


def test_cpu_whole_batch_gradients_are_numerical(monkeypatch):
    _always_whole_batch(monkeypatch)
    monkeypatch.setattr(_conv, '_WHOLE_BATCH_BYTES', 1)        # a sample a chunk
    rng = numpy.random.RandomState(6)
    x = rng.randn(3, 4, 5, 5)
    W = rng.randn(6, 2, 3, 3)
    b = rng.randn(6)
    gy = rng.randn(3, 6, 3, 3)

    def f(x, W, b):
        return F.convolution_2d(x, W, b, stride=2, pad=1, groups=2)
    check_backward(f, (x, W, b), gy)
    check_double_backward(f, (x, W, b), gy, (rng.randn(*x.shape), rng.randn(*W.shape),
                                             rng.randn(*b.shape)))


@pytest.mark.parametrize('n, c, hw, want', [
    (2, 32, 7, {'gemm_conv_forward', 'gemm_conv_grad_W', 'gemm_conv_grad_x'}),  # 49 pixels
    (2, 32, 9, {'gemm_conv_grad_W'}),        # 81: past forward's and grad_x's limit
    (2, 32, 15, set()),                      # 225: past every limit
    (1, 32, 7, set()),                       # one sample: nothing to gain
    (2, 16, 7, set()),                       # K = 144 rows: too few
])
def test_cpu_whole_batch_where_the_limits_say(n, c, hw, want, monkeypatch):
    monkeypatch.setattr(_conv, '_WHOLE_BATCH_PIXELS', {'forward': 64, 'grad_x': 64,
                                                       'grad_W': 196})
    monkeypatch.setattr(_conv, '_WHOLE_BATCH_MIN_K', 256)
    calls = set()
    for name in ('gemm_conv_forward', 'gemm_conv_grad_W', 'gemm_conv_grad_x'):
        real = getattr(_conv, name)
        monkeypatch.setattr(_conv, name, lambda *a, _f=real, _n=name: calls.add(_n) or _f(*a))
    x = fastgrad.Variable(numpy.ones((n, c, hw, hw), numpy.float32))
    conv = L.Convolution2D(c, 4, 3, pad=1)
    F.sum(conv(x)).backward()
    assert calls == want


# -- on a GPU: the path on CuPy equals the NumPy path ---------------------------------

def _to_numpy(a):
    import cupy
    return cupy.asnumpy(a)


@pytest.mark.gpu
@pytest.mark.parametrize('case', _CASES)
@pytest.mark.parametrize('dtype', ['float16', 'float32', 'float64'])
@pytest.mark.parametrize('bias', [True, False])
def test_gpu_convolution_2d_gemm_path_equals_numpy(case, dtype, bias):
    import cupy
    x, W, b, gy, oh, ow = _arrays(case, (dtype,) * 3)
    sy, sx, ph, pw, dy, dx, groups = _geometry(case)
    cover_all = case[11]

    def run(xp_x, xp_W, xp_b, xp_gy):
        vx, vW = fastgrad.Variable(xp_x), fastgrad.Variable(xp_W)
        args = (vx, vW) if not bias else (vx, vW, fastgrad.Variable(xp_b))
        y = F.convolution_2d(*args, stride=(sy, sx), pad=(ph, pw), cover_all=cover_all,
                             dilate=(dy, dx), groups=groups)
        y.grad = xp_gy
        y.backward()
        return [_to_numpy(a) for a in (y.array, vx.grad, vW.grad)]

    with fastgrad.using_config('gpu_pooling_kernels', True):
        on = run(*(cupy.asarray(a) for a in (x, W, b, gy)))
    ref = run(x, W, b, gy)
    tol = {'float16': 5e-3, 'float32': 1e-5, 'float64': 1e-12}[dtype]
    for name, a, r in zip(('y', 'gx', 'gW'), on, ref):
        assert a.dtype == r.dtype, name
        assert a.shape == r.shape, name
        numpy.testing.assert_allclose(a.astype('float64'), r.astype('float64'),
                                      rtol=tol, atol=tol, err_msg=name)


@pytest.mark.gpu
@pytest.mark.parametrize('case', _CASES[:12])
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_gpu_deconvolution_2d_gemm_path_equals_numpy(case, dtype):
    import cupy
    x, W, b, gy, oh, ow = _arrays(case, (dtype,) * 3)
    sy, sx, ph, pw, dy, dx, groups = _geometry(case)
    h, w = x.shape[2:]
    # deconvolution takes the conv's W as is: (gy's channels, x's channels / groups, kh, kw)
    bd = numpy.random.RandomState(3).randn(x.shape[1]).astype(dtype)

    def run(xp_gy, xp_W, xp_b, xp_g):
        vg, vW, vb = (fastgrad.Variable(a) for a in (xp_gy, xp_W, xp_b))
        y = F.deconvolution_2d(vg, vW, vb, stride=(sy, sx), pad=(ph, pw), outsize=(h, w),
                               dilate=(dy, dx), groups=groups)
        y.grad = xp_g
        y.backward()
        return [_to_numpy(a) for a in (y.array, vg.grad, vW.grad, vb.grad)]

    g = numpy.random.RandomState(4).randn(*x.shape).astype(dtype)
    with fastgrad.using_config('gpu_pooling_kernels', True):
        on = run(*(cupy.asarray(a) for a in (gy, W, bd, g)))
    ref = run(gy, W, bd, g)
    tol = 1e-5 if dtype == 'float32' else 1e-12
    for a, r in zip(on, ref):
        assert a.dtype == r.dtype and a.shape == r.shape
        numpy.testing.assert_allclose(a, r, rtol=tol, atol=tol)


@pytest.mark.gpu
def test_gpu_gemm_path_replays_in_a_cuda_graph():
    """capture_step on two convolutions (the second grouped, so grad_x runs too):
    the GEMM path has no host sync, and the replayed steps train as the eager ones
    (inside a capture its GEMMs run on fastgrad_cuda's kernels)."""
    import cupy

    def model():
        numpy.random.seed(0)
        return fastgrad.Sequential(
            L.Convolution2D(2, 4, 3, pad=1), F.relu,
            L.Convolution2D(4, 6, 3, stride=2, pad=1, groups=2), F.relu,
            lambda h: F.reshape(h, (h.shape[0], -1)), L.Linear(6 * 3 * 3, 3)
        ).to_device('@cupy:0')

    rng = numpy.random.RandomState(1)
    batches = [(cupy.asarray(rng.randn(8, 2, 6, 6).astype('float32')),
                cupy.asarray(rng.randn(8, 3).astype('float32'))) for _ in range(6)]
    with fastgrad.using_config('gpu_pooling_kernels', True):
        replay_check.assert_replay_matches_eager(
            model, lambda: optimizers.SGD(lr=0.05), batches, rtol=1e-4, atol=1e-5,
            losses_rtol=1e-5)
