"""Launch planning and dispatch of the tensor-core kernels, on the CPU.

Pure functions of integers (tile table, kernel names, shared-memory sizes,
plans) and the routing of LinearFunction to MMA_KERNELS under
fastgrad.config.linear_allow_tf32 / linear_fp64_mma -- checked with a stand-in
``cupy`` that only has an ndarray type, and recorders in place of the Ops.
Numbers computed by the kernels are test_mma_reference.py's (emulated) and
test_linear_mma_gpu.py's (device) business.
"""
import sys
import types

import numpy
import pytest

import fastgrad
from fastgrad.functions.connection.linear import LinearFunction
from fastgrad_cuda import launch, plan
from fastgrad_cuda import linear as fl

H100 = dict(sm_count=132, cc=90)


# -- the tile table ---------------------------------------------------------------------

@pytest.mark.parametrize('itemsize', [4, 8])
def test_tile_table_invariants(itemsize):
    atoms = {plan.mma_atom(itemsize, cc) for cc in (80, 86, 90, 100)}
    vw = 16 // itemsize
    names = [t.name for t in plan.MMA_TILES[itemsize]]
    assert len(set(names)) == len(names)
    for t in plan.MMA_TILES[itemsize]:
        # the kernel's static_asserts, for the mma shape of every architecture
        assert t.bm % t.wm == 0 and t.bn % t.wn == 0
        for am, an, ak in atoms:
            assert t.wm % am == 0 and t.wn % an == 0 and t.bk % ak == 0
        assert t.stages >= 2
        # the cp.async loader: whole 16-byte chunks, the same number per thread
        for rows in (t.bm, t.bn):
            chunks = rows * t.bk // vw
            assert rows % vw == 0 and t.bk % vw == 0
            assert chunks % t.threads == 0 and chunks >= t.threads
        assert t.threads % 32 == 0 and 32 <= t.threads <= 1024
        # every layout fits the smallest opt-in limit of an sm_80+ part (sm_86/89: 99 KB)
        assert plan.mma_smem_max(t, itemsize) <= 99 * 1024
        assert t.blocks_per_sm(80) == t.blocks_per_sm(90) == t.minb >= 1
    # the smallest tile comes last (the planner's fallback for small products)
    sizes = [t.bm * t.bn for t in plan.MMA_TILES[itemsize]]
    assert sizes[-1] == min(sizes) and all(t.rate > 0 for t in plan.MMA_TILES[itemsize])


def test_smem_bytes():
    L4 = plan.tile_by_name(4, 'L', mma=True)
    # K-major: [128][16 + 4] per operand; row-major: [16][128 + 8]
    assert plan.mma_stage_elems(128, 16, True, 4) == 128 * 20
    assert plan.mma_stage_elems(128, 16, False, 4) == 16 * 136
    assert plan.mma_stage_elems(128, 8, False, 8) == 8 * 132
    assert plan.mma_smem_bytes(L4, 4, True, True) == 4 * 4 * (2560 + 2560) == 81920
    assert plan.mma_smem_bytes(L4, 4, True, False) == 4 * 4 * (2560 + 2176)
    L8 = plan.tile_by_name(8, 'L', mma=True)
    assert plan.mma_smem_bytes(L8, 8, True, True) == 4 * 8 * (128 * 12 * 2) == 98304
    assert plan.mma_smem_max(L8, 8) == 98304
    # 16-byte aligned stages (cp.async destinations)
    for it in (4, 8):
        for t in plan.MMA_TILES[it]:
            for a in (True, False):
                for b in (True, False):
                    assert plan.mma_smem_bytes(t, it, a, b) % (16 * t.stages) == 0


def test_kernel_names():
    L4 = plan.tile_by_name(4, 'L', mma=True)
    assert plan.mma_kernel_name(4, L4, True, False) == \
        'fg_gemm_mma<float,128,128,16,64,64,4,2,true,false>'
    M8 = plan.tile_by_name(8, 'M', mma=True)
    assert plan.mma_kernel_name(8, M8, False, True) == \
        'fg_gemm_mma<double,64,64,8,32,32,4,3,false,true>'
    for it in (4, 8):
        names = plan.mma_kernel_names(it)
        assert len(names) == len(set(names)) == 4 * len(plan.MMA_TILES[it])
        assert not set(names) & set(plan.kernel_names(it, 90))
    with pytest.raises(ValueError, match='no tensor-core tile'):
        plan.tile_by_name(4, 'S', mma=True)
    assert plan.tile_by_name(4, 'S').name == 'S'      # the CUDA-core table is separate


