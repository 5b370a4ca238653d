"""NumPy emulation of gemm_mma.cu's tensor-core kernel, driven by the real host code.

Nothing here runs on a GPU and nothing here is a GPU result.  Two independent
pieces meet in these tests:

* the **PTX ISA fragment layouts** of ``mma.m16n8k8`` (.tf32 A/B, .f32 C/D; and
  .f64, used on sm_90+) and ``mma.m8n8k4`` (.f64, sm_80-89), written down below
  exactly as the ISA states them ("Matrix Fragments for mma.m16n8k8", 9.7.14.5.7
  in PTX ISA 8.x/9.0, figures 72/75/77 and 73/76/78; "Matrix Fragments for
  mma.m8n8k4 with .f64 floating point type", 9.7.14.5.2, figures 53-55).  ``MmaIsa`` executes one warp-wide ``mma.sync``
  from per-lane registers through these tables (and TF32 inputs through their
  top 19 bits only, as the hardware reads them);
* a line-for-line transliteration of ``fg_gemm_mma`` -- block -> tile order,
  warp -> warp tile, lane -> (groupID, threadID_in_group), the cp.async loader
  (vector / element copies, src-size zero fill), the shared-memory layouts,
  the STAGES-deep commit/wait/barrier schedule, the fragment index math of
  ``MmaAtom::load_a/load_b`` with ``cvt.rna.tf32.f32`` rounding, and the
  epilogue from the accumulator fragments.

A minimal stand-in ``cupy`` whose RawModule returns these emulators lets
fastgrad_cuda.linear's entry points (``mma=True``) run unchanged.  What is
checked: the result against a float64 matmul of the TF32-rounded (float32) or
exact (float64) inputs on odd shapes, strided / transposed / misaligned /
reversed operands, every tile and forced split-K; every global read inside the
operand view, every 16-byte copy and 8/16-byte store aligned, every output
element written exactly once, no shared-memory cell read before its copy
completed and a barrier passed, none overwritten while another warp may still
read it, fragment loads free of bank conflicts, and the host's dynamic
shared-memory size equal to the kernel's layout.  The real kernels' numerics
are the ``gpu`` tests' job (test_linear_mma_gpu.py).
"""
import re
import sys
import types

import numpy
import pytest
from fake_device import FakeArray, Mem, fake_empty, kernel_params  # tests/fastgrad_cuda/conftest.py

from fastgrad_cuda import launch, plan
from fastgrad_cuda import linear as fl

# -- the PTX ISA's fragment layouts, as documented ----------------------------------------

def _gt(lane):
    return lane >> 2, lane % 4          # groupID, threadID_in_group


def ptx_m16n8k8_tf32_a(lane, i):
    """(row, col) of a_i: row = groupID for a0 and a2, groupID + 8 for a1 and a3;
    col = threadID_in_group for a0 and a1, threadID_in_group + 4 for a2 and a3."""
    g, t = _gt(lane)
    row = g if i in (0, 2) else g + 8
    col = t if i in (0, 1) else t + 4
    return row, col


def ptx_m16n8k8_tf32_b(lane, i):
    """(row, col) of b_i: row = threadID_in_group for b0, threadID_in_group + 4 for b1;
    col = groupID."""
    g, t = _gt(lane)
    return (t if i == 0 else t + 4), g


def ptx_m16n8k8_f32_c(lane, i):
    """(row, col) of c_i: row = groupID for c0 and c1, groupID + 8 for c2 and c3;
    col = threadID_in_group * 2 + (i & 0x1)."""
    g, t = _gt(lane)
    return (g if i in (0, 1) else g + 8), t * 2 + (i & 1)


def ptx_m8n8k4_f64_a(lane, i):
    """row = %laneid >> 2, col = %laneid % 4."""
    assert i == 0
    return lane >> 2, lane % 4


def ptx_m8n8k4_f64_b(lane, i):
    """row = %laneid % 4, col = %laneid >> 2."""
    assert i == 0
    return lane % 4, lane >> 2


def ptx_m8n8k4_f64_c(lane, i):
    """row = groupID, col = threadID_in_group * 2 + (i & 0x1)."""
    g, t = _gt(lane)
    return g, t * 2 + (i & 1)


def ptx_m16n8k8_f64_a(lane, i):
    """(row, col) of a_i (.f64, figure 73): row = groupID for a0 and a2, groupID + 8
    for a1 and a3; col = threadID_in_group for a0 and a1, threadID_in_group + 4 for
    a2 and a3."""
    g, t = _gt(lane)
    return (g if i in (0, 2) else g + 8), (t if i in (0, 1) else t + 4)


def ptx_m16n8k8_f64_b(lane, i):
    """(row, col) of b_i (.f64, figure 76): row = threadID_in_group for b0,
    threadID_in_group + 4 for b1; col = groupID."""
    g, t = _gt(lane)
    return (t if i == 0 else t + 4), g


def ptx_m16n8k8_f64_c(lane, i):
    """(row, col) of c_i (.f64, figure 78): row = groupID for c0 and c1, groupID + 8
    for c2 and c3; col = threadID_in_group * 2 + (i & 0x1)."""
    g, t = _gt(lane)
    return (g if i in (0, 1) else g + 8), t * 2 + (i & 1)


# shape (M, N, K), (A table, regs), (B table, regs), (C table, regs), by (itemsize, atom)
PTX = {
    (4, 'm16n8k8'): ((16, 8, 8), (ptx_m16n8k8_tf32_a, 4), (ptx_m16n8k8_tf32_b, 2),
                     (ptx_m16n8k8_f32_c, 4)),
    (8, 'm8n8k4'): ((8, 8, 4), (ptx_m8n8k4_f64_a, 1), (ptx_m8n8k4_f64_b, 1),
                    (ptx_m8n8k4_f64_c, 2)),
    (8, 'm16n8k8'): ((16, 8, 8), (ptx_m16n8k8_f64_a, 4), (ptx_m16n8k8_f64_b, 2),
                     (ptx_m16n8k8_f64_c, 4)),
}


