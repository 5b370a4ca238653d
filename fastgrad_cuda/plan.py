"""Launch planning for the linear layer's GPU kernels: pure functions of integers.

Everything that decides *how* a kernel is launched -- operand layout and
alignment, tile and split-K choice, grid and block, flag bits, kernel names --
lives here and needs NumPy only, so it is tested on the CPU
(tests/fastgrad_cuda/test_launch_config.py, test_tiling_reference.py).  The
flag bits are defined here once and handed to the ``.cu`` sources as
preprocessor constants (``FLAG_OPTIONS``).
"""
import collections
import functools
import os

SOURCE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'gemm.cu')
MMA_SOURCE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'gemm_mma.cu')

# flag bits of fg_gemm / fg_splitk_reduce / fg_gemm_mma: the .cu sources get them
# as -D constants (FLAG_OPTIONS), so they are defined here only
F_BIAS = 1
F_RELU = 2
F_VEC_A = 4
F_VEC_B = 8
F_VEC_C = 16
FLAG_OPTIONS = tuple('-DFG_{}={}'.format(name, value) for name, value in (
    ('F_BIAS', F_BIAS), ('F_RELU', F_RELU), ('F_VEC_A', F_VEC_A), ('F_VEC_B', F_VEC_B),
    ('F_VEC_C', F_VEC_C)))
# what cupy.RawModule compiles the kernels with (tools/compile_check.py too)
COMPILE_OPTIONS = ('-std=c++17',) + FLAG_OPTIONS

VEC_BYTES = 16          # one vector load / store
GROUP_M = 8             # tile rows per group in the block order (L2 reuse)
COLSUM_BLOCK = (32, 16)  # fg_colsum<T, 32, 16>
REDUCE_THREADS = 256

_CTYPES = {4: 'float', 8: 'double'}


