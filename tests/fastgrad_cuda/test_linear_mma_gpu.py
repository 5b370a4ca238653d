"""fastgrad_cuda's tensor-core kernels on a real GPU (marked ``gpu``: skipped without
CuPy/device; the mma tests also skip below sm_80, where the fallback is checked).

References are float64 products of the same inputs, computed on the host, on
random data (never zeros), with outputs poisoned with NaN before each launch so
that unwritten elements are caught.  Error measures:

* TF32 (float32 with mma=True): per element |got - ref| / (|A|.|B|)(i, j)
  < 1e-3 -- the product's own scale, sum_k |a_ik||b_kj|, so that cancellation
  in the sum cannot inflate the measure -- and the Frobenius relative error
  < 1e-3; against a reference built from the inputs rounded to TF32 (round to
  nearest, ties away: cvt.rna) the scaled error is < 1e-5, which shows the
  operands are rounded as specified, not truncated;
* FP64 mma: Frobenius relative error < 1e-12 and scaled per-element < 1e-12.
"""
import numpy
import pytest

from fastgrad_cuda import launch, plan
from fastgrad_cuda import linear as fl

pytestmark = pytest.mark.gpu

SHAPES = [(1, 1, 1), (2, 3, 5), (7, 13, 17), (33, 65, 31), (127, 129, 255), (257, 300, 129),
          (1, 1024, 1), (1000, 3, 2), (129, 257, 1), (128, 1024, 1024), (520, 1031, 264)]


@pytest.fixture
def cp():
    return pytest.importorskip('cupy')


@pytest.fixture
def mma_cp(cp):
    if int(cp.cuda.Device().compute_capability) < plan.MMA_MIN_CC:
        pytest.skip('tensor-core kernels need sm_80 or newer')
    return cp


def _rand(cp, shape, dtype, seed):
    rng = numpy.random.RandomState(seed)
    return cp.asarray(rng.uniform(-1, 1, shape).astype(dtype))


def _poison(cp, shape, dtype):
    return cp.full(shape, numpy.nan, dtype)


def _host(cp, a):
    return cp.asnumpy(a).astype(numpy.float64)


def tf32_round(x):
    """float32 -> float32 rounded to TF32 (cvt.rna.tf32.f32: nearest, ties away)."""
    u = numpy.ascontiguousarray(x, numpy.float32).view(numpy.uint32)
    r = (u + numpy.uint32(0x1000)) & numpy.uint32(0xFFFFE000)
    return r.view(numpy.float32)


def _check(cp, got, a, b, dtype, bias=None, relu=False, what='', tf32_exact=False):
    """got (device) against the float64 product a.b (host arrays) (+ bias) (relu)."""
    g = cp.asnumpy(got).astype(numpy.float64)
    assert not numpy.isnan(g).any(), '{}: unwritten (NaN) output elements'.format(what)
    if tf32_exact:
        a = tf32_round(a.astype(numpy.float32)).astype(numpy.float64)
        b = tf32_round(b.astype(numpy.float32)).astype(numpy.float64)
    ref, scale = a @ b, numpy.abs(a) @ numpy.abs(b)
    if bias is not None:
        ref, scale = ref + bias, scale + numpy.abs(bias)
    if relu:
        ref = numpy.maximum(ref, 0)
    assert g.shape == ref.shape
    scaled = (numpy.abs(g - ref) / numpy.maximum(scale, 1e-300)).max() if g.size else 0.0
    den = numpy.linalg.norm(ref)
    frob = numpy.linalg.norm(g - ref) / (den if den > 0 else 1.0)
    if dtype == numpy.float64:
        tol_scaled, tol_frob = 1e-12, 1e-12
    elif tf32_exact:
        tol_scaled, tol_frob = 1e-5, 1e-5
    else:
        tol_scaled, tol_frob = 1e-3, 1e-3
    assert scaled < tol_scaled and frob < tol_frob, \
        '{}: error {:.3g} scaled by sum|a||b|, {:.3g} relative (Frobenius)'.format(
            what, scaled, frob)
    return scaled, frob


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', SHAPES)
def test_mma_against_float64(mma_cp, dtype, shape):
    cp = mma_cp
    n, k, m = shape
    x, W = _rand(cp, (n, k), dtype, 1), _rand(cp, (m, k), dtype, 2)
    b, gy = _rand(cp, (m,), dtype, 3), _rand(cp, (n, m), dtype, 4)
    x64, W64, b64, gy64 = (_host(cp, a) for a in (x, W, b, gy))
    saved = [a.copy() for a in (x, W, b, gy)]
    kw = dict(mma=True)
    _check(cp, fl.linear_forward(x, W, out=_poison(cp, (n, m), dtype), **kw), x64, W64.T,
           dtype, what='forward')
    _check(cp, fl.linear_forward(x, W, b, out=_poison(cp, (n, m), dtype), **kw), x64, W64.T,
           dtype, b64, what='forward+bias')
    _check(cp, fl.linear_forward(x, W, b, 'relu', out=_poison(cp, (n, m), dtype), **kw),
           x64, W64.T, dtype, b64, True, what='forward+bias+relu')
    _check(cp, fl.linear_grad_x(gy, W, out=_poison(cp, (n, k), dtype), **kw), gy64, W64,
           dtype, what='grad_x')
    _check(cp, fl.linear_grad_W(gy, x, out=_poison(cp, (m, k), dtype), **kw), gy64.T, x64,
           dtype, what='grad_W')
    for a, s in zip((x, W, b, gy), saved):
        assert cp.array_equal(a, s), 'an input was modified'