def atom_for(itemsize, cc):
    """The instruction gemm_mma.cu compiles to for a cc-x.y GPU (FGM_FP64_M16N8K8)."""
    return 'm8n8k4' if itemsize == 8 and cc < 90 else 'm16n8k8'


def cvt_rna_tf32(x):
    """cvt.rna.tf32.f32: float32 -> TF32 bit pattern (uint32), round to nearest with
    ties away from zero to 10 explicit mantissa bits (the low 13 bits become 0)."""
    u = numpy.ascontiguousarray(x, numpy.float32).view(numpy.uint32)
    finite = (u & 0x7F800000) != 0x7F800000
    # sign-magnitude: adding half an ulp to the magnitude and truncating rounds
    # half away from zero; a carry into the exponent is the correct rounding
    r = (u + numpy.uint32(0x1000)) & numpy.uint32(0xFFFFE000)
    return numpy.where(finite, r, u).astype(numpy.uint32)


def tf32_value(x):
    """The float32 value of x rounded to TF32."""
    return cvt_rna_tf32(x).view(numpy.float32)


class MmaIsa(object):
    """One warp-wide mma.sync from per-lane registers, through the PTX tables."""

    def __init__(self, itemsize, atom):
        (self.M, self.N, self.K), (fa, na), (fb, nb), (fc, nc) = PTX[(itemsize, atom)]
        self.itemsize = itemsize
        self.regs = (na, nb, nc)
        self.a_rc = numpy.array([[fa(l, i) for i in range(na)] for l in range(32)])
        self.b_rc = numpy.array([[fb(l, i) for i in range(nb)] for l in range(32)])
        self.c_rc = numpy.array([[fc(l, i) for i in range(nc)] for l in range(32)])
        # each table distributes its whole matrix over the warp, every element once
        for rc, shape in ((self.a_rc, (self.M, self.K)), (self.b_rc, (self.K, self.N)),
                          (self.c_rc, (self.M, self.N))):
            seen = numpy.zeros(shape, int)
            numpy.add.at(seen, (rc[..., 0], rc[..., 1]), 1)
            assert (seen == 1).all(), 'fragment table is not a bijection'

    def _gather(self, regs, rc, shape, dtype):
        m = numpy.zeros(regs.shape[:-2] + shape, dtype)
        m[..., rc[..., 0], rc[..., 1]] = regs
        return m

    def __call__(self, a, b, c):
        """a [..., 32, A_REGS], b [..., 32, B_REGS], c [..., 32, C_REGS] -> d like c.

        float32: a and b hold TF32 bit patterns (uint32); the tensor core reads the
        top 19 bits (sign, exponent, 10 mantissa bits) of each; accumulation is
        emulated in float64 and rounded to float32 once per instruction."""
        if self.itemsize == 4:
            assert a.dtype == numpy.uint32 and b.dtype == numpy.uint32
            a = (a & numpy.uint32(0xFFFFE000)).view(numpy.float32)
            b = (b & numpy.uint32(0xFFFFE000)).view(numpy.float32)
        A = self._gather(a, self.a_rc, (self.M, self.K), numpy.float64)
        B = self._gather(b, self.b_rc, (self.K, self.N), numpy.float64)
        C = self._gather(c, self.c_rc, (self.M, self.N), numpy.float64)
        D = (A @ B + C).astype(c.dtype)
        return D[..., self.c_rc[:, :, 0], self.c_rc[:, :, 1]]


# -- tests of the ISA model itself --------------------------------------------------------

def test_ptx_tables_spot_checks():
    # lane 0 and lane 31 (groupID 7, threadID_in_group 3), read off the ISA's formulas
    assert [ptx_m16n8k8_tf32_a(0, i) for i in range(4)] == [(0, 0), (8, 0), (0, 4), (8, 4)]
    assert [ptx_m16n8k8_tf32_a(31, i) for i in range(4)] == [(7, 3), (15, 3), (7, 7), (15, 7)]
    assert [ptx_m16n8k8_tf32_b(31, i) for i in range(2)] == [(3, 7), (7, 7)]
    assert [ptx_m16n8k8_f32_c(31, i) for i in range(4)] == [(7, 6), (7, 7), (15, 6), (15, 7)]
    assert [ptx_m16n8k8_f32_c(5, i) for i in range(4)] == [(1, 2), (1, 3), (9, 2), (9, 3)]
    assert ptx_m8n8k4_f64_a(13, 0) == (3, 1) and ptx_m8n8k4_f64_b(13, 0) == (1, 3)
    assert [ptx_m8n8k4_f64_c(13, i) for i in range(2)] == [(3, 2), (3, 3)]
    assert [ptx_m16n8k8_f64_a(31, i) for i in range(4)] == [(7, 3), (15, 3), (7, 7), (15, 7)]
    assert [ptx_m16n8k8_f64_b(0, i) for i in range(2)] == [(0, 0), (4, 0)]
    assert [ptx_m16n8k8_f64_c(31, i) for i in range(4)] == [(7, 6), (7, 7), (15, 6), (15, 7)]
    for key in PTX:
        MmaIsa(*key)        # asserts every table is a bijection onto its matrix


