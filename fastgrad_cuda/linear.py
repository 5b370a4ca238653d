"""The linear layer's GPU kernels: launch planning (pure Python) and entry points.

The kernels live in ``gemm.cu`` (package data).  They are compiled with
``cupy.RawModule`` the first time a dtype is used on a device, once per
(device, dtype), and the module is kept for the life of the process (CuPy
also caches the cubin on disk).  CuPy is imported inside functions only:
importing this module needs NumPy and nothing else.

Entry points, for CuPy arrays of one dtype (float32 or float64)::

    linear_forward(x, W, b=None)   y  = x . W^T (+ b)     x (N, in), W (out, in)
    linear_grad_x(gy, W)           gx = gy . W            gy (N, out)
    linear_grad_W(gy, x)           gW = gy^T . x
    bias_grad(gy)                  gb = gy.sum(axis=0)

Strided and transposed views are read in place (their strides go to the
kernel).  ``cublas_*`` are the same products through ``cupy.matmul``;
``select`` picks one of the sets for ``LinearFunction``.

Tensor-core kernels (``gemm_mma.cu``, sm_80+): ``mma=True`` on the three
GEMM entry points runs ``fg_gemm_mma`` -- TF32 ``mma.sync.m16n8k8`` for float32
(operands rounded to TF32, fp32 accumulation: about 1e-3 relative error, like
cuBLAS's TF32 mode) and FP64 ``mma.sync`` for float64 (full precision;
``m16n8k8`` on sm_90+, ``m8n8k4`` on sm_80-89).
``LinearFunction`` gets them through ``select`` when
``fastgrad.config.linear_allow_tf32`` (float32) or
``fastgrad.config.linear_fp64_mma`` (float64) is on.  TF32 defaults to off; the
FP64 flag defaults to None: on for sm_90+ (validated on an H100) for products of
at least FP64_MMA_AUTO_MIN_MACS multiply-adds, off below.
Validated on one H100 (sm_90: TF32 m16n8k8, FP64 m16n8k8) by
tests/fastgrad_cuda/test_linear_mma_gpu.py and bench/gpu_linear.py; the sm_80-89
FP64 path (m8n8k4) has run on hardware only as a forced variant on that H100
(tools/mma_tune.py --fp64-m8n8k4), never on an sm_80 part.  On a GPU below sm_80, or
one whose shared memory cannot hold any tensor-core tile, ``mma=True`` runs the
CUDA-core kernel instead.

Everything that decides *how* a kernel is launched -- operand layout and
alignment, tile and split-K choice, grid and block, flags, kernel names -- is
a pure function of integers, tested on the CPU
(tests/fastgrad_cuda/test_launch_config.py, test_tiling_reference.py).
"""
import collections
import functools
import os
import sys

import numpy

# --------------------------------------------------------------------------------------
# Pure launch planning
# --------------------------------------------------------------------------------------

SOURCE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'gemm.cu')
MMA_SOURCE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'gemm_mma.cu')

# flag bits of fg_gemm / fg_splitk_reduce (gemm.cu: fg::F_*)
F_BIAS = 1
F_RELU = 2
F_VEC_A = 4
F_VEC_B = 8
F_VEC_C = 16

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


# --------------------------------------------------------------------------------------
# Modules and launches (CuPy from here on)
# --------------------------------------------------------------------------------------

_modules = {}       # (device id, itemsize, family) -> cupy.RawModule
_functions = {}     # (device id, name) -> kernel
_devices = {}       # device id -> (cc, sm_count)
_smem_limits = {}   # device id -> shared memory per block with the opt-in (bytes)
_smem_raised = set()   # (device id, name) whose dynamic shared-memory limit was raised
_source = None
_mma_source = None


def _cupy():
    import cupy
    return cupy


def read_source():
    global _source
    if _source is None:
        with open(SOURCE_PATH) as f:
            _source = f.read()
    return _source