def test_tf32_operands_rounded_to_nearest(mma_cp):
    """Against the product of the TF32-rounded inputs the error is fp32 accumulation
    only; with truncated (not rounded) operands it would be ~2^-11."""
    cp = mma_cp
    n, k, m = 257, 300, 129
    x, W, gy = (_rand(cp, s, numpy.float32, i) for i, s in
                enumerate(((n, k), (m, k), (n, m)), 20))
    x64, W64, gy64 = (_host(cp, a) for a in (x, W, gy))
    _check(cp, fl.linear_forward(x, W, mma=True), x64, W64.T, numpy.float32,
           what='forward', tf32_exact=True)
    _check(cp, fl.linear_grad_x(gy, W, mma=True), gy64, W64, numpy.float32,
           what='grad_x', tf32_exact=True)
    _check(cp, fl.linear_grad_W(gy, x, mma=True), gy64.T, x64, numpy.float32,
           what='grad_W', tf32_exact=True)


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('tile', ['L', 'W', 'M'])
@pytest.mark.parametrize('splits', [1, 3, 8])
def test_every_tile_and_split(mma_cp, dtype, tile, splits):
    cp = mma_cp
    n, k, m = 300, 257, 131
    x, W, b = _rand(cp, (n, k), dtype, 5), _rand(cp, (m, k), dtype, 6), _rand(cp, (m,), dtype, 7)
    gy = _rand(cp, (n, m), dtype, 8)
    x64, W64, b64, gy64 = (_host(cp, a) for a in (x, W, b, gy))
    kw = dict(tile=tile, splits=splits, mma=True)
    _check(cp, fl.linear_forward(x, W, b, out=_poison(cp, (n, m), dtype), **kw),
           x64, W64.T, dtype, b64, what='forward')
    _check(cp, fl.linear_forward(x, W, b, 'relu', out=_poison(cp, (n, m), dtype), **kw),
           x64, W64.T, dtype, b64, True, what='forward relu')
    _check(cp, fl.linear_grad_x(gy, W, out=_poison(cp, (n, k), dtype), **kw),
           gy64, W64, dtype, what='grad_x')
    _check(cp, fl.linear_grad_W(gy, x, out=_poison(cp, (m, k), dtype), **kw),
           gy64.T, x64, dtype, what='grad_W')


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
def test_strided_inputs(mma_cp, dtype):
    cp = mma_cp
    n, k, m = 67, 36, 40
    x, W, gy = _rand(cp, (n, k), dtype, 9), _rand(cp, (m, k), dtype, 10), \
        _rand(cp, (n, m), dtype, 11)
    b = _rand(cp, (2 * m,), dtype, 12)[::2]
    x64, W64, gy64, b64 = (_host(cp, a) for a in (x, W, gy, b))
    lx, lw, lg = _layouts(cp, x), _layouts(cp, W), _layouts(cp, gy)
    for kx, xv in lx.items():
        for kw, Wv in lw.items():
            what = 'x {} W {}'.format(kx, kw)
            _check(cp, fl.linear_forward(xv, Wv, b, mma=True), x64, W64.T, dtype, b64,
                   what=what)
            _check(cp, fl.linear_grad_W(lg[kw], xv, mma=True), gy64.T, x64, dtype, what=what)
            _check(cp, fl.linear_grad_x(lg[kx], Wv, mma=True), gy64, W64, dtype, what=what)


def test_compile_all_mma_no_spills(mma_cp):
    kernels = launch.compile_all(mma=True)
    assert set(kernels) == set(plan.mma_kernel_names(4) + plan.mma_kernel_names(8))
    for name, k in kernels.items():
        assert k.attributes['local_size_bytes'] == 0, name + ' spills'


def test_below_sm80_falls_back(cp):
    """On any GPU: mma=True gives the right float32/float64 answer (tensor cores on
    sm_80+, the CUDA-core kernel below), and the flags route nothing on older GPUs."""
    cc = int(cp.cuda.Device().compute_capability)
    x, W = _rand(cp, (33, 20), numpy.float64, 1), _rand(cp, (7, 20), numpy.float64, 2)
    _check(cp, fl.linear_forward(x, W, mma=True), _host(cp, x), _host(cp, W).T,
           numpy.float64)
    dev = cp.cuda.runtime.getDevice()
    built = {key[2] for key in launch._modules if key[0] == dev}
    assert ('mma' in built) == (cc >= plan.MMA_MIN_CC)