def test_cvt_rna_tf32():
    one = numpy.float32(1.0)
    ulp = 2.0 ** -10                            # TF32 ulp at 1.0
    cases = [(1.0, 1.0), (1 + 2 ** -12, 1.0),   # below half an ulp: down
             (1 + 2 ** -11, 1 + ulp),           # a tie: away from zero
             (-(1 + 2 ** -11), -(1 + ulp)),
             (1 + 3 * 2 ** -11, 1 + 2 * ulp),   # a tie between 1+ulp and 1+2ulp: away
             (1 + ulp + 2 ** -12, 1 + ulp),
             (2 - 2 ** -23, 2.0),               # carries into the exponent
             (0.0, 0.0), (-0.0, -0.0), (3.0, 3.0)]
    x = numpy.array([c[0] for c in cases], numpy.float32)
    want = numpy.array([c[1] for c in cases], numpy.float32)
    got = tf32_value(x)
    assert numpy.array_equal(got.view(numpy.uint32), want.view(numpy.uint32)), (got, want)
    assert (cvt_rna_tf32(x) & 0x1FFF == 0).all()
    r = numpy.random.RandomState(0).uniform(-4, 4, 10000).astype(numpy.float32)
    err = numpy.abs(tf32_value(r).astype(numpy.float64) - r) / numpy.abs(r)
    assert err.max() <= 2.0 ** -11 + 1e-12 and err.max() > 2.0 ** -12
    assert one == tf32_value(one)


@pytest.mark.parametrize('itemsize,atom', sorted(PTX))
def test_mma_isa_model(itemsize, atom):
    """Fragments built with the ISA tables from known matrices give D = A.B + C."""
    isa = MmaIsa(itemsize, atom)
    rng = numpy.random.RandomState(itemsize)
    dt = numpy.float32 if itemsize == 4 else numpy.float64
    A = rng.uniform(-1, 1, (3, isa.M, isa.K)).astype(dt)
    B = rng.uniform(-1, 1, (3, isa.K, isa.N)).astype(dt)
    C = rng.uniform(-1, 1, (3, isa.M, isa.N)).astype(dt)
    a = A[:, isa.a_rc[..., 0], isa.a_rc[..., 1]]
    b = B[:, isa.b_rc[..., 0], isa.b_rc[..., 1]]
    c = C[:, isa.c_rc[..., 0], isa.c_rc[..., 1]]
    if itemsize == 4:
        a, b = cvt_rna_tf32(a), cvt_rna_tf32(b)
        A, B = tf32_value(A), tf32_value(B)
    d = isa(a, b, c)
    D = numpy.zeros_like(C)
    D[:, isa.c_rc[..., 0], isa.c_rc[..., 1]] = d
    ref = A.astype(numpy.float64) @ B + C
    numpy.testing.assert_allclose(D, ref, rtol=1e-6 if itemsize == 4 else 1e-14, atol=1e-6)


# -- the kernel's signature and constants ------------------------------------------------

SIG_MMA = kernel_params(launch.read_mma_source(), 'fg_gemm_mma')
SIG_REDUCE = kernel_params(launch.read_source(), 'fg_splitk_reduce')


def test_same_parameter_list_as_fg_gemm():
    def names(src, kern):
        m = re.search(r'\b' + kern + r'\(([^)]*)\)\s*\{', src)
        return [' '.join(p.split()) for p in m.group(1).split(',')]
    assert names(launch.read_mma_source(), 'fg_gemm_mma') == names(launch.read_source(), 'fg_gemm')
    assert len(SIG_MMA) == 16


def test_flag_constants_match_source():
    # defined once in plan.py; the source takes them as -D constants
    src = launch.read_mma_source()
    for name in ('F_BIAS', 'F_RELU', 'F_VEC_A', 'F_VEC_B', 'F_VEC_C'):
        assert 'constexpr int {0} = FG_{0};'.format(name) in src, name
        assert '-DFG_{}={}'.format(name, getattr(plan, name)) in plan.COMPILE_OPTIONS


def test_smem_padding_constants_match_source():
    """linear.mma_stage_elems mirrors fgm::SmemTile (row lengths BK + 4 and ROWS + 8/4)."""
    src = launch.read_mma_source()
    assert 'LD = KMAJOR ? BK + 4 : ROWS + (sizeof(T) == 4 ? 8 : 4);' in src
    assert 'SIZE = (KMAJOR ? ROWS : BK) * LD;' in src
    assert 'constexpr int STAGE = TileA::SIZE + TileB::SIZE;' in src


def make(shape, dtype, layout='C', offset=0, seed=0, negative=False):
    """Random values in a chosen layout: 'C', 'F', 'strided' (every other element
    of a wider buffer, both axes); offset 1 misaligns the base pointer; negative
    reverses the rows.  Storage outside the view holds NaN."""
    rng = numpy.random.RandomState(seed)
    r, c = shape
    st = {'C': (c, 1), 'F': (1, r), 'strided': (2 * c + 2, 2)}[layout]
    span = offset + (r - 1) * st[0] + (c - 1) * st[1] + 1 if r and c else offset + 1
    mem = Mem(span + 8, numpy.dtype(dtype))
    start = offset
    if negative:
        start, st = offset + (r - 1) * st[0], (-st[0], st[1])
    a = FakeArray(mem, start, shape, st)
    if r and c:
        mem.buf[a.indices()] = rng.uniform(-1, 1, shape).astype(dtype)
    return a


def vector(n, dtype, stride=1, seed=0):
    mem = Mem(n * stride + 1, numpy.dtype(dtype))
    v = FakeArray(mem, 0, (n,), (stride,))
    mem.buf[v.indices()] = numpy.random.RandomState(seed).uniform(-1, 1, n).astype(dtype)
    return v


# -- emulated global and shared memory ----------------------------------------------------

class _Reader(object):
    """Global loads through one pointer argument: every address read lies in the view."""

    def __init__(self, arr, what):
        self.arr, self.what = arr, what
        self.valid = numpy.unique(arr.indices()) if arr.size else numpy.zeros(0, numpy.int64)

    def read(self, rel, mask):
        """rel: element offsets from the pointer; lanes with mask False read nothing (0)."""
        mask = numpy.broadcast_to(mask, rel.shape)
        out = numpy.zeros(rel.shape, self.arr.dtype)
        absidx = self.arr.offset + rel[mask]
        pos = numpy.searchsorted(self.valid, absidx)
        ok = (pos < self.valid.size) & (self.valid[numpy.minimum(pos, self.valid.size - 1)]
                                        == absidx)
        assert ok.all(), '{}: read outside the view at {}'.format(self.what, absidx[~ok][:5])
        out[mask] = self.arr.mem.buf[absidx]
        return out

    def check_aligned(self, rel, nbytes):
        addr = self.arr.data.ptr + rel * self.arr.itemsize
        assert numpy.all(addr % nbytes == 0), '{}: misaligned {}-byte copy'.format(
            self.what, nbytes)