def read_mma_source():
    global _mma_source
    if _mma_source is None:
        with open(MMA_SOURCE_PATH) as f:
            _mma_source = f.read()
    return _mma_source


def _device(cp, dev_id):
    info = _devices.get(dev_id)
    if info is None:
        dev = cp.cuda.Device(dev_id)
        cc = int(dev.compute_capability)
        sms = cp.cuda.runtime.getDeviceProperties(dev_id)['multiProcessorCount']
        info = _devices[dev_id] = (cc, sms)
    return info


def _smem_limit(cp, dev_id):
    """Shared memory one block may use on the device, with the opt-in (bytes)."""
    lim = _smem_limits.get(dev_id)
    if lim is None:
        lim = cp.cuda.runtime.getDeviceProperties(dev_id).get('sharedMemPerBlockOptin')
        if not lim:
            try:   # cudaDevAttrMaxSharedMemoryPerBlockOptin
                lim = cp.cuda.runtime.deviceGetAttribute(97, dev_id)
            except Exception:  # noqa: BLE001 -- an old CuPy: stay inside the portable limit
                lim = STATIC_SMEM_LIMIT
        lim = _smem_limits[dev_id] = int(lim)
    return lim


def _function(cp, dev_id, itemsize, name, family='simt'):
    """The kernel ``name`` from the device's module for (itemsize, family):
    'simt' = gemm.cu (fg_gemm, fg_splitk_reduce, fg_colsum), 'mma' = gemm_mma.cu."""
    f = _functions.get((dev_id, name))
    if f is None:
        mod = _modules.get((dev_id, itemsize, family))
        if mod is None:
            if family == 'mma':
                code, names = read_mma_source(), mma_kernel_names(itemsize)
            else:
                cc, _ = _device(cp, dev_id)
                code, names = read_source(), kernel_names(itemsize, cc)
            mod = cp.RawModule(code=code, options=('-std=c++17',), name_expressions=names)
            _modules[(dev_id, itemsize, family)] = mod
        f = _functions[(dev_id, name)] = mod.get_function(name)
    return f


def _allow_smem(kern, dev_id, name, nbytes):
    """Raise the kernel's dynamic shared-memory limit to nbytes (once)."""
    if nbytes > STATIC_SMEM_LIMIT and (dev_id, name) not in _smem_raised:
        kern.max_dynamic_shared_size_bytes = nbytes
        _smem_raised.add((dev_id, name))


def compile_all(dtypes=(numpy.float32, numpy.float64), mma=False):
    """Compile (or load from CuPy's cache) every kernel on the current device:
    gemm.cu's, or with ``mma=True`` gemm_mma.cu's (needs sm_80+)."""
    cp = _cupy()
    dev_id = cp.cuda.runtime.getDevice()
    cc, _ = _device(cp, dev_id)
    if mma and cc < MMA_MIN_CC:
        raise ValueError('compile_all: tensor-core kernels need sm_{}+, this GPU is sm_{}'
                         .format(MMA_MIN_CC, cc))
    out = {}
    for dt in dtypes:
        it = numpy.dtype(dt).itemsize
        if mma:
            for name in mma_kernel_names(it):
                out[name] = _function(cp, dev_id, it, name, 'mma')
        else:
            for name in kernel_names(it, cc):
                out[name] = _function(cp, dev_id, it, name)
    return out


def _check(fname, cp, arrays, names):
    """Same-device CuPy float32/float64 arrays of one dtype; returns the device id."""
    dtype = arrays[0].dtype
    for a, n in zip(arrays, names):
        if not isinstance(a, cp.ndarray):
            raise TypeError('{}: {} must be a cupy.ndarray, got {}'.format(
                fname, n, type(a).__name__))
        if a.dtype != dtype:
            raise TypeError('{}: dtypes differ ({} is {}, {} is {})'.format(
                fname, names[0], dtype, n, a.dtype))
    if dtype not in (numpy.float32, numpy.float64):
        raise TypeError('{}: dtype must be float32 or float64, got {}'.format(fname, dtype))
    dev_id = arrays[0].data.device_id
    for a, n in zip(arrays, names):
        if a.data.device_id != dev_id:
            raise ValueError('{}: {} is on GPU {} but {} on GPU {}'.format(
                fname, n, a.data.device_id, names[0], dev_id))
    cur = cp.cuda.runtime.getDevice()
    if dev_id != cur:
        raise ValueError('{}: the arrays are on GPU {} but the current device is GPU {} '
                         '(use `with cupy.cuda.Device({})`)'.format(fname, dev_id, cur, dev_id))
    return dev_id