def test_mma_atom():
    assert plan.mma_atom(4, 80) == plan.mma_atom(4, 90) == (16, 8, 8)
    assert plan.mma_atom(8, 80) == plan.mma_atom(8, 89) == (8, 8, 4)
    assert plan.mma_atom(8, 90) == plan.mma_atom(8, 100) == (16, 8, 8)


def test_use_mma():
    assert plan.use_mma(True, 80) and plan.use_mma(True, 90) and plan.use_mma(True, 120)
    assert not plan.use_mma(True, 75) and not plan.use_mma(True, 70)
    assert not plan.use_mma(False, 90)


# -- plans ---------------------------------------------------------------------------------

SHAPES = [(1, 1, 1), (7, 13, 17), (32, 64, 64), (128, 1024, 1024), (1024, 4096, 4096),
          (8192, 8192, 8192), (1, 4096, 4096), (100000, 10, 784), (5, 3, 100000),
          (257, 129, 33)]


@pytest.mark.parametrize('itemsize', [4, 8])
@pytest.mark.parametrize('shape', SHAPES)
def test_mma_plan_is_valid(itemsize, shape):
    M, N, K = shape
    p = plan.plan_gemm(M, N, K, itemsize, mma=True, smem_limit=227 * 1024, **H100)
    t = p.tile
    assert t in plan.MMA_TILES[itemsize]
    assert p.grid == (plan.cdiv(M, t.bm) * plan.cdiv(N, t.bn), 1, p.splits)
    assert p.block == (t.threads, 1, 1)
    assert p.k_chunk % t.bk == 0
    assert p.splits * p.k_chunk >= K and (p.splits == 1 or (p.splits - 1) * p.k_chunk < K)
    assert p.group_m == plan.GROUP_M


def test_mma_plan_choices():
    # big products: the tile measured fastest on an H100 (TF32: L, FP64: W), no split
    for it, best in ((4, 'L'), (8, 'W')):
        for shape in [(8192, 8192, 8192), (1024, 4096, 4096), (4096, 4096, 1024)]:
            p = plan.plan_gemm(*shape, it, mma=True, **H100)
            assert p.tile.name == best and p.splits == 1, (it, shape, p)
    for it in (4, 8):
        # few output tiles over a long K: split K
        p = plan.plan_gemm(64, 64, 100000, it, mma=True, **H100)
        assert p.splits > 1
    # the CUDA-core plan is unchanged by the new arguments
    assert plan.plan_gemm(1024, 4096, 4096, 4, **H100) == \
        plan.plan_gemm(1024, 4096, 4096, 4, 132, 90, None, None, False, None)


def test_mma_plan_shared_memory_limit():
    # 48 KB: only the M tiles fit
    for it in (4, 8):
        p = plan.plan_gemm(8192, 8192, 8192, it, mma=True, smem_limit=48 * 1024, **H100)
        assert p.tile.name == 'M'
    with pytest.raises(ValueError, match='fits'):
        plan.plan_gemm(64, 64, 64, 4, mma=True, smem_limit=16 * 1024, **H100)
    with pytest.raises(ValueError, match="'L'"):
        plan.plan_gemm(64, 64, 64, 8, 132, 90, 'L', 1, True, 64 * 1024)
    p = plan.plan_gemm(300, 300, 300, 8, 132, 90, 'W', 3, True)
    assert p.tile.name == 'W' and p.splits == 3 and p.k_chunk == 104


# -- routing ---------------------------------------------------------------------------------

def test_config_flags_defaults_reach_select(monkeypatch):
    # TF32 off (like cuBLAS); FP64 tensor cores "auto" (None): on where validated.
    # fastgrad/_gemm.py reads the flags and hands them to select.
    from fastgrad import _gemm
    seen = []
    monkeypatch.setattr(_gemm, '_cuda', types.SimpleNamespace(
        select=lambda arrays, *flags: seen.append(flags)))
    assert fastgrad.config.linear_allow_tf32 is False
    assert fastgrad.config.linear_fp64_mma is None
    _gemm._gpu_ops(object())
    with fastgrad.using_config('linear_allow_tf32', True):
        _gemm._gpu_ops(object())
    with fastgrad.using_config('linear_fp64_mma', True):
        _gemm._gpu_ops(object())
    with fastgrad.using_config('linear_use_cublas', True):
        _gemm._gpu_ops(object())
    assert seen == [(False, False, None), (False, True, None), (False, False, True),
                    (True, False, None)]


def test_fastgrad_cuda_imports_nothing_of_fastgrad(tmp_path):
    # the dependency runs one way: fastgrad/_gemm.py imports fastgrad_cuda lazily
    import os
    import subprocess

    import fastgrad_cuda
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad_cuda.__file__)))
    code = ('import sys\n'
            'import fastgrad_cuda.linear, fastgrad_cuda.launch, fastgrad_cuda.plan\n'
            'from fastgrad_cuda.tools import compile_check\n'
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'fastgrad'))\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         cwd=str(tmp_path), timeout=60,
                         env=dict(os.environ, PYTHONPATH=root))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '[]'