class _Writer(object):
    def __init__(self, arr, what):
        self.arr, self.what = arr, what

    def write(self, rel, vals, mask, vec_nbytes=None):
        """Element stores; with vec_nbytes each row of rel is one vector store."""
        mask = numpy.broadcast_to(mask, rel.shape)
        if vec_nbytes is not None:
            lanes = mask.any(axis=-1)
            assert mask[lanes].all(), 'partial vector store'
            addr = self.arr.data.ptr + rel[lanes][:, 0] * self.arr.itemsize
            assert numpy.all(addr % vec_nbytes == 0), '{}: misaligned vector store'.format(
                self.what)
        absidx = self.arr.offset + rel[mask]
        assert numpy.all((absidx >= 0) & (absidx < self.arr.mem.buf.size)), self.what
        numpy.add.at(self.arr.mem.writes, absidx, 1)
        self.arr.mem.buf[absidx] = numpy.broadcast_to(vals, rel.shape)[mask]


class _AsyncSmem(object):
    """Dynamic shared memory written by cp.async, with the ordering rules checked.

    A copy belongs to the open commit group; ``wait(n)`` completes every group
    but the newest n (cp.async.wait_group); ``sync`` is a __syncthreads.  A cell
    may be read only after its copy completed *and* a barrier followed (other
    threads' copies become visible at the barrier), never while a copy into it
    is outstanding; a copy may not target a cell read since the last barrier
    (another warp may still be reading it) or one with an outstanding copy.
    All threads of the block execute the same schedule, so it is modelled once
    per block."""

    def __init__(self, n, dtype):
        self.data = numpy.full(n, numpy.nan, dtype)
        self.pend_data = numpy.full(n, numpy.nan, dtype)
        self.pending = numpy.full(n, -1, numpy.int64)     # commit group of an outstanding copy
        self.done_phase = numpy.full(n, -1, numpy.int64)  # barrier phase it completed in
        self.read_phase = numpy.full(n, -1, numpy.int64)
        self.phase = 0
        self.groups = 0                                   # committed groups

    def copy(self, cells, values):
        cells = numpy.asarray(cells).ravel()
        values = numpy.asarray(values).ravel()
        assert cells.min() >= 0 and cells.max() < self.data.size, 'shared memory overrun'
        assert numpy.unique(cells).size == cells.size, 'two copies into one cell'
        assert not (self.read_phase[cells] == self.phase).any(), \
            'cp.async into a cell read since the last barrier'
        assert (self.pending[cells] == -1).all(), 'cp.async into a cell with a copy in flight'
        self.pending[cells] = self.groups
        self.pend_data[cells] = values

    def commit(self):
        self.groups += 1

    def wait(self, n):
        done = (self.pending >= 0) & (self.pending < self.groups - n)
        self.data[done] = self.pend_data[done]
        self.done_phase[done] = self.phase
        self.pending[done] = -1

    def sync(self):
        self.phase += 1

    def read(self, cells):
        assert cells.min() >= 0 and cells.max() < self.data.size, 'shared memory overrun'
        assert (self.pending[cells] == -1).all(), 'read of a cell with a copy in flight'
        dp = self.done_phase[cells]
        assert (dp >= 0).all(), 'read of a cell never written'
        assert (dp < self.phase).all(), 'read of a copy without a barrier after its wait'
        self.read_phase[cells] = self.phase
        return self.data[cells]


def check_banks(cells, itemsize, what):
    """cells [warps, 32]: one shared load instruction per warp.  4-byte loads: the
    distinct addresses of a warp fall in distinct banks; 8-byte loads: within each
    half-warp, distinct addresses fall in distinct 8-byte bank pairs."""
    for w in cells:
        groups = [w] if itemsize == 4 else [w[:16], w[16:]]
        for grp in groups:
            addrs = numpy.unique(grp)
            slots = addrs % (32 if itemsize == 4 else 16)
            assert numpy.unique(slots).size == addrs.size, '{}: bank conflict {}'.format(
                what, grp.tolist())


# -- the kernel, transliterated ---------------------------------------------------------------

class SmemTile(object):
    """fgm::SmemTile<T, ROWS, BK, KMAJOR>."""

    def __init__(self, itemsize, rows, bk, kmajor):
        self.vw = 16 // itemsize
        self.rows, self.bk, self.kmajor = rows, bk, kmajor
        self.ld = bk + 4 if kmajor else rows + (8 if itemsize == 4 else 4)
        self.size = (rows if kmajor else bk) * self.ld
        assert (self.ld * itemsize) % 16 == 0

    def offset(self, row, k):
        return row * self.ld + k if self.kmajor else k * self.ld + row