def _check_out(fname, out, shape, dtype):
    if (out.shape != shape or out.dtype != dtype or not out.flags.c_contiguous):
        raise ValueError('{}: out must be a C-contiguous {} array of shape {}, got {} {}{}'
                         .format(fname, dtype, shape, out.dtype, out.shape,
                                 '' if out.flags.c_contiguous else ' (not C-contiguous)'))


class _Launch(object):
    """Everything about one GEMM call but the array pointers (cached per call signature:
    planning and building the scalar arguments cost more than the launch itself)."""
    __slots__ = ('kern', 'grid', 'block', 'smem', 'a_s', 'b_s', 'c_s', 'tail', 'tail_no_vec_c',
                 'splits', 'red', 'red_grid', 'red_block', 'red_tail')


_launches = {}


def _make_launch(cp, dev_id, it, M, N, K, sam, sak, sbk, sbn, a_mod, b_mod, out_mod,
                 sbias, has_bias, relu, tile, splits, mma):
    i32, i64 = numpy.int32, numpy.int64
    cc, sms = _device(cp, dev_id)
    a_km, vec_a, sam, sak = operand_layout(sam, sak, M, K, a_mod, it)
    b_km, vec_b, sbn, sbk = operand_layout(sbn, sbk, N, K, b_mod, it)
    L = _Launch()
    smem_limit = _smem_limit(cp, dev_id) if use_mma(mma, cc) else 0
    if use_mma(mma, cc) and any(mma_smem_max(t, it) <= smem_limit for t in MMA_TILES[it]):
        # the tensor-core kernel: same arguments, grid and split-K scheme as fg_gemm
        plan = plan_gemm(M, N, K, it, sms, cc, tile, splits, True, smem_limit)
        name = mma_kernel_name(it, plan.tile, a_km, b_km)
        L.kern = _function(cp, dev_id, it, name, 'mma')
        L.smem = mma_smem_bytes(plan.tile, it, a_km, b_km)
        _allow_smem(L.kern, dev_id, name, L.smem)
    else:
        plan = plan_gemm(M, N, K, it, sms, cc, tile, splits)
        L.kern = _function(cp, dev_id, it, gemm_kernel_name(it, plan.tile, cc, a_km, b_km))
        L.smem = 0
    L.grid, L.block, L.splits = plan.grid, plan.block, plan.splits
    L.a_s = (i64(sam), i64(sak))
    L.b_s = (i64(sbk), i64(sbn))
    head = (i32(M), i32(N), i32(K), i32(plan.k_chunk), i32(plan.group_m))
    if plan.splits == 1:
        L.c_s = (i64(N), i64(sbias))
        L.tail = head + (i32(gemm_flags(has_bias, relu, vec_a, vec_b,
                                        output_vec_ok(out_mod, N, it))),)
        return L
    # split-K: raw partials into a fresh workspace (CuPy's pool: aligned; checked per call)
    L.c_s = (i64(N), i64(0))
    L.tail = head + (i32(gemm_flags(False, False, vec_a, vec_b, output_vec_ok(0, N, it))),)
    L.tail_no_vec_c = head + (i32(gemm_flags(False, False, vec_a, vec_b, False)),)
    L.red = _function(cp, dev_id, it, reduce_kernel_name(it))
    L.red_grid, L.red_block = reduce_launch(M, N, sms)
    L.red_tail = (i64(sbias), i32(M), i32(N), i32(gemm_flags(has_bias, relu, False, False, False)))
    return L


