"""Compiling and launching the linear layer's GPU kernels (CuPy from here on).

The kernels (``gemm.cu``, ``gemm_mma.cu``: package data) are compiled with
``cupy.RawModule`` the first time a dtype is used on a device, once per
(device, dtype, family), and kept for the life of the process (CuPy also
caches the cubin on disk).  A launch's scalars are planned once per call
signature (``plan``) and cached.  CuPy is imported inside functions only.
"""
import numpy

from fastgrad_cuda.plan import (
    COMPILE_OPTIONS,
    MMA_MIN_CC,
    MMA_SOURCE_PATH,
    MMA_TILES,
    SOURCE_PATH,
    STATIC_SMEM_LIMIT,
    VEC_BYTES,
    gemm_flags,
    gemm_kernel_name,
    kernel_names,
    mma_kernel_name,
    mma_kernel_names,
    mma_smem_bytes,
    mma_smem_max,
    operand_layout,
    output_vec_ok,
    plan_gemm,
    reduce_kernel_name,
    reduce_launch,
    use_mma,
)

_modules = {}       # (device id, itemsize, family) -> cupy.RawModule
_functions = {}     # (device id, name) -> kernel
_devices = {}       # device id -> (cc, sm_count)
_smem_limits = {}   # device id -> shared memory per block with the opt-in (bytes)
_smem_raised = set()   # (device id, name) whose dynamic shared-memory limit was raised
_source = None
_mma_source = None


def cupy_module():
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


def device_info(cp, dev_id):
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


def kernel(cp, dev_id, itemsize, name, family='simt'):
    """The kernel ``name`` from the device's module for (itemsize, family):
    'simt' = gemm.cu (fg_gemm, fg_splitk_reduce, fg_colsum), 'mma' = gemm_mma.cu."""
    f = _functions.get((dev_id, name))
    if f is None:
        mod = _modules.get((dev_id, itemsize, family))
        if mod is None:
            if family == 'mma':
                code, names = read_mma_source(), mma_kernel_names(itemsize)
            else:
                cc, _ = device_info(cp, dev_id)
                code, names = read_source(), kernel_names(itemsize, cc)
            mod = cp.RawModule(code=code, options=COMPILE_OPTIONS, name_expressions=names)
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
    cp = cupy_module()
    dev_id = cp.cuda.runtime.getDevice()
    cc, _ = device_info(cp, dev_id)
    if mma and cc < MMA_MIN_CC:
        raise ValueError('compile_all: tensor-core kernels need sm_{}+, this GPU is sm_{}'
                         .format(MMA_MIN_CC, cc))
    out = {}
    for dt in dtypes:
        it = numpy.dtype(dt).itemsize
        if mma:
            for name in mma_kernel_names(it):
                out[name] = kernel(cp, dev_id, it, name, 'mma')
        else:
            for name in kernel_names(it, cc):
                out[name] = kernel(cp, dev_id, it, name)
    return out


def check_out(fname, out, shape, dtype):
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
    cc, sms = device_info(cp, dev_id)
    a_km, vec_a, sam, sak = operand_layout(sam, sak, M, K, a_mod, it)
    b_km, vec_b, sbn, sbk = operand_layout(sbn, sbk, N, K, b_mod, it)
    L = _Launch()
    smem_limit = _smem_limit(cp, dev_id) if use_mma(mma, cc) else 0
    if use_mma(mma, cc) and any(mma_smem_max(t, it) <= smem_limit for t in MMA_TILES[it]):
        # the tensor-core kernel: same arguments, grid and split-K scheme as fg_gemm
        plan = plan_gemm(M, N, K, it, sms, cc, tile, splits, True, smem_limit)
        name = mma_kernel_name(it, plan.tile, a_km, b_km)
        L.kern = kernel(cp, dev_id, it, name, 'mma')
        L.smem = mma_smem_bytes(plan.tile, it, a_km, b_km)
        _allow_smem(L.kern, dev_id, name, L.smem)
    else:
        plan = plan_gemm(M, N, K, it, sms, cc, tile, splits)
        L.kern = kernel(cp, dev_id, it, gemm_kernel_name(it, plan.tile, cc, a_km, b_km))
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
    L.red = kernel(cp, dev_id, it, reduce_kernel_name(it))
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
    cp = cupy_module()
    dtype = A.dtype
    if out is None:
        out = cp.empty((M, N), dtype)
    else:
        check_out(fname, out, (M, N), dtype)
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