def issue_tile(sm, rd, base, tile, NT, itemsize, s_row, s_k, row0, nrows, k0, kend, vec):
    """fgm::AsyncLoader::load: the cp.async copies of one operand tile into one stage."""
    VW, ROWS, BK, KMAJOR = tile.vw, tile.rows, tile.bk, tile.kmajor
    chunks = ROWS * BK // VW
    L = chunks // NT
    assert L >= 1 and L * NT == chunks, 'tile not divisible among threads'
    assert BK % VW == 0 and ROWS % VW == 0
    tid = numpy.arange(NT)
    j = numpy.arange(VW)
    for i in range(L):
        c = tid + i * NT
        if KMAJOR:
            r, k = c // (BK // VW), (c % (BK // VW)) * VW
        else:
            k, r = c // (ROWS // VW), (c % (ROWS // VW)) * VW
        gr, gk = row0 + r, k0 + k
        d = base + tile.offset(r, k)
        if vec:
            if KMAJOR:
                n = numpy.where(gr < nrows, numpy.minimum(VW, kend - gk), 0)
                off = gr * s_row + gk
            else:
                n = numpy.where(gk < kend, numpy.minimum(VW, nrows - gr), 0)
                off = gk * s_k + gr
            n = numpy.maximum(n, 0)
            src = numpy.where(n > 0, off, 0)                   # n == 0: P itself
            rd.check_aligned(src, 16)
            assert numpy.all(d * itemsize % 16 == 0), 'misaligned shared destination'
            vals = rd.read(src[:, None] + j, j < n[:, None])   # the rest zero-filled
            sm.copy(d[:, None] + j, vals)
        else:
            for jj in range(VW):
                if KMAJOR:
                    ok = (gr < nrows) & (gk + jj < kend)
                    off = gr * s_row + (gk + jj) * s_k
                else:
                    ok = (gr + jj < nrows) & (gk < kend)
                    off = (gr + jj) * s_row + gk * s_k
                src = numpy.where(ok, off, 0)
                sm.copy(d + jj, rd.read(src, ok))