def gemm(A, sam, sak, B, sbk, sbn, M, N, K, bias=None, relu=False, out=None,
         tile=None, splits=None, fname='gemm', mma=False):
    """out[M, N] = A'.B' (+ bias) (relu) with A'(m,k) = A[m*sam + k*sak] and
    B'(k,n) = B[k*sbk + n*sbn] (element strides from the arrays' first element).
    ``mma``: on the tensor-core kernel (TF32 for float32, FP64 for float64) where
    the GPU has one (sm_80+), else on fg_gemm.  The caller has checked dtypes
    and devices."""
    cp = _cupy()
    dtype = A.dtype
    if out is None:
        out = cp.empty((M, N), dtype)
    else:
        _check_out(fname, out, (M, N), dtype)
        if out.data.device_id != A.data.device_id:
            raise ValueError('{}: out is on GPU {}, the inputs on GPU {}'.format(
                fname, out.data.device_id, A.data.device_id))
    if M == 0 or N == 0:
        return out
    sbias = bias.strides[0] // bias.itemsize if bias is not None else 0
    key = (out.data.device_id, dtype.itemsize, M, N, K, sam, sak, sbk, sbn, A.data.ptr % VEC_BYTES,
           B.data.ptr % VEC_BYTES, out.data.ptr % VEC_BYTES, sbias, bias is not None, relu,
           tile, splits, bool(mma))
    L = _launches.get(key)
    if L is None:
        if len(_launches) > 4096:      # many distinct shapes: start over
            _launches.clear()
        L = _launches[key] = _make_launch(cp, *key)
    bias_arg = out if bias is None else bias     # never read without F_BIAS
    if L.splits == 1:
        L.kern(L.grid, L.block, (A,) + L.a_s + (B,) + L.b_s + (out, L.c_s[0], bias_arg,
                                                              L.c_s[1]) + L.tail,
               shared_mem=L.smem)
        return out
    ws = cp.empty((L.splits, M, N), dtype)
    tail = L.tail if ws.data.ptr % VEC_BYTES == 0 else L.tail_no_vec_c
    L.kern(L.grid, L.block, (A,) + L.a_s + (B,) + L.b_s + (ws, L.c_s[0], ws, L.c_s[1]) + tail,
           shared_mem=L.smem)
    L.red(L.red_grid, L.red_block, (ws, numpy.int32(L.splits), out, L.c_s[0], bias_arg)
          + L.red_tail)
    return out


def linear_forward(x, W, b=None, activation=None, out=None, tile=None, splits=None,
                   mma=False):
    """y = x . W^T (+ b), with ``activation='relu'`` fused into the same kernel.
    ``mma=True``: on the tensor-core kernel (see the module docstring)."""
    cp = _cupy()
    f = 'linear_forward'
    arrays, names = ((x, W), ('x', 'W')) if b is None else ((x, W, b), ('x', 'W', 'b'))
    _check(f, cp, arrays, names)
    if x.ndim != 2 or W.ndim != 2 or x.shape[1] != W.shape[1]:
        raise ValueError('{}: expected x (N, in) and W (out, in), got {} and {}'.format(
            f, x.shape, W.shape))
    if b is not None and (b.ndim != 1 or b.shape[0] != W.shape[0]):
        raise ValueError('{}: expected b of shape ({},), got {}'.format(f, W.shape[0], b.shape))
    if activation not in (None, 'relu'):
        raise ValueError("{}: activation must be None or 'relu', got {!r}".format(f, activation))
    sx, sw = element_strides(x), element_strides(W)
    return gemm(x, sx[0], sx[1], W, sw[1], sw[0], x.shape[0], W.shape[0], x.shape[1],
                bias=b, relu=activation == 'relu', out=out, tile=tile, splits=splits, fname=f,
                mma=mma)


