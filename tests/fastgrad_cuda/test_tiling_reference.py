"""NumPy emulation of gemm.cu's kernels, line for line, driven by the real host code.

Nothing here runs on a GPU and nothing here is a GPU result.  The emulators
below transliterate fg_gemm, fg_splitk_reduce and fg_colsum (same block ->
tile order, thread -> element maps, vector/scalar load branches, shared-memory
layout, double-buffer schedule, epilogue and split-K slices) into vectorized
NumPy over the threads of a block.  A minimal stand-in ``cupy`` module whose
RawModule returns these emulators lets fastgrad_cuda.linear's entry points
run unchanged on the CPU, so what is checked is the *index math and the host
side*: the plan, strides, flags and scalar argument types the host passes
(against the parameter lists parsed from gemm.cu), every global read inside
the operand view, 16-byte alignment of every vector access, every output
element written exactly once, no shared-memory cell read before it is written
or read and written between two barriers -- on odd shapes, strided, transposed,
misaligned and negative-stride views, every tile (plus tiny test tiles) and
forced split-K.  The numerics of the real kernels are checked by the ``gpu``
tests in test_linear_gpu.py.
"""
import re
import sys
import types

import numpy
import pytest
from fake_device import FakeArray, Mem, fake_empty, kernel_params  # tests/fastgrad_cuda/conftest.py

from fastgrad_cuda import launch, plan
from fastgrad_cuda import linear as fl

# -- parameter lists of the kernels, from the source ----------------------------------

SIGNATURES = {k: kernel_params(launch.read_source(), k)
              for k in ('fg_gemm', 'fg_splitk_reduce', 'fg_colsum')}


def test_signatures_parsed():
    assert len(SIGNATURES['fg_gemm']) == 16
    assert len(SIGNATURES['fg_splitk_reduce']) == 9
    assert len(SIGNATURES['fg_colsum']) == 7


def test_flag_constants_match_source():
    # defined once in plan.py; the source takes them as -D constants
    src = launch.read_source()
    for name in ('F_BIAS', 'F_RELU', 'F_VEC_A', 'F_VEC_B', 'F_VEC_C'):
        assert 'constexpr int {0} = FG_{0};'.format(name) in src, name
        assert '-DFG_{}={}'.format(name, getattr(plan, name)) in plan.COMPILE_OPTIONS


def make(shape, dtype, layout='C', offset=0, rng=None, pad=0, negative=False):
    """A FakeArray of random values with a chosen memory layout.

    layout 'C' / 'F' / 'strided' (every other element along both axes), pad adds
    unused elements at the end of each row, offset shifts the first element
    (offset 1 makes the pointer misaligned for vector loads), negative reverses
    the rows.  The storage outside the view holds NaN.
    """
    rng = rng or numpy.random.RandomState(0)
    r, c = shape
    if layout == 'C':
        st = (c + pad, 1)
    elif layout == 'F':
        st = (1, r + pad)
    elif layout == 'strided':
        st = (2 * (c + pad), 2)
    else:
        raise ValueError(layout)
    span = offset + (r - 1) * abs(st[0]) + (c - 1) * abs(st[1]) + 1 if r and c else offset + 1
    mem = Mem(span + 8, numpy.dtype(dtype))
    start = offset
    if negative:
        start = offset + (r - 1) * st[0]
        st = (-st[0], st[1])
    a = FakeArray(mem, start, shape, st)
    if r and c:
        mem.buf[a.indices()] = rng.uniform(-1, 1, shape).astype(dtype)
    return a


# -- emulated kernels -------------------------------------------------------------------