class FakeGpuArray(object):
    device = types.SimpleNamespace(id=0)

    def __init__(self, shape, dtype):
        self.shape, self.dtype, self.ndim = tuple(shape), numpy.dtype(dtype), len(shape)


@pytest.mark.parametrize('cc,expect_mma', [(90, True), (100, True), (86, False),
                                           (80, False), (75, False)])
def test_fp64_auto_routes_by_device(fake_cupy, monkeypatch, cc, expect_mma):
    monkeypatch.setattr(launch, '_devices', {0: (cc, 100)})
    x64, W64, b64 = _arrays(numpy.float64)
    x32, W32, b32 = _arrays(numpy.float32)
    assert fl.select((x64, W64, b64), False) is (fl.FP64_AUTO_KERNELS if expect_mma
                                                 else fl.KERNELS)
    assert fl.select((x32, W32, b32), False) is fl.KERNELS      # TF32 stays opt-in


def test_fp64_auto_picks_by_size(monkeypatch):
    calls = []
    for name in ('linear_forward', 'linear_grad_x', 'linear_grad_W'):
        monkeypatch.setattr(fl, name, lambda *a, _n=name, **kw: calls.append((_n, kw['mma'])))
    big, small = FakeGpuArray((1024, 4096), 'f8'), FakeGpuArray((32, 64), 'f8')
    W_big, W_small = FakeGpuArray((4096, 4096), 'f8'), FakeGpuArray((64, 64), 'f8')
    gy_big, gy_small = FakeGpuArray((1024, 4096), 'f8'), FakeGpuArray((32, 64), 'f8')
    ops = fl.FP64_AUTO_KERNELS
    ops.forward(big, W_big), ops.grad_x(gy_big, W_big), ops.grad_W(gy_big, big)
    ops.forward(small, W_small), ops.grad_x(gy_small, W_small), ops.grad_W(gy_small, small)
    assert [m for _, m in calls] == [True] * 3 + [False] * 3
    assert [n for n, _ in calls[:3]] == ['linear_forward', 'linear_grad_x', 'linear_grad_W']


@pytest.fixture
def fake_cupy(monkeypatch):
    cp = types.ModuleType('cupy')
    cp.ndarray = FakeGpuArray
    monkeypatch.setitem(sys.modules, 'cupy', cp)
    # an sm_80 device: the FP64 tensor-core auto mode stays off, SIMT routes run
    monkeypatch.setattr(launch, '_devices', {0: (80, 108)})
    return cp


def _arrays(dtype):
    return FakeGpuArray((4, 3), dtype), FakeGpuArray((2, 3), dtype), FakeGpuArray((2,), dtype)


@pytest.mark.parametrize('tf32', [False, True])
@pytest.mark.parametrize('fp64', [False, True])
def test_select_with_flags(fake_cupy, tf32, fp64):
    x, W, b = _arrays(numpy.float32)
    x64, W64, b64 = _arrays(numpy.float64)
    assert fl.select((x, W, b), False, tf32, fp64) is (fl.MMA_KERNELS if tf32 else fl.KERNELS)
    assert fl.select((x64, W64, b64), False, tf32, fp64) is (
        fl.MMA_KERNELS if fp64 else fl.KERNELS)
    # the cuBLAS switch wins (its TF32 mode is CuPy's: CUPY_TF32=1)
    assert fl.select((x, W), True, tf32, fp64) is fl.CUBLAS
    assert fl.select((x64, W64), True, tf32, fp64) is fl.CUBLAS
    # other dtypes and mixed dtypes stay generic
    x16, W16, _ = _arrays(numpy.float16)
    assert fl.select((x16, W16), False, tf32, fp64) is None
    assert fl.select((x, W64), False, tf32, fp64) is None


def test_mma_ops_pass_mma_true(monkeypatch):
    calls = []

    def rec(name):
        def f(*args, **kw):
            calls.append((name, args, kw))
            return name
        return f
    for name in ('linear_forward', 'linear_grad_x', 'linear_grad_W'):
        monkeypatch.setattr(fl, name, rec(name))
    ops = fl.MMA_KERNELS
    assert ops.forward('x', 'W', 'b') == 'linear_forward'
    assert ops.forward('x', 'W') == 'linear_forward'
    assert ops.grad_x('gy', 'W') == 'linear_grad_x'
    assert ops.grad_W('gy', 'x') == 'linear_grad_W'
    assert calls == [('linear_forward', ('x', 'W', 'b'), {'mma': True}),
                     ('linear_forward', ('x', 'W', None), {'mma': True}),
                     ('linear_grad_x', ('gy', 'W'), {'mma': True}),
                     ('linear_grad_W', ('gy', 'x'), {'mma': True})]
    assert ops.bias_grad is fl.bias_grad