def linear_grad_x(gy, W, out=None, tile=None, splits=None, mma=False):
    """gx = gy . W (N, in)."""
    cp = _cupy()
    f = 'linear_grad_x'
    _check(f, cp, (gy, W), ('gy', 'W'))
    if gy.ndim != 2 or W.ndim != 2 or gy.shape[1] != W.shape[0]:
        raise ValueError('{}: expected gy (N, out) and W (out, in), got {} and {}'.format(
            f, gy.shape, W.shape))
    sg, sw = element_strides(gy), element_strides(W)
    return gemm(gy, sg[0], sg[1], W, sw[0], sw[1], gy.shape[0], W.shape[1], gy.shape[1],
                out=out, tile=tile, splits=splits, fname=f, mma=mma)


def linear_grad_W(gy, x, out=None, tile=None, splits=None, mma=False):
    """gW = gy^T . x (out, in)."""
    cp = _cupy()
    f = 'linear_grad_W'
    _check(f, cp, (gy, x), ('gy', 'x'))
    if gy.ndim != 2 or x.ndim != 2 or gy.shape[0] != x.shape[0]:
        raise ValueError('{}: expected gy (N, out) and x (N, in), got {} and {}'.format(
            f, gy.shape, x.shape))
    sg, sx = element_strides(gy), element_strides(x)
    return gemm(gy, sg[1], sg[0], x, sx[0], sx[1], gy.shape[1], x.shape[1], gy.shape[0],
                out=out, tile=tile, splits=splits, fname=f, mma=mma)


def bias_grad(gy, out=None):
    """gb = gy.sum(axis=0), summed in double."""
    cp = _cupy()
    f = 'bias_grad'
    dev_id = _check(f, cp, (gy,), ('gy',))
    if gy.ndim != 2:
        raise ValueError('{}: expected gy (N, out), got shape {}'.format(f, gy.shape))
    M, N = gy.shape
    it = gy.dtype.itemsize
    if out is None:
        out = cp.empty((N,), gy.dtype)
    else:
        _check_out(f, out, (N,), gy.dtype)
        if out.data.device_id != dev_id:
            raise ValueError('{}: out is on GPU {}, gy on GPU {}'.format(
                f, out.data.device_id, dev_id))
    if N == 0:
        return out
    if M == 0:
        out.fill(0)
        return out
    s0, s1 = element_strides(gy)
    kern = _function(cp, dev_id, it, colsum_kernel_name(it))
    grid, block = colsum_launch(N)
    kern(grid, block, (gy, numpy.int64(s0), numpy.int64(s1), out, numpy.int64(1),
                       numpy.int32(M), numpy.int32(N)))
    return out


# -- the cuBLAS route (config.linear_use_cublas) and the benchmark's baseline ---------

def cublas_linear_forward(x, W, b=None):
    y = _cupy().matmul(x, W.T)
    if b is not None:
        y += b
    return y


def cublas_linear_grad_x(gy, W):
    return _cupy().matmul(gy, W)


def cublas_linear_grad_W(gy, x):
    return _cupy().matmul(gy.T, x)


def cublas_bias_grad(gy):
    return gy.sum(axis=0)


# -- the tensor-core route (config.linear_allow_tf32 / linear_fp64_mma) ----------------

def mma_linear_forward(x, W, b=None):
    return linear_forward(x, W, b, mma=True)


def mma_linear_grad_x(gy, W):
    return linear_grad_x(gy, W, mma=True)


def mma_linear_grad_W(gy, x):
    return linear_grad_W(gy, x, mma=True)


# linear_fp64_mma=None on sm_90+: the tensor-core kernel for float64 products of
# at least this many multiply-adds.  Measured on an H100 at 1.7e10 (2.2x the
# CUDA-core kernel) and 5.5e11; small layers were measured on the CUDA-core
# kernel only (faster than the cuBLAS route there), so they stay on it.
FP64_MMA_AUTO_MIN_MACS = 1 << 30