def _cdiv(a, b):
    return -(-a // b)


class _Reader(object):
    """Global loads from one pointer argument: every address must lie in the view."""

    def __init__(self, arr, what):
        self.arr, self.what = arr, what
        self.valid = set(arr.indices().ravel().tolist()) if arr.size else set()
        self.itemsize = arr.itemsize

    def read(self, rel, mask):
        """rel: element offsets relative to the pointer; masked-off lanes read nothing."""
        out = numpy.zeros(rel.shape, self.arr.dtype)
        absidx = self.arr.offset + rel[mask]
        bad = [i for i in numpy.unique(absidx).tolist() if i not in self.valid]
        assert not bad, '{}: read outside the view at {}'.format(self.what, bad[:5])
        out[mask] = self.arr.mem.buf[absidx]
        return out

    def check_aligned(self, rel_first, mask, nbytes):
        addr = self.arr.data.ptr + rel_first[mask] * self.itemsize
        assert numpy.all(addr % nbytes == 0), '{}: misaligned vector load'.format(self.what)


class _Writer(object):
    def __init__(self, arr, what):
        self.arr, self.what = arr, what

    def write(self, rel, vals, mask, vec_nbytes=None):
        """Element stores; with vec_nbytes, each masked row of rel is one vector store."""
        mask = numpy.broadcast_to(mask, rel.shape)
        if vec_nbytes is not None:
            lanes = mask.any(axis=-1)
            assert mask[lanes].all(), 'partial vector store'
            addr = self.arr.data.ptr + rel[lanes][:, 0] * self.arr.itemsize
            assert numpy.all(addr % vec_nbytes == 0), '{}: misaligned vector store'.format(
                self.what)
        rel, vals = rel[mask], vals[mask]
        absidx = self.arr.offset + rel
        assert numpy.all((absidx >= 0) & (absidx < self.arr.mem.buf.size)), self.what
        numpy.add.at(self.arr.mem.writes, absidx, 1)
        self.arr.mem.buf[absidx] = vals


class _Smem(object):
    """One __shared__ array [2][BK][LD] with NaN poison, barrier-phase hazard checks."""

    def __init__(self, BK, LD, dtype, what):
        self.a = numpy.full((2, BK, LD), numpy.nan, dtype)
        self.written = numpy.zeros((2, BK, LD), bool)
        self.what = what
        self.phase_reads, self.phase_writes = set(), set()

    def store(self, buf, k, r, vals):
        flat = (k * self.a.shape[2] + r).ravel()
        assert len(set(flat.tolist())) == flat.size, self.what + ': two threads store one cell'
        self.a[buf, k, r] = vals
        self.written[buf, k, r] = True
        self.phase_writes.add(buf)

    def load(self, buf, kk, cols):
        assert self.written[buf, kk, cols].all(), self.what + ': read of an unwritten cell'
        self.phase_reads.add(buf)
        return self.a[buf, kk, cols]

    def sync(self):
        clash = self.phase_reads & self.phase_writes
        assert not clash, '{}: buffer {} read and written between barriers'.format(
            self.what, clash)
        self.phase_reads, self.phase_writes = set(), set()


def _load_tile(rd, ROWS, BK, NT, KMAJOR, VW, s_row, s_k, row0, nrows, k0, kend, vec):
    tid = numpy.arange(NT)
    L = ROWS * BK // (NT * VW)
    reg = numpy.empty((NT, L, VW), rd.arr.dtype)
    pos = []
    j = numpy.arange(VW)
    for i in range(L):
        v = tid + i * NT
        if KMAJOR:
            r = v // (BK // VW)
            k = (v % (BK // VW)) * VW
        else:
            k = v // (ROWS // VW)
            r = (v % (ROWS // VW)) * VW
        pos.append((r, k))
        gr, gk = row0 + r, k0 + k
        if KMAJOR:
            full = vec & (gr < nrows) & (gk + VW <= kend)
            rel_vec = gr[:, None] * s_row + gk[:, None] + j
            rel_sc = gr[:, None] * s_row + (gk[:, None] + j) * s_k
            mask_sc = (gr[:, None] < nrows) & (gk[:, None] + j < kend)
        else:
            full = vec & (gk < kend) & (gr + VW <= nrows)
            rel_vec = gk[:, None] * s_k + gr[:, None] + j
            rel_sc = (gr[:, None] + j) * s_row + gk[:, None] * s_k
            mask_sc = (gr[:, None] + j < nrows) & (gk[:, None] < kend)
        rd.check_aligned(rel_vec[:, 0], full, VW * rd.itemsize)
        vals_vec = rd.read(rel_vec, numpy.broadcast_to(full[:, None], rel_vec.shape))
        vals_sc = rd.read(rel_sc, mask_sc & ~full[:, None])
        reg[:, i, :] = numpy.where(full[:, None], vals_vec, vals_sc)
    return reg, pos


def _store_tile(sm, buf, reg, pos, KMAJOR, VW):
    j = numpy.arange(VW)
    for i, (r, k) in enumerate(pos):
        if KMAJOR:
            sm.store(buf, k[:, None] + j, numpy.broadcast_to(r[:, None], (r.size, VW)),
                     reg[:, i, :])
        else:
            assert numpy.all((k * sm.a.shape[2] + r) % VW == 0), 'misaligned shared store'
            sm.store(buf, numpy.broadcast_to(k[:, None], (k.size, VW)), r[:, None] + j,
                     reg[:, i, :])


def emulate_fg_gemm(targs, grid, block, args):
    ctype, BM, BN, BK, TM, TN, MINB, AKM, BKM = targs
    (A, sam, sak, B, sbk, sbn, C, ldc, bias, sbias, M, N, K, k_chunk, group_m,
     flags) = [int(a) if not isinstance(a, FakeArray) else a for a in args]
    dtype = numpy.dtype(numpy.float32 if ctype == 'float' else numpy.float64)
    assert A.dtype == B.dtype == C.dtype == dtype, 'pointer dtypes must match T'
    VW = 16 // dtype.itemsize
    TX, TY = BN // TN, BM // TM
    NT = TX * TY
    VM, VN = min(TM, VW), min(TN, VW)
    WX = min(TX, 8)
    WY = min(TY, 32 // WX)
    # the kernel's static_asserts
    assert BM % TM == 0 and BN % TN == 0 and TM % VM == 0 and TN % VN == 0
    assert TX % WX == 0 and TY % WY == 0
    for rows in (BM, BN):
        assert rows * BK % (NT * VW) == 0 and rows * BK >= NT * VW
        assert BK % VW == 0 and rows % VW == 0
    assert tuple(block) == (NT, 1, 1), 'block {} != {} threads'.format(block, NT)
    LDA, LDB = BM + VW, BN + VW
    tid = numpy.arange(NT)
    lane = tid % (WX * WY)
    w = tid // (WX * WY)
    tx = (w % (TX // WX)) * WX + lane % WX
    ty = (w // (TX // WX)) * WY + lane // WX
    assert len(set(zip(tx.tolist(), ty.tolist()))) == NT, 'two threads share an output'
    rows = numpy.array([[i * TY * VM + ty_ * VM + v for i in range(TM // VM) for v in range(VM)]
                        for ty_ in ty])
    cols = numpy.array([[j * TX * VN + tx_ * VN + u for j in range(TN // VN) for u in range(VN)]
                        for tx_ in tx])
    rdA, rdB = _Reader(A, 'A'), _Reader(B, 'B')
    rdBias = _Reader(bias, 'bias') if flags & plan.F_BIAS else None
    wr = _Writer(C, 'C')
    tiles_m, tiles_n = _cdiv(M, BM), _cdiv(N, BN)
    for bz in range(grid[2]):
        for pid in range(grid[0]):
            per_group = group_m * tiles_n
            g = pid // per_group
            first_m = g * group_m
            gsize = min(tiles_m - first_m, group_m)
            in_g = pid - g * per_group
            m0 = (first_m + in_g % gsize) * BM
            n0 = (in_g // gsize) * BN
            assert (m0, n0) == plan.block_tile(pid, M, N, BM, BN, group_m)
            kbeg = bz * k_chunk
            kend = min(K, kbeg + k_chunk)
            ntiles = _cdiv(kend - kbeg, BK) if kend > kbeg else 0
            vec_a, vec_b = bool(flags & plan.F_VEC_A), bool(flags & plan.F_VEC_B)
            As = _Smem(BK, LDA, dtype, 'As')
            Bs = _Smem(BK, LDB, dtype, 'Bs')
            acc = numpy.zeros((NT, TM, TN), dtype)
            if ntiles > 0:
                ra, pa = _load_tile(rdA, BM, BK, NT, AKM, VW, sam, sak, m0, M, kbeg, kend, vec_a)
                rb, pb = _load_tile(rdB, BN, BK, NT, BKM, VW, sbn, sbk, n0, N, kbeg, kend, vec_b)
                _store_tile(As, 0, ra, pa, AKM, VW)
                _store_tile(Bs, 0, rb, pb, BKM, VW)
                As.sync()
                Bs.sync()
            for t in range(ntiles):
                cur = t & 1
                more = t + 1 < ntiles
                if more:
                    k0 = kbeg + (t + 1) * BK
                    ra, pa = _load_tile(rdA, BM, BK, NT, AKM, VW, sam, sak, m0, M, k0, kend,
                                        vec_a)
                    rb, pb = _load_tile(rdB, BN, BK, NT, BKM, VW, sbn, sbk, n0, N, k0, kend,
                                        vec_b)
                for kk in range(BK):
                    assert numpy.all((kk * LDA + rows[:, ::VM]) % VM == 0)
                    assert numpy.all((kk * LDB + cols[:, ::VN]) % VN == 0)
                    a = As.load(cur, kk, rows)
                    b = Bs.load(cur, kk, cols)
                    acc += a[:, :, None] * b[:, None, :]
                if more:
                    _store_tile(As, cur ^ 1, ra, pa, AKM, VW)
                    _store_tile(Bs, cur ^ 1, rb, pb, BKM, VW)
                As.sync()
                Bs.sync()
            # epilogue
            zoff = bz * M * ldc if grid[2] > 1 else 0
            relu = bool(flags & plan.F_RELU)
            vec_c = bool(flags & plan.F_VEC_C)
            c_all = n0 + cols
            if rdBias is not None:
                bv = rdBias.read(c_all * sbias, c_all < N)
            else:
                bv = numpy.zeros(c_all.shape, dtype)
            for i in range(TM // VM):
                for v in range(VM):
                    r = m0 + i * TY * VM + ty * VM + v
                    for j in range(TN // VN):
                        c = n0 + j * TX * VN + tx * VN
                        s = acc[:, i * VM + v, j * VN:(j + 1) * VN] + bv[:, j * VN:(j + 1) * VN]
                        with numpy.errstate(invalid='ignore'):
                            o = numpy.where(relu & (s < 0), dtype.type(0), s)
                        rel = zoff + r[:, None] * ldc + c[:, None] + numpy.arange(VN)
                        row_ok = (r < M)[:, None]
                        full = vec_c & (c + VN <= N)
                        wr.write(rel, o, row_ok & full[:, None], vec_nbytes=VN * dtype.itemsize)
                        wr.write(rel, o, row_ok & ~full[:, None]
                                 & (c[:, None] + numpy.arange(VN) < N))


def emulate_fg_splitk_reduce(targs, grid, block, args):
    ws, splits, C, ldc, bias, sbias, M, N, flags = [
        int(a) if not isinstance(a, FakeArray) else a for a in args]
    total = M * N
    idx = numpy.arange(total)
    assert grid[0] * block[0] >= 1
    rd = _Reader(ws, 'ws')
    s = rd.read(idx, numpy.ones(total, bool))
    for z in range(1, splits):
        s = s + rd.read(z * total + idx, numpy.ones(total, bool))
    r, c = idx // N, idx % N
    if flags & plan.F_BIAS:
        s = s + _Reader(bias, 'bias').read(c * sbias, numpy.ones(total, bool))
    if flags & plan.F_RELU:
        with numpy.errstate(invalid='ignore'):
            s = numpy.where(s < 0, s.dtype.type(0), s)
    _Writer(C, 'C').write(r * ldc + c, s.astype(C.dtype), numpy.ones(total, bool))


def emulate_fg_colsum(targs, grid, block, args):
    ctype, BX, BY = targs
    G, s0, s1, out, sout, M, N = [int(a) if not isinstance(a, FakeArray) else a for a in args]
    assert tuple(block) == (BX, BY, 1)
    assert grid[0] * BX >= N
    rd = _Reader(G, 'gy')
    for bx in range(grid[0]):
        c = bx * BX + numpy.arange(BX)
        part = numpy.zeros((BY, BX + 1))
        for ty in range(BY):
            rs = numpy.arange(ty, M, BY)
            rel = rs[:, None] * s0 + c[None, :] * s1
            mask = numpy.broadcast_to((c < N)[None, :], rel.shape)
            part[ty, :BX] = rd.read(rel, mask).astype(numpy.float64).sum(axis=0)
        h = BY // 2
        while h > 0:
            part[:h, :BX] += part[h:2 * h, :BX]
            h //= 2
        _Writer(out, 'out').write(c * sout, part[0, :BX].astype(out.dtype), c < N)


_NAME = re.compile(r'^(fg_gemm|fg_splitk_reduce|fg_colsum)<([^>]*)>$')
_EMULATORS = {'fg_gemm': emulate_fg_gemm, 'fg_splitk_reduce': emulate_fg_splitk_reduce,
              'fg_colsum': emulate_fg_colsum}


def _targs(s):
    out = []
    for t in s.split(','):
        t = t.strip()
        out.append(int(t) if t.isdigit() else {'true': True, 'false': False}.get(t, t))
    return tuple(out)


class _FakeKernel(object):
    def __init__(self, name, log):
        m = _NAME.match(name)
        assert m, 'unexpected kernel name ' + name
        self.kind, self.targs = m.group(1), _targs(m.group(2))
        self.name, self.log = name, log

    def __call__(self, grid, block, args, shared_mem=0):
        assert isinstance(grid, tuple) and isinstance(block, tuple)
        assert all(isinstance(g, int) and g >= 1 for g in grid + block), (grid, block)
        assert grid[1] <= 65535 and grid[2] <= 65535
        sig = SIGNATURES[self.kind]
        assert len(args) == len(sig), (self.name, len(args))
        for a, kind in zip(args, sig):
            if kind == 'ptr':
                assert isinstance(a, FakeArray), (self.name, type(a))
            else:  # CuPy passes Python ints as long long: the type must be exact
                assert type(a) is kind, '{}: {} passed for {}'.format(
                    self.name, type(a).__name__, kind.__name__)
        self.log.append((self.name, grid, block))
        _EMULATORS[self.kind](self.targs, grid, block, args)


class _FakeModule(object):
    def __init__(self, code, options, name_expressions, log):
        assert '-std=c++17' in options
        assert code == launch.read_source()
        self.names = tuple(name_expressions)
        self.log = log

    def get_function(self, name):
        assert name in self.names, name + ' not among the name expressions'
        return _FakeKernel(name, self.log)


def _fake_cupy(log, sm_count, cc):
    cp = types.ModuleType('cupy')
    cp.ndarray = FakeArray
    cp.empty = fake_empty
    cp.RawModule = lambda code, options, name_expressions: _FakeModule(
        code, options, name_expressions, log)

    class Device(object):
        def __init__(self, i=0):
            self.id = i
            self.compute_capability = str(cc)
    cuda = types.SimpleNamespace(
        Device=Device,
        runtime=types.SimpleNamespace(
            getDevice=lambda: 0,
            getDeviceProperties=lambda i: {'multiProcessorCount': sm_count}))
    cp.cuda = cuda
    return cp


@pytest.fixture(params=[(132, 90), (4, 80)], ids=['sm90-132', 'sm80-4'])
def emu(request, monkeypatch):
    """fastgrad_cuda.linear running on the emulated kernels."""
    log = []
    sm_count, cc = request.param
    monkeypatch.setitem(sys.modules, 'cupy', _fake_cupy(log, sm_count, cc))
    monkeypatch.setattr(launch, '_modules', {})
    monkeypatch.setattr(launch, '_functions', {})
    monkeypatch.setattr(launch, '_devices', {})
    monkeypatch.setattr(launch, '_launches', {})
    plan.plan_gemm.cache_clear()
    yield log
    plan.plan_gemm.cache_clear()


TINY = {4: plan.Tile('T', 16, 16, 4, 4, 4, 1, 1, 1.0), 8: plan.Tile('T', 16, 8, 4, 4, 2, 1, 1, 1.0)}


@pytest.fixture
def tiny_tiles(monkeypatch):
    tiles = {k: v + (TINY[k],) for k, v in plan.TILES.items()}
    monkeypatch.setattr(plan, 'TILES', tiles)
    plan.plan_gemm.cache_clear()


def _ref_forward(x, W, b=None, relu=False):
    y = x.get().astype(numpy.float64) @ W.get().astype(numpy.float64).T
    if b is not None:
        y = y + b.get()
    return numpy.maximum(y, 0) if relu else y


def _check(out, ref, dtype):
    got = out.get()
    assert not numpy.isnan(got).any(), 'unwritten output elements'
    tol = 1e-5 if dtype == numpy.float32 else 1e-12
    numpy.testing.assert_allclose(got, ref, rtol=tol, atol=tol * max(1.0, abs(ref).max()))
    assert numpy.all(out.mem.writes[out.indices()] == 1), 'an element written twice'


SHAPES = [(1, 1, 1), (1, 5, 3), (3, 1, 7), (5, 6, 1), (7, 13, 17), (33, 65, 31),
          (40, 17, 70), (130, 129, 9)]


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', SHAPES)
def test_forward_tiny_tiles(emu, tiny_tiles, dtype, shape):
    n, k, m = shape
    rng = numpy.random.RandomState(sum(shape))
    x = make((n, k), dtype, rng=rng)
    W = make((m, k), dtype, rng=rng)
    b = make((1, m), dtype, rng=rng)
    b = FakeArray(b.mem, b.offset, (m,), (b.estrides[1],))
    for splits in (1, 2, 5):
        y = fl.linear_forward(x, W, b, tile='T', splits=splits)
        _check(y, _ref_forward(x, W, b), dtype)
    y = fl.linear_forward(x, W, b, activation='relu', tile='T', splits=3)
    _check(y, _ref_forward(x, W, b, relu=True), dtype)


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', [(1, 1, 1), (7, 13, 17), (33, 65, 31), (130, 9, 70)])
def test_backward_tiny_tiles(emu, tiny_tiles, dtype, shape):
    n, k, m = shape
    rng = numpy.random.RandomState(sum(shape) + 1)
    x = make((n, k), dtype, rng=rng)
    W = make((m, k), dtype, rng=rng)
    gy = make((n, m), dtype, rng=rng)
    x64, W64, gy64 = (a.get().astype(numpy.float64) for a in (x, W, gy))
    for splits in (1, 3):
        _check(fl.linear_grad_x(gy, W, tile='T', splits=splits), gy64 @ W64, dtype)
        _check(fl.linear_grad_W(gy, x, tile='T', splits=splits), gy64.T @ x64, dtype)
    _check(fl.bias_grad(gy), gy64.sum(axis=0), dtype)


LAYOUTS = [dict(layout='C'), dict(layout='F'), dict(layout='strided'),
           dict(layout='C', offset=1), dict(layout='C', pad=3), dict(layout='F', offset=2),
           dict(layout='C', negative=True), dict(layout='C', pad=4, offset=4)]


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('lx', range(len(LAYOUTS)))
@pytest.mark.parametrize('lw', [0, 1, 3, 5, 7])
def test_layouts_tiny_tiles(emu, tiny_tiles, dtype, lx, lw):
    rng = numpy.random.RandomState(lx * 10 + lw)
    n, k, m = 19, 21, 18
    x = make((n, k), dtype, rng=rng, **LAYOUTS[lx])
    W = make((m, k), dtype, rng=rng, **LAYOUTS[lw])
    gy = make((n, m), dtype, rng=rng, **LAYOUTS[(lx + lw) % len(LAYOUTS)])
    x64, W64, gy64 = (a.get().astype(numpy.float64) for a in (x, W, gy))
    _check(fl.linear_forward(x, W, tile='T', splits=2), x64 @ W64.T, dtype)
    _check(fl.linear_grad_x(gy, W, tile='T'), gy64 @ W64, dtype)
    _check(fl.linear_grad_W(gy, x, tile='T', splits=2), gy64.T @ x64, dtype)
    _check(fl.bias_grad(gy), gy64.sum(axis=0), dtype)
    # transposed views: W^T of an (in, out) array, x^T of an (in, N) array
    xt = make((k, n), dtype, rng=rng, **LAYOUTS[lw]).T
    Wt = make((k, m), dtype, rng=rng, **LAYOUTS[lx]).T
    _check(fl.linear_forward(xt, Wt, tile='T'), xt.get() @ Wt.get().T.astype(numpy.float64),
           dtype)


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('tile', ['L', 'W', 'M', 'S'])
def test_real_tiles(emu, dtype, tile):
    """The tiles the kernels ship with, on shapes with partial edge tiles."""
    rng = numpy.random.RandomState(7)
    n, k, m = 131, 45, 70
    x = make((n, k), dtype, rng=rng)
    W = make((m, k), dtype, rng=rng, layout='C', offset=1)   # misaligned: scalar loads
    gy = make((n, m), dtype, rng=rng, layout='F')
    b = fake_empty((m,), dtype)
    b.mem.buf[:] = rng.uniform(-1, 1, m)
    x64, W64, gy64 = (a.get().astype(numpy.float64) for a in (x, W, gy))
    _check(fl.linear_forward(x, W, b, tile=tile), _ref_forward(x, W, b), dtype)
    _check(fl.linear_grad_x(gy, W, tile=tile, splits=2), gy64 @ W64, dtype)
    _check(fl.linear_grad_W(gy, x, tile=tile), gy64.T @ x64, dtype)


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_planner_choice_end_to_end(emu, dtype):
    """No overrides: whatever the planner picks (split-K included) computes the product."""
    rng = numpy.random.RandomState(3)
    for n, k, m in [(8, 600, 9), (3, 1000, 70), (1, 257, 1)]:
        x, W = make((n, k), dtype, rng=rng), make((m, k), dtype, rng=rng)
        _check(fl.linear_forward(x, W), _ref_forward(x, W), dtype)
    assert any(name.startswith('fg_splitk_reduce') for name, _, _ in emu), \
        'expected the planner to split K for a long, thin product'


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_zero_sizes(emu, dtype):
    x = make((4, 0), dtype)
    W = make((3, 0), dtype)
    b = fake_empty((3,), dtype)
    b.mem.buf[:] = [1, 2, 3]
    y = fl.linear_forward(x, W, b)          # K == 0: the epilogue writes b
    numpy.testing.assert_array_equal(y.get(), numpy.tile([1, 2, 3], (4, 1)))
    assert fl.linear_forward(make((0, 5), dtype), make((3, 5), dtype)).shape == (0, 3)
    gb = fl.bias_grad(make((0, 3), dtype))
    numpy.testing.assert_array_equal(gb.get(), numpy.zeros(3))


def test_out_argument_is_used(emu):
    x = make((5, 6), numpy.float32)
    W = make((4, 6), numpy.float32)
    out = fake_empty((5, 4), numpy.float32)
    assert fl.linear_forward(x, W, out=out) is out
    _check(out, _ref_forward(x, W), numpy.float32)
    with pytest.raises(ValueError, match='out must be'):
        fl.linear_forward(x, W, out=fake_empty((4, 5), numpy.float32))


def test_entry_point_errors(emu):
    x = make((5, 6), numpy.float32)
    with pytest.raises(TypeError, match='dtypes differ'):
        fl.linear_forward(x, make((4, 6), numpy.float64))
    with pytest.raises(ValueError, match='expected x'):
        fl.linear_forward(x, make((4, 7), numpy.float32))
    with pytest.raises(TypeError, match='cupy.ndarray'):
        fl.linear_grad_x(numpy.zeros((5, 4), numpy.float32), make((4, 6), numpy.float32))
    with pytest.raises(ValueError, match='activation'):
        fl.linear_forward(x, make((4, 6), numpy.float32), activation='tanh')


def test_module_compiled_once_per_dtype(emu):
    x32, W32 = make((5, 6), numpy.float32), make((4, 6), numpy.float32)
    x64, W64 = make((5, 6), numpy.float64), make((4, 6), numpy.float64)
    for _ in range(3):
        fl.linear_forward(x32, W32)
        fl.linear_forward(x64, W64)
    assert sorted(k[1] for k in launch._modules) == [4, 8]