@pytest.fixture
def recorder(monkeypatch):
    calls = []

    def ops(name):
        def rec(entry):
            def f(*args):
                calls.append((name, entry, args))
                return ('result of', name, entry)
            return f
        return fl.Ops(name, rec('forward'), rec('grad_x'), rec('grad_W'), rec('bias_grad'))
    monkeypatch.setattr(fl, 'KERNELS', ops('kernels'))
    monkeypatch.setattr(fl, 'MMA_KERNELS', ops('mma'))
    monkeypatch.setattr(fl, 'CUBLAS', ops('cublas'))
    return calls


class _Retained(LinearFunction):
    def __init__(self, x, W):
        super().__init__()
        self._xw = (x, W)

    def get_retained_input_arrays(self):
        return self._xw


@pytest.mark.parametrize('dtype,flag', [(numpy.float32, 'linear_allow_tf32'),
                                        (numpy.float64, 'linear_fp64_mma')])
def test_linear_function_routes_to_mma(fake_cupy, recorder, dtype, flag):
    x, W, b = _arrays(dtype)
    gy = FakeGpuArray((4, 2), dtype)
    with fastgrad.using_config(flag, True):
        LinearFunction().forward((x, W, b))
        _Retained(x, W).backward_arrays((0, 1, 2), (gy,))
    assert recorder == [('mma', 'forward', (x, W, b)), ('mma', 'grad_x', (gy, W)),
                        ('mma', 'grad_W', (gy, x)), ('mma', 'bias_grad', (gy,))]
    del recorder[:]
    # the other dtype's flag does not apply
    other = 'linear_fp64_mma' if flag == 'linear_allow_tf32' else 'linear_allow_tf32'
    with fastgrad.using_config(other, True):
        LinearFunction().forward((x, W, b))
    assert recorder == [('kernels', 'forward', (x, W, b))]


def test_numpy_path_ignores_the_flags(monkeypatch):
    from fastgrad import _gemm

    def boom(*args):
        raise AssertionError('fastgrad_cuda consulted for NumPy arrays')
    monkeypatch.setattr(_gemm, '_gpu_ops', boom)
    import fastgrad.functions as F
    rng = numpy.random.RandomState(0)
    x = rng.uniform(-1, 1, (4, 3)).astype(numpy.float32)
    W = rng.uniform(-1, 1, (2, 3)).astype(numpy.float32)
    with fastgrad.using_config('linear_allow_tf32', True), \
            fastgrad.using_config('linear_fp64_mma', True):
        y = F.linear(x, W)
    numpy.testing.assert_allclose(y.array, x @ W.T, rtol=1e-6)


# -- the tuning tool's pure parts --------------------------------------------------------------

def test_mma_tune_parse_and_constraints():
    from fastgrad_cuda.tools import mma_tune
    it, t = mma_tune.parse_tile('float32:B:128,256,16,64,64,3,1')
    assert it == 4 and t == plan.MmaTile('B', 128, 256, 16, 64, 64, 3, 1, 1.0)
    assert plan.plan_gemm(512, 512, 512, 4, 132, 90, 'L', 1, True).splits == 1  # rate > 0
    assert t.threads == 256 and mma_tune.mma_tile_problems(t, 4) == []
    for bad in ('float16:B:1,2,3,4,5,6,7', 'float32:B:1,2,3', 'float32::1,2,3,4,5,6,7', 'x'):
        with pytest.raises(ValueError, match='--tile'):
            mma_tune.parse_tile(bad)
    for it in (4, 8):
        for t in plan.MMA_TILES[it]:     # the shipped table passes its own checks
            assert mma_tune.mma_tile_problems(t, it, 99 * 1024) == []
    probs = mma_tune.mma_tile_problems(plan.MmaTile('?', 128, 128, 4, 64, 48, 1, 1, 0.0), 8,
                                       1024)
    assert any('warp tile' in p for p in probs) and any('stages' in p for p in probs)
    assert any('mma shape' in p for p in probs) and any('shared memory' in p for p in probs)
    # the sm_90 FP64 shape (m16n8k8) needs WM % 16 and BK % 8
    assert any('sm_90' in p for p in mma_tune.mma_tile_problems(
        plan.MmaTile('?', 64, 64, 4, 8, 32, 2, 1, 0.0), 8))