def _fp64_big(m, n, k):
    return m * n * k >= FP64_MMA_AUTO_MIN_MACS


def auto_linear_forward(x, W, b=None):
    return linear_forward(x, W, b, mma=_fp64_big(x.shape[0], W.shape[0], W.shape[1]))


def auto_linear_grad_x(gy, W):
    return linear_grad_x(gy, W, mma=_fp64_big(gy.shape[0], W.shape[0], W.shape[1]))


def auto_linear_grad_W(gy, x):
    return linear_grad_W(gy, x, mma=_fp64_big(gy.shape[0], gy.shape[1], x.shape[1]))


Ops = collections.namedtuple('Ops', 'name forward grad_x grad_W bias_grad')

KERNELS = Ops('fastgrad_cuda', linear_forward, linear_grad_x, linear_grad_W, bias_grad)
MMA_KERNELS = Ops('fastgrad_cuda_mma', mma_linear_forward, mma_linear_grad_x,
                  mma_linear_grad_W, bias_grad)
FP64_AUTO_KERNELS = Ops('fastgrad_cuda_fp64_auto', auto_linear_forward, auto_linear_grad_x,
                        auto_linear_grad_W, bias_grad)
CUBLAS = Ops('cublas', cublas_linear_forward, cublas_linear_grad_x, cublas_linear_grad_W,
             cublas_bias_grad)

_FAST_DTYPES = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))
_F32 = numpy.dtype(numpy.float32)
_config = None


def mma_flags():
    """(fastgrad.config.linear_allow_tf32, fastgrad.config.linear_fp64_mma), read
    from the (thread-local) config; (False, False) without fastgrad."""
    global _config
    if _config is None:
        try:
            from fastgrad.configuration import config as _config
        except ImportError:
            return False, False
    return (bool(getattr(_config, 'linear_allow_tf32', False)),
            getattr(_config, 'linear_fp64_mma', None))


FP64_MMA_AUTO_CC = 90      # linear_fp64_mma=None: validated on sm_90 (H100) only


def select(arrays, use_cublas, fname='LinearFunction'):
    """The Ops for LinearFunction's non-NumPy branch.

    ``arrays`` are the operands (no Nones).  Returns KERNELS (or CUBLAS when
    ``use_cublas``) for 2-D CuPy arrays of one dtype, float32 or float64 --
    MMA_KERNELS instead of KERNELS for float32 when
    ``fastgrad.config.linear_allow_tf32`` is on and for float64 when
    ``fastgrad.config.linear_fp64_mma`` is on; None when the generic
    array-module code should run (other dtypes, mixed dtypes, non-CuPy
    arrays); raises TypeError when NumPy and CuPy arrays are mixed -- never a
    silent copy between devices.
    """
    cp = sys.modules.get('cupy')
    if cp is None:
        return None
    gpu = [isinstance(a, cp.ndarray) for a in arrays]
    if not any(gpu):
        return None
    if not all(gpu):
        kinds = sorted({'cupy.ndarray' if g else type(a).__module__ + '.' + type(a).__name__
                        for a, g in zip(arrays, gpu)})
        raise TypeError('{}: inputs mix CPU and GPU arrays ({}); move them to one device '
                        'first (to_device)'.format(fname, ', '.join(kinds)))
    dtype = arrays[0].dtype
    if dtype not in _FAST_DTYPES:
        return None
    for a in arrays:
        if a.dtype != dtype:
            return None
    if use_cublas:
        return CUBLAS
    tf32, fp64 = mma_flags()
    if dtype == _F32:
        return MMA_KERNELS if tf32 else KERNELS
    if fp64 is None:             # auto: large products, where validated
        return (FP64_AUTO_KERNELS if _device(cp, arrays[0].device.id)[0] >= FP64_MMA_AUTO_CC
                else KERNELS)
    return MMA_KERNELS if fp64 else KERNELS