# -- through F.linear / L.Linear with the flags on -------------------------------------------

FLAG = {numpy.float32: 'linear_allow_tf32', numpy.float64: 'linear_fp64_mma'}


def _spy_mma(monkeypatch):
    calls = []
    k = fl.MMA_KERNELS

    def spy(name, f):
        def g(*args):
            calls.append(name)
            return f(*args)
        return g
    monkeypatch.setattr(fl, 'MMA_KERNELS', fl.Ops(
        k.name, spy('forward', k.forward), spy('grad_x', k.grad_x), spy('grad_W', k.grad_W),
        spy('bias_grad', k.bias_grad)))
    return calls


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('double', [False, True])
def test_F_linear_with_flag(mma_cp, monkeypatch, dtype, double):
    import fastgrad
    import fastgrad.functions as F
    cp = mma_cp
    calls = _spy_mma(monkeypatch)
    rng = numpy.random.RandomState(13)
    host = [rng.uniform(-1, 1, s).astype(dtype) for s in ((37, 53), (29, 53), (29,), (37, 29))]
    vs = [fastgrad.Variable(cp.asarray(a)) for a in host[:3]]
    with fastgrad.using_config(FLAG[dtype], True):
        y = F.linear(*vs)
        y.grad = cp.asarray(host[3])
        y.backward(enable_double_backprop=double)
    x64, W64, b64, gy64 = (a.astype(numpy.float64) for a in host)
    _check(cp, y.array, x64, W64.T, dtype, b64, what='y')
    _check(cp, vs[0].grad, gy64, W64, dtype, what='gx')
    _check(cp, vs[1].grad, gy64.T, x64, dtype, what='gW')
    gb = cp.asnumpy(vs[2].grad).astype(numpy.float64)
    numpy.testing.assert_allclose(gb, gy64.sum(axis=0), rtol=1e-6 if dtype == numpy.float32
                                  else 1e-12, atol=1e-6 if dtype == numpy.float32 else 1e-12)
    if double:   # the differentiable backward computes gx, gW with linear() itself
        assert 'forward' in calls and set(calls) <= {'forward', 'grad_x', 'grad_W',
                                                     'bias_grad'}
    else:
        assert sorted(calls) == ['bias_grad', 'forward', 'grad_W', 'grad_x']
    assert all(isinstance(v.grad, cp.ndarray) and v.grad.dtype == dtype for v in vs)


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_L_Linear_chain_with_flag(mma_cp, monkeypatch, dtype):
    """Two L.Linear layers and a relu on the GPU with the flag on: loss and every
    parameter gradient against the same model in float64 on the CPU."""
    import copy

    import fastgrad
    import fastgrad.functions as F
    import fastgrad.links as L
    cp = mma_cp
    calls = _spy_mma(monkeypatch)

    class Net(fastgrad.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.l1 = L.Linear(48, 96)
                self.l2 = L.Linear(96, 10)

        def forward(self, x):
            return self.l2(F.relu(self.l1(x)))

    numpy.random.seed(0)
    with fastgrad.using_config('dtype', numpy.dtype(dtype)):
        cpu = Net()
    ref = copy.deepcopy(cpu)
    for p in ref.params():
        p.array = p.array.astype(numpy.float64)
    gpu = copy.deepcopy(cpu).to_device('@cupy:0')
    rng = numpy.random.RandomState(3)
    x = rng.uniform(-1, 1, (64, 48)).astype(dtype)
    t = rng.randint(0, 10, 64).astype(numpy.int32)
    ref.cleargrads()
    loss_ref = F.softmax_cross_entropy(ref(x.astype(numpy.float64)), t)
    loss_ref.backward()
    gpu.cleargrads()
    with fastgrad.using_config(FLAG[dtype], True):
        loss = F.softmax_cross_entropy(gpu(cp.asarray(x)), cp.asarray(t))
        loss.backward()
    assert set(calls) == {'forward', 'grad_x', 'grad_W', 'bias_grad'}
    # TF32: each GEMM is checked tightly above; here the first layer's gradients are
    # batch sums of mixed-sign products of two TF32 GEMMs, and that cancellation scales
    # the ~3e-4 input rounding up (6e-3 was measured on an H100 for /l1/W, seed fixed)
    tol_loss, tol = (2e-3, 2e-2) if dtype == numpy.float32 else (1e-10, 1e-10)
    assert abs(float(loss.array) - float(loss_ref.array)) < tol_loss * abs(
        float(loss_ref.array))
    for (name, pr), (_, pg) in zip(sorted(ref.namedparams()), sorted(gpu.namedparams())):
        g, r = cp.asnumpy(pg.grad).astype(numpy.float64), pr.grad
        err = numpy.linalg.norm(g - r) / numpy.linalg.norm(r)
        assert err < tol, '{}: relative gradient error {:.3g}'.format(name, err)