def emulate_fg_gemm_mma(targs, grid, block, args, shared_mem, smem_cap, cc):
    ctype, BM, BN, BK, WM, WN, STAGES, MINB, AKM, BKM = targs
    (A, sam, sak, B, sbk, sbn, C, ldc, bias, sbias, M, N, K, k_chunk, group_m,
     flags) = [int(a) if not isinstance(a, FakeArray) else a for a in args]
    dtype = numpy.dtype(numpy.float32 if ctype == 'float' else numpy.float64)
    it = dtype.itemsize
    assert A.dtype == B.dtype == C.dtype == dtype, 'pointer dtypes must match T'
    atom = atom_for(it, cc)
    isa = MmaIsa(it, atom)
    AM, AN, AK = isa.M, isa.N, isa.K
    A_REGS, B_REGS, C_REGS = isa.regs
    assert (AM, AN, AK) == plan.mma_atom(it, cc)
    WARPS_N = BN // WN
    NT = 32 * (BM // WM) * WARPS_N
    MI, NI, KS = WM // AM, WN // AN, BK // AK
    # the kernel's static_asserts and launch contract
    assert BM % WM == 0 and BN % WN == 0 and WM % AM == 0 and WN % AN == 0 and BK % AK == 0
    assert STAGES >= 2
    assert tuple(block) == (NT, 1, 1), 'block {} != {} threads'.format(block, NT)
    TA, TB = SmemTile(it, BM, BK, AKM), SmemTile(it, BN, BK, BKM)
    STAGE = TA.size + TB.size
    assert shared_mem == STAGES * STAGE * it, 'host shared-memory size != kernel layout'
    assert shared_mem <= smem_cap, 'dynamic shared memory above the kernel limit'

    tid = numpy.arange(NT)
    warp, lane = tid >> 5, tid & 31
    wm0 = (warp // WARPS_N) * WM
    wn0 = (warp % WARPS_N) * WN
    g, t = lane >> 2, lane & 3
    rdA, rdB = _Reader(A, 'A'), _Reader(B, 'B')
    rdBias = _Reader(bias, 'bias') if flags & plan.F_BIAS else None
    wr = _Writer(C, 'C')
    vec_a, vec_b = bool(flags & plan.F_VEC_A), bool(flags & plan.F_VEC_B)
    tiles_m, tiles_n = -(-M // BM), -(-N // BN)
    banks_checked = False
    for bz in range(grid[2]):
        for pid in range(grid[0]):
            per_group = group_m * tiles_n
            grp = pid // per_group
            first_m = grp * group_m
            gsize = min(tiles_m - first_m, group_m)
            in_g = pid - grp * per_group
            m0 = (first_m + in_g % gsize) * BM
            n0 = (in_g // gsize) * BN
            assert (m0, n0) == plan.block_tile(pid, M, N, BM, BN, group_m)
            kbeg = bz * k_chunk
            kend = min(K, kbeg + k_chunk)
            ntiles = -(-(kend - kbeg) // BK) if kend > kbeg else 0
            sm = _AsyncSmem(shared_mem // it, dtype)
            acc = numpy.zeros((NT, MI, NI, C_REGS), dtype)

            def issue(stage, tile_index):
                base = stage * STAGE
                k0 = kbeg + tile_index * BK
                issue_tile(sm, rdA, base, TA, NT, it, sam, sak, m0, M, k0, kend, vec_a)
                issue_tile(sm, rdB, base + TA.size, TB, NT, it, sbn, sbk, n0, N, k0, kend,
                           vec_b)

            for s in range(STAGES - 1):
                if s < ntiles:
                    issue(s, s)
                sm.commit()
            for kt in range(ntiles):
                sm.wait(STAGES - 2)
                sm.sync()
                nt = kt + STAGES - 1
                if nt < ntiles:
                    issue(nt % STAGES, nt)
                sm.commit()
                sa = (kt % STAGES) * STAGE
                sb = sa + TA.size
                for ks in range(KS):
                    k0 = ks * AK
                    mi = numpy.arange(MI)[None, :]
                    ni = numpy.arange(NI)[None, :]
                    r0 = (wm0[:, None] + mi * AM)           # [NT, MI]
                    c0 = (wn0[:, None] + ni * AN)           # [NT, NI]
                    gg, tt = g[:, None], t[:, None]
                    if atom == 'm16n8k8':   # MmaAtom<float>, MmaAtom<double> on sm_90+
                        a_cells = numpy.stack([
                            sa + TA.offset(r0 + gg, k0 + tt),
                            sa + TA.offset(r0 + gg + 8, k0 + tt),
                            sa + TA.offset(r0 + gg, k0 + tt + 4),
                            sa + TA.offset(r0 + gg + 8, k0 + tt + 4)], -1)
                        b_cells = numpy.stack([
                            sb + TB.offset(c0 + gg, k0 + tt),
                            sb + TB.offset(c0 + gg, k0 + tt + 4)], -1)
                    else:                   # MmaAtom<double>, m8n8k4
                        a_cells = (sa + TA.offset(r0 + gg, k0 + tt))[..., None]
                        b_cells = (sb + TB.offset(c0 + gg, k0 + tt))[..., None]
                    if not banks_checked:
                        for cells, what in ((a_cells, 'A'), (b_cells, 'B')):
                            for x in range(cells.shape[1]):
                                for rg in range(cells.shape[2]):
                                    check_banks(cells[:, x, rg].reshape(-1, 32), it,
                                                what + ' fragment')
                        banks_checked = True
                    a = sm.read(a_cells)
                    b = sm.read(b_cells)
                    if it == 4:
                        a, b = cvt_rna_tf32(a), cvt_rna_tf32(b)
                    W = NT // 32
                    aw = a.reshape(W, 32, MI, A_REGS).transpose(0, 2, 1, 3)
                    bw = b.reshape(W, 32, NI, B_REGS).transpose(0, 2, 1, 3)
                    cw = acc.reshape(W, 32, MI, NI, C_REGS).transpose(0, 2, 3, 1, 4)
                    d = isa(aw[:, :, None], bw[:, None, :], cw)        # [W, MI, NI, 32, C]
                    acc = d.transpose(0, 3, 1, 2, 4).reshape(NT, MI, NI, C_REGS)
            sm.wait(0)
            assert (sm.pending == -1).all(), 'a copy left in flight at exit'
            # epilogue
            zoff = bz * M * ldc if grid[2] > 1 else 0
            relu = bool(flags & plan.F_RELU)
            vec_c = bool(flags & plan.F_VEC_C)
            pair = numpy.arange(2)
            for j in range(NI):
                c = n0 + wn0 + j * AN + 2 * t
                if rdBias is not None:
                    b0 = rdBias.read(c * sbias, c < N)
                    b1 = rdBias.read((c + 1) * sbias, c + 1 < N)
                else:
                    b0 = b1 = numpy.zeros(NT, dtype)
                for i in range(MI):
                    for h in range(C_REGS // 2):
                        crow = g + 8 * h if atom == 'm16n8k8' else g   # c_row(2h, g)
                        r = m0 + wm0 + i * AM + crow
                        v = numpy.stack([acc[:, i, j, 2 * h] + b0,
                                         acc[:, i, j, 2 * h + 1] + b1], -1)
                        if relu:
                            with numpy.errstate(invalid='ignore'):
                                v = numpy.where(v < 0, dtype.type(0), v)
                        rel = zoff + r[:, None] * ldc + c[:, None] + pair
                        row_ok = (r < M)[:, None]
                        full = (vec_c & (c + 2 <= N))[:, None]
                        wr.write(rel, v, row_ok & full, vec_nbytes=2 * it)
                        wr.write(rel, v, row_ok & ~full & (c[:, None] + pair < N))


def emulate_fg_splitk_reduce(targs, grid, block, args, shared_mem, smem_cap, cc):
    ws, splits, C, ldc, bias, sbias, M, N, flags = [
        int(a) if not isinstance(a, FakeArray) else a for a in args]
    assert shared_mem == 0
    total = M * N
    idx = numpy.arange(total)
    rd = _Reader(ws, 'ws')
    s = rd.read(idx, True)
    for z in range(1, splits):
        s = s + rd.read(z * total + idx, True)
    r, c = idx // N, idx % N
    if flags & plan.F_BIAS:
        s = s + _Reader(bias, 'bias').read(c * sbias, True)
    if flags & plan.F_RELU:
        with numpy.errstate(invalid='ignore'):
            s = numpy.where(s < 0, s.dtype.type(0), s)
    _Writer(C, 'C').write(r * ldc + c, s.astype(C.dtype), True)


_NAME = re.compile(r'^(fg_gemm_mma|fg_gemm|fg_splitk_reduce|fg_colsum)<([^>]*)>$')


def _targs(s):
    out = []
    for x in s.split(','):
        x = x.strip()
        out.append(int(x) if x.isdigit() else {'true': True, 'false': False}.get(x, x))
    return tuple(out)


class _FakeKernel(object):
    def __init__(self, name, log, cc):
        m = _NAME.match(name)
        assert m, 'unexpected kernel name ' + name
        self.kind, self.targs = m.group(1), _targs(m.group(2))
        self.name, self.log, self.cc = name, log, cc
        self.max_dynamic_shared_size_bytes = plan.STATIC_SMEM_LIMIT

    def __call__(self, grid, block, args, shared_mem=0):
        assert isinstance(grid, tuple) and isinstance(block, tuple)
        assert all(isinstance(v, int) and v >= 1 for v in grid + block), (grid, block)
        assert grid[1] <= 65535 and grid[2] <= 65535
        self.log.append((self.name, grid, block, shared_mem))
        if self.kind == 'fg_gemm':
            return          # the CUDA-core kernel is test_tiling_reference.py's subject
        sig = SIG_MMA if self.kind == 'fg_gemm_mma' else SIG_REDUCE
        assert len(args) == len(sig), (self.name, len(args))
        for a, kind in zip(args, sig):
            if kind == 'ptr':
                assert isinstance(a, FakeArray), (self.name, type(a))
            else:   # CuPy passes Python ints as long long: the type must be exact
                assert type(a) is kind, '{}: {} for {}'.format(self.name, type(a), kind)
        emu = emulate_fg_gemm_mma if self.kind == 'fg_gemm_mma' else emulate_fg_splitk_reduce
        emu(self.targs, grid, block, args, shared_mem, self.max_dynamic_shared_size_bytes,
            self.cc)


class _FakeModule(object):
    def __init__(self, code, options, name_expressions, log, cc):
        self.cc = cc
        assert '-std=c++17' in options
        assert code in (launch.read_source(), launch.read_mma_source())
        self.mma = code == launch.read_mma_source()
        self.names = tuple(name_expressions)
        for n in self.names:
            assert n.startswith('fg_gemm_mma<') == self.mma, n
        self.log = log
        log.append(('module', 'gemm_mma.cu' if self.mma else 'gemm.cu'))

    def get_function(self, name):
        assert name in self.names, name + ' not among the name expressions'
        return _FakeKernel(name, self.log, self.cc)


def fake_cupy(log, sm_count=132, cc=90, smem_optin=227 * 1024):
    cp = types.ModuleType('cupy')
    cp.ndarray = FakeArray
    cp.empty = fake_empty
    cp.RawModule = lambda code, options, name_expressions: _FakeModule(
        code, options, name_expressions, log, cc)

    class Device(object):
        def __init__(self, i=0):
            self.id = i
            self.compute_capability = str(cc)
    cp.cuda = types.SimpleNamespace(
        Device=Device,
        runtime=types.SimpleNamespace(
            getDevice=lambda: 0,
            getDeviceProperties=lambda i: {'multiProcessorCount': sm_count,
                                           'sharedMemPerBlockOptin': smem_optin}))
    return cp


def _install(monkeypatch, **kw):
    log = []
    monkeypatch.setitem(sys.modules, 'cupy', fake_cupy(log, **kw))
    for name in ('_modules', '_functions', '_devices', '_launches', '_smem_limits'):
        monkeypatch.setattr(launch, name, {})
    monkeypatch.setattr(launch, '_smem_raised', set())
    plan.plan_gemm.cache_clear()
    return log


@pytest.fixture(params=[(132, 90), (4, 80)], ids=['sm90-132', 'sm80-4'])
def emu(request, monkeypatch):
    """fastgrad_cuda.linear on the emulated kernels: an H100-like GPU (FP64 through
    m16n8k8) and a tiny sm_80 one (FP64 through m8n8k4)."""
    sm_count, cc = request.param
    log = _install(monkeypatch, sm_count=sm_count, cc=cc)
    yield log
    plan.plan_gemm.cache_clear()


# -- checks --------------------------------------------------------------------------------

def _ref(a, b, dtype):
    """float64 product of the operands as the tensor cores see them."""
    a, b = a.astype(numpy.float64), b.astype(numpy.float64)
    if dtype == numpy.float32:
        a = tf32_value(a.astype(numpy.float32)).astype(numpy.float64)
        b = tf32_value(b.astype(numpy.float32)).astype(numpy.float64)
    return a @ b, numpy.abs(a) @ numpy.abs(b)


def _check(out, ref, scale, dtype, bias=None, relu=False, what=''):
    got = out.get()
    assert not numpy.isnan(got).any(), what + ': unwritten output elements'
    assert numpy.all(out.mem.writes[out.indices()] == 1), what + ': an element written twice'
    if bias is not None:
        ref = ref + bias
        scale = scale + numpy.abs(bias)
    if relu:
        ref = numpy.maximum(ref, 0)
    tol = 1e-6 if dtype == numpy.float32 else 1e-13
    err = numpy.abs(got - ref) / numpy.maximum(scale, 1e-30)
    assert err.max() < tol, '{}: error {:.3g} (scaled by sum |a||b|)'.format(what, err.max())


def _kernels(log):
    return [e[0] for e in log if e[0] != 'module']


def run_products(n, k, m, dtype, seed=0, tile=None, splits=None, layouts=('C', 'C', 'C'),
                 offsets=(0, 0, 0), negative=(False, False, False)):
    """forward (+bias, relu), grad_x and grad_W through the entry points with mma=True."""
    x = make((n, k), dtype, layouts[0], offsets[0], seed, negative[0])
    W = make((m, k), dtype, layouts[1], offsets[1], seed + 1, negative[1])
    gy = make((n, m), dtype, layouts[2], offsets[2], seed + 2, negative[2])
    b = vector(m, dtype, stride=2, seed=seed + 3)
    xv, Wv, gv, bv = x.get(), W.get(), gy.get(), b.get().astype(numpy.float64)
    kw = dict(tile=tile, splits=splits, mma=True)
    ref, scale = _ref(xv, Wv.T, dtype)
    _check(fl.linear_forward(x, W, **kw), ref, scale, dtype, what='forward')
    _check(fl.linear_forward(x, W, b, 'relu', **kw), ref, scale, dtype, bv, True,
           'forward+bias+relu')
    ref, scale = _ref(gv, Wv, dtype)
    _check(fl.linear_grad_x(gy, W, **kw), ref, scale, dtype, what='grad_x')
    ref, scale = _ref(gv.T, xv, dtype)
    _check(fl.linear_grad_W(gy, x, **kw), ref, scale, dtype, what='grad_W')


# -- the emulated kernel through the host code ------------------------------------------------

ODD = [(1, 7, 33), (7, 257, 1), (33, 1, 129), (129, 33, 7), (257, 129, 33), (1, 1, 1),
       (7, 33, 257)]


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', ODD, ids=lambda s: 'x'.join(map(str, s)))
def test_products_odd_shapes(emu, dtype, shape):
    run_products(*shape, dtype, seed=sum(shape))
    names = _kernels(emu)
    assert names and all(n.startswith(('fg_gemm_mma<', 'fg_splitk_reduce<')) for n in names)
    # forward reads x and W K-major; grad_x has a row-major B; grad_W both row-major
    gemms = [n for n in names if n.startswith('fg_gemm_mma<')]
    layouts = {tuple(n[:-1].split(',')[-2:]) for n in gemms}
    if min(shape) > 1:
        assert {('true', 'true'), ('true', 'false'), ('false', 'false')} <= layouts


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_large_tile_full_blocks_and_edges(emu, dtype):
    """257 = 2 * 128 + 1 in every dimension: full L tiles, a one-row/-column edge tile,
    and a 1-deep last K step."""
    run_products(257, 257, 257, dtype, seed=3, tile='L', splits=1)
    assert all(',128,128,' in n for n in _kernels(emu) if n.startswith('fg_gemm_mma<'))


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('tile', ['L', 'W', 'M'])
@pytest.mark.parametrize('splits', [1, 3])
def test_every_tile_and_split(emu, dtype, tile, splits):
    run_products(129, 100, 33, dtype, seed=5, tile=tile, splits=splits)
    t = plan.tile_by_name(numpy.dtype(dtype).itemsize, tile, mma=True)
    gemms = [e for e in emu if e[0].startswith('fg_gemm_mma<')]
    assert gemms and all(e[2] == (t.threads, 1, 1) for e in gemms)
    if splits > 1:
        assert any(e[0].startswith('fg_splitk_reduce<') for e in emu)
        assert any(e[1][2] == splits for e in gemms)


LAYOUTS = [('F', 'C', 'C', 0, 0, 0, False), ('strided', 'strided', 'F', 0, 0, 0, False),
           ('C', 'C', 'C', 1, 1, 1, False), ('C', 'F', 'strided', 0, 1, 0, True),
           ('F', 'F', 'F', 1, 0, 1, False)]


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('case', LAYOUTS, ids=lambda c: '-'.join(map(str, c)))
def test_strided_transposed_misaligned(emu, dtype, case):
    lx, lw, lg, ox, ow, og, neg = case
    run_products(33, 36, 40, dtype, seed=7, layouts=(lx, lw, lg), offsets=(ox, ow, og),
                 negative=(neg, False, neg))
    gemms = [n for n in _kernels(emu) if n.startswith('fg_gemm_mma<')]
    assert len(gemms) == 4


def test_transposed_views_of_contiguous_arrays(emu):
    """x given as the .T view of a (k, n) C array: read in place (not K-major)."""
    dtype = numpy.float32
    xt = make((36, 33), dtype, 'C', 0, 11)
    W = make((40, 36), dtype, 'C', 0, 12)
    ref, scale = _ref(xt.get().T, W.get().T, dtype)
    _check(fl.linear_forward(xt.T, W, mma=True), ref, scale, dtype, what='x.T')
    name = [n for n in _kernels(emu) if n.startswith('fg_gemm_mma<')][-1]
    assert name.endswith(',false,true>')


def test_output_with_unaligned_rows_uses_element_stores(emu):
    """N odd: F_VEC_C off for the float pairs; the element path writes every column."""
    run_products(9, 16, 13, numpy.float32, seed=13)
    run_products(9, 16, 13, numpy.float64, seed=14)


# -- routing, shared memory and fallbacks ------------------------------------------------------

def test_dynamic_shared_memory_above_48k_is_raised(monkeypatch):
    log = _install(monkeypatch)
    x = make((130, 64), numpy.float32, seed=1)
    W = make((140, 64), numpy.float32, seed=2)
    y = fl.linear_forward(x, W, tile='L', splits=1, mma=True)
    ref, scale = _ref(x.get(), W.get().T, numpy.float32)
    _check(y, ref, scale, numpy.float32)
    name, grid, block, smem = [e for e in log if e[0] != 'module'][-1]
    assert smem == plan.mma_smem_bytes(plan.tile_by_name(4, 'L', True), 4, True, True) > 48 * 1024
    kern = launch._functions[(0, name)]
    assert kern.max_dynamic_shared_size_bytes == smem


def test_below_sm80_falls_back_to_fg_gemm(monkeypatch):
    log = _install(monkeypatch, cc=75)
    x = make((33, 20), numpy.float32, seed=1)
    W = make((7, 20), numpy.float32, seed=2)
    fl.linear_forward(x, W, mma=True)
    fl.linear_grad_x(make((33, 7), numpy.float32), W, mma=True)
    assert ('module', 'gemm_mma.cu') not in log
    assert all(n.startswith('fg_gemm<') for n in _kernels(log))
    assert all(e[3] == 0 for e in log if e[0] != 'module')


def test_small_shared_memory_picks_fitting_tiles_or_falls_back(monkeypatch):
    # 48 KB per block: only the M tiles fit (40 KB float, 48 KB double)
    log = _install(monkeypatch, smem_optin=48 * 1024)
    for dtype, it in ((numpy.float32, 4), (numpy.float64, 8)):
        x = make((300, 64), dtype, seed=1)
        W = make((300, 64), dtype, seed=2)
        ref, scale = _ref(x.get(), W.get().T, dtype)
        _check(fl.linear_forward(x, W, mma=True), ref, scale, dtype)
        name = [n for n in _kernels(log) if n.startswith('fg_gemm_mma<')][-1]
        t = plan.tile_by_name(it, 'M', True)
        assert name == plan.mma_kernel_name(it, t, True, True)
    # 32 KB: no tensor-core tile fits; the CUDA-core kernel runs
    log = _install(monkeypatch, smem_optin=32 * 1024)
    fl.linear_forward(make((30, 8), numpy.float32), make((5, 8), numpy.float32), mma=True)
    assert all(n.startswith('fg_gemm<') for n in _kernels(log))


def test_mma_false_keeps_the_cuda_core_kernel(monkeypatch):
    log = _install(monkeypatch)
    fl.linear_forward(make((30, 8), numpy.float32), make((5, 8), numpy.float32))
    assert ('module', 'gemm_mma.cu') not in log
    assert all(n.startswith('fg_gemm<') for n in _kernels(log))


def test_bank_check_detects_conflicts():
    """The padding matters: without it the fragment loads of a K-major tile conflict."""
    lane = numpy.arange(32)
    g, t = lane >> 2, lane & 3
    for it, bk in ((4, 16), (8, 8)):
        padded = SmemTile(it, 128, bk, True)
        check_banks(padded.offset(g, t)[None, :], it, 'padded')
        unpadded = padded.offset(g, t) - g * 4          # row length bk: no pad
        with pytest.raises(AssertionError, match='bank conflict'):
            check_banks(unpadded[None, :], it, 'unpadded')