class Tile(collections.namedtuple('Tile', 'name bm bn bk tm tn minb_sm90 minb rate')):
    """One block-tile configuration of fg_gemm.

    bm x bn outputs per block, bk-deep K steps, tm x tn outputs per thread.
    ``minb_sm90`` / ``minb`` are the __launch_bounds__ minimum blocks per SM
    on sm_90+ / older GPUs (chosen from the ptxas table so that nothing
    spills: tools/compile_check.py enforces it).  ``rate`` is the planner's
    prior for the multiply-adds per ns one SM reaches with this tile -- rough
    figures from the H200 notes, to be replaced by bench/gpu_linear.py's sweep.
    """

    @property
    def threads(self):
        return (self.bm // self.tm) * (self.bn // self.tn)

    def blocks_per_sm(self, cc):
        return self.minb_sm90 if cc >= 90 else self.minb


# by itemsize; largest tile first.  On sm_90 the float 'L' and double 'W' tiles
# use minb 1: with 2, CuPy 14.2's NVRTC (CUDA 13) spilled 8-48 bytes per thread,
# and 1 timed the same on an H100 (bench/results/gpu_minb_h100.json).
TILES = {
    4: (Tile('L', 128, 128, 8, 8, 8, 1, 1, 95.0),
        Tile('W', 128, 64, 16, 8, 4, 2, 2, 80.0),
        Tile('M', 64, 64, 16, 4, 4, 3, 3, 60.0),
        Tile('S', 32, 32, 32, 2, 2, 4, 4, 40.0)),
    8: (Tile('L', 128, 128, 8, 8, 8, 1, 1, 30.0),
        Tile('W', 128, 64, 8, 8, 4, 1, 2, 28.0),
        Tile('M', 64, 64, 16, 4, 4, 2, 2, 22.0),
        Tile('S', 32, 32, 32, 2, 2, 4, 4, 10.0)),
}



class MmaTile(collections.namedtuple('MmaTile', 'name bm bn bk wm wn stages minb rate')):
    """One block-tile configuration of fg_gemm_mma (gemm_mma.cu).

    bm x bn outputs per block, bk-deep K steps, split among (bm/wm) x (bn/wn)
    warps of wm x wn outputs each; ``stages`` shared-memory buffers in the
    cp.async ring; ``minb`` is the __launch_bounds__ minimum of resident blocks
    per SM (a register cap; compile_check enforces no spills); ``rate`` the cost
    model's prior for multiply-adds per ns per SM (a guess until
    bench/gpu_linear.py has timed it on a device).
    """

    @property
    def threads(self):
        return 32 * (self.bm // self.wm) * (self.bn // self.wn)

    def blocks_per_sm(self, cc):
        return self.minb


MMA_MIN_CC = 80            # mma.sync with .tf32 / .f64 operands needs sm_80+
MMA_F64_M16N8K8_CC = 90    # mma.sync.m16n8k8 with .f64 operands needs sm_90+


def mma_atom(itemsize, cc):
    """The mma shape (M, N, K) fg_gemm_mma uses on a cc-x.y GPU: m16n8k8 (TF32) for
    float32; for float64 m16n8k8 on sm_90+, m8n8k4 on sm_80-89."""
    if itemsize == 4 or cc >= MMA_F64_M16N8K8_CC:
        return (16, 8, 8)
    return (8, 8, 4)
# by itemsize, in the planner's order of preference (a later tile must be predicted
# faster by more than _MARGIN to be chosen).  Shared memory per block (stages x both
# operand tiles, mma_smem_bytes) stays under 99 KB, the opt-in limit of sm_86 / sm_89.
# ``rate``: measured on an H100 SXM (sm_90) by tools/mma_tune.py, forward product at
# 8192^3, TF/s / 2 / 132 SMs -- TF32: L 117, W 97, M 75 TF/s; FP64 (m16n8k8): W 41,
# M 39, L 37 TF/s.  Candidates with 256 x 128 or 128 x 256 blocks, or BK = 32, were
# within 3-6% of L for TF32 and are not included; sm_80 (FP64 through m8n8k4) is
# not measured.
MMA_TILES = {
    4: (MmaTile('L', 128, 128, 16, 64, 64, 4, 2, 445.0),
        MmaTile('W', 128, 64, 16, 64, 32, 4, 3, 366.0),
        MmaTile('M', 64, 64, 16, 32, 32, 4, 4, 285.0)),
    8: (MmaTile('W', 128, 64, 8, 64, 32, 4, 2, 157.0),
        MmaTile('L', 128, 128, 8, 64, 32, 4, 1, 142.0),
        MmaTile('M', 64, 64, 8, 32, 32, 4, 3, 147.0)),
}
STATIC_SMEM_LIMIT = 48 * 1024   # dynamic shared memory beyond this needs the opt-in

# cost-model constants (ns, bytes per ns): a block's fixed latency (first loads,
# epilogue), one extra kernel launch, device memory bandwidth for split-K traffic
_BLOCK_FIXED_NS = 2000.0
_LAUNCH_NS = 4000.0
_BANDWIDTH = 3000.0
_SPLITS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32)
# a smaller tile or more K slices must be predicted this much faster to be
# chosen: the model is rough, and the larger tile / fewer launches is the safer bet
_MARGIN = 0.9

Plan = collections.namedtuple('Plan', 'tile splits k_chunk grid block group_m')


def cdiv(a, b):
    return -(-a // b)


def vec_width(itemsize):
    return VEC_BYTES // itemsize


def tile_by_name(itemsize, name, mma=False):
    table = (MMA_TILES if mma else TILES)[itemsize]
    for t in table:
        if t.name == name:
            return t
    raise ValueError('no {}tile {!r} for itemsize {}; have {}'.format(
        'tensor-core ' if mma else '', name, itemsize, [t.name for t in table]))


def gemm_kernel_name(itemsize, tile, cc, a_kmajor, b_kmajor):
    """The C++ name of one fg_gemm instance (a RawModule name expression)."""
    return 'fg_gemm<{},{},{},{},{},{},{},{},{}>'.format(
        _CTYPES[itemsize], tile.bm, tile.bn, tile.bk, tile.tm, tile.tn,
        tile.blocks_per_sm(cc), 'true' if a_kmajor else 'false',
        'true' if b_kmajor else 'false')


def mma_kernel_name(itemsize, tile, a_kmajor, b_kmajor):
    """The C++ name of one fg_gemm_mma instance (gemm_mma.cu)."""
    return 'fg_gemm_mma<{},{},{},{},{},{},{},{},{},{}>'.format(
        _CTYPES[itemsize], tile.bm, tile.bn, tile.bk, tile.wm, tile.wn, tile.stages,
        tile.minb, 'true' if a_kmajor else 'false', 'true' if b_kmajor else 'false')


def mma_kernel_names(itemsize):
    """Every instance the tensor-core module for one dtype holds."""
    return [mma_kernel_name(itemsize, t, a, b)
            for t in MMA_TILES[itemsize] for a in (True, False) for b in (True, False)]


def mma_stage_elems(rows, bk, kmajor, itemsize):
    """Elements of one shared stage of one operand (gemm_mma.cu: fgm::SmemTile::SIZE).

    K-major operands are stored [rows][bk + 4], the others [bk][rows + pad] with
    pad 8 (float) / 4 (double): the row lengths that make the fragment loads
    bank-conflict free."""
    if kmajor:
        return rows * (bk + 4)
    return bk * (rows + (8 if itemsize == 4 else 4))


def mma_smem_bytes(tile, itemsize, a_kmajor, b_kmajor):
    """Dynamic shared memory of one fg_gemm_mma block."""
    return tile.stages * itemsize * (mma_stage_elems(tile.bm, tile.bk, a_kmajor, itemsize)
                                     + mma_stage_elems(tile.bn, tile.bk, b_kmajor, itemsize))


def mma_smem_max(tile, itemsize):
    """The most shared memory any operand layout of ``tile`` needs."""
    return max(mma_smem_bytes(tile, itemsize, a, b) for a in (True, False) for b in (True, False))


def use_mma(mma, cc):
    """Whether a request for the tensor-core kernel can be honoured on a cc-x.y GPU."""
    return bool(mma) and cc >= MMA_MIN_CC


def reduce_kernel_name(itemsize):
    return 'fg_splitk_reduce<{}>'.format(_CTYPES[itemsize])


def colsum_kernel_name(itemsize):
    return 'fg_colsum<{},{},{}>'.format(_CTYPES[itemsize], *COLSUM_BLOCK)


def kernel_names(itemsize, cc):
    """Every instance the module for one dtype on a cc-x.y GPU holds."""
    names = [gemm_kernel_name(itemsize, t, cc, a, b)
             for t in TILES[itemsize] for a in (True, False) for b in (True, False)]
    return names + [reduce_kernel_name(itemsize), colsum_kernel_name(itemsize)]


def operand_layout(s_rows, s_k, n_rows, n_k, ptr, itemsize):
    """How fg_gemm reads one operand P(row, k) = P[row * s_rows + k * s_k].

    Returns ``(kmajor, vec, s_rows, s_k)``: the loader variant (True: vectors
    run along k), whether 16-byte vector loads are safe, and the strides to
    pass (a length-1 dimension's stride never matters; it is set to 0 so that
    it neither blocks nor fakes vectorization).  Strides are in elements.
    """
    vw = vec_width(itemsize)
    if n_k <= 1:
        s_k = 0
    if n_rows <= 1:
        s_rows = 0
    aligned = ptr % VEC_BYTES == 0
    if s_k == 1:
        return True, aligned and s_rows % vw == 0, s_rows, s_k
    if s_rows == 1:
        return False, aligned and s_k % vw == 0, s_rows, s_k
    if n_k > 1 and n_rows <= 1:
        # a single row: contiguous-enough along k whatever its stride is
        return True, False, s_rows, s_k
    # general strides: element loads; coalesce along the smaller stride
    return abs(s_k) <= abs(s_rows), False, s_rows, s_k


def output_vec_ok(ptr, ld, itemsize):
    """Vector stores into a row-major output with leading dimension ld."""
    return ptr % VEC_BYTES == 0 and ld % vec_width(itemsize) == 0


def gemm_flags(bias, relu, vec_a, vec_b, vec_c):
    return ((F_BIAS if bias else 0) | (F_RELU if relu else 0) | (F_VEC_A if vec_a else 0)
            | (F_VEC_B if vec_b else 0) | (F_VEC_C if vec_c else 0))


def split_k(K, bk, splits):
    """(k_chunk, splits): K cut into slices of k_chunk (a multiple of bk), none empty."""
    if K <= 0:
        return bk, 1
    k_chunk = cdiv(cdiv(K, splits), bk) * bk
    return k_chunk, cdiv(K, k_chunk)


def estimate_ns(M, N, K, itemsize, tile, splits, sm_count, cc=90):
    """The planner's time model for one GEMM (ns); only its ordering matters."""
    k_chunk, splits = split_k(K, tile.bk, splits)
    tiles = cdiv(M, tile.bm) * cdiv(N, tile.bn)
    blocks = tiles * splits
    bps = tile.blocks_per_sm(cc)
    waves = cdiv(blocks, sm_count * bps)
    resident = min(bps, cdiv(blocks, sm_count))
    block_macs = tile.bm * tile.bn * max(k_chunk if splits > 1 else K, 1)
    t = waves * (_BLOCK_FIXED_NS + resident * block_macs / tile.rate)
    if splits > 1:
        t += _LAUNCH_NS + (splits + 1) * M * N * itemsize / _BANDWIDTH
    return t


@functools.lru_cache(maxsize=4096)
def plan_gemm(M, N, K, itemsize, sm_count, cc=90, tile=None, splits=None, mma=False,
              smem_limit=None):
    """Tile, split-K, grid and block for C[M, N] = A'[M, K] . B'[K, N].

    ``tile`` (a name) and ``splits`` override the model (tuning, tests).
    Candidates are tried from the largest tile and fewest slices on; a later
    one wins only when the model predicts it faster by more than _MARGIN.
    ``mma``: plan for fg_gemm_mma (MMA_TILES) instead of fg_gemm; with
    ``smem_limit`` (the device's shared memory per block, bytes) only tiles
    whose every layout fits are candidates.
    """
    if itemsize not in TILES:
        raise ValueError('plan_gemm: itemsize must be 4 or 8, got {}'.format(itemsize))
    if min(M, N, K) < 0:
        raise ValueError('plan_gemm: negative size ({}, {}, {})'.format(M, N, K))
    tiles = ((MMA_TILES if mma else TILES)[itemsize] if tile is None
             else (tile_by_name(itemsize, tile, mma),))
    if mma and smem_limit is not None:
        tiles = [t for t in tiles if mma_smem_max(t, itemsize) <= smem_limit]
        if not tiles:
            raise ValueError('plan_gemm: no tensor-core tile{} fits in {} bytes of shared '
                             'memory'.format('' if tile is None else ' ' + repr(tile),
                                             smem_limit))
    best = None
    for t in tiles:
        if splits is not None:
            cands = (splits,)
        else:
            max_splits = max(1, K // (4 * t.bk))
            cands = [s for s in _SPLITS if s <= max_splits]
        for s in cands:
            k_chunk, s_eff = split_k(K, t.bk, s)
            cost = estimate_ns(M, N, K, itemsize, t, s_eff, sm_count, cc)
            if best is None or cost < _MARGIN * best[0]:
                best = (cost, t, s_eff, k_chunk)
    _, t, s, k_chunk = best
    tiles_mn = cdiv(M, t.bm) * cdiv(N, t.bn)
    if s > 65535:
        raise ValueError('plan_gemm: {} K splits exceed the grid limit'.format(s))
    if tiles_mn > 2 ** 31 - 1:
        raise ValueError('plan_gemm: output ({}, {}) too large for one launch'.format(M, N))
    return Plan(t, s, k_chunk, (tiles_mn, 1, s), (t.threads, 1, 1), GROUP_M)


def block_tile(pid, M, N, bm, bn, group_m):
    """(m0, n0) of block pid: fg_gemm's grouped block order (for the tests)."""
    tiles_m, tiles_n = cdiv(M, bm), cdiv(N, bn)
    per_group = group_m * tiles_n
    g = pid // per_group
    first_m = g * group_m
    gsize = min(tiles_m - first_m, group_m)
    in_g = pid - g * per_group
    return (first_m + in_g % gsize) * bm, (in_g // gsize) * bn


def reduce_launch(M, N, sm_count):
    total = M * N
    return (max(1, min(cdiv(total, REDUCE_THREADS), sm_count * 8)), 1, 1), (REDUCE_THREADS, 1, 1)


def colsum_launch(N):
    bx, by = COLSUM_BLOCK
    return (max(1, cdiv(N, bx)), 1, 1), (bx, by, 1)


def element_strides(a):
    """Strides of an array in elements (CuPy and NumPy report bytes)."""
    it = a.itemsize
    return tuple(s // it for s in a.strides)
