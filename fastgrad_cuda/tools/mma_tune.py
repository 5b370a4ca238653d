#!/usr/bin/env python
"""Time tensor-core tile candidates of fg_gemm_mma on the current GPU.

    python -m fastgrad_cuda.tools.mma_tune [--shapes 8192x8192x8192 1024x4096x4096]
        [--dtypes float32 float64] [--tile float32:NAME:bm,bn,bk,wm,wn,stages,minb ...]
        [--fp64-m8n8k4] [--json out.json]

For every tile of linear.MMA_TILES plus the candidates given with --tile, and
every dtype: checks y = relu(x.W^T + b) on a 257x300x129 problem against a
float64 product (error per element scaled by sum |a||b|: < 1e-3 for TF32,
< 1e-12 for FP64), then times the forward product y = x.W^T (K-major operands,
no split-K, median of CUDA events) at each shape and prints TFLOP/s.  With
--fp64-m8n8k4 the float64 tiles are timed twice: as compiled for the GPU
(m16n8k8 on sm_90+) and with FGM_FP64_M8N8K4 defined (m8n8k4 everywhere).
Only the K-major/K-major instances are compiled.  A candidate that breaks the
kernel's constraints (mma_tile_problems) is reported and skipped.

Needs CuPy and a GPU of sm_80 or newer; the table it prints is what to base
MMA_TILES (and its rate priors) on for a new kind of GPU.
"""
import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))
import numpy  # noqa: E402

from fastgrad_cuda import launch, plan  # noqa: E402
from fastgrad_cuda import linear as fl  # noqa: E402

DTYPES = {'float32': 4, 'float64': 8}
CHECK_SHAPE = (257, 300, 129)


def parse_tile(spec):
    """'float32:NAME:bm,bn,bk,wm,wn,stages,minb' -> (itemsize, MmaTile)."""
    try:
        dtype, name, nums = spec.split(':')
        vals = [int(v) for v in nums.split(',')]
        if len(vals) != 7 or dtype not in DTYPES or not name:
            raise ValueError
    except ValueError:
        raise ValueError('--tile wants dtype:NAME:bm,bn,bk,wm,wn,stages,minb, got {!r}'
                         .format(spec)) from None
    # rate: the cost model's prior; unused here (tile and splits are forced) but nonzero
    return DTYPES[dtype], plan.MmaTile(name, *vals, 1.0)


def mma_tile_problems(tile, itemsize, smem_limit=None):
    """Why ``tile`` cannot be compiled or launched (empty list: it can)."""
    out = []
    vw = 16 // itemsize
    if tile.bm % tile.wm or tile.bn % tile.wn:
        out.append('warp tile does not divide the block tile')
    for cc in (80, 90):
        am, an, ak = plan.mma_atom(itemsize, cc)
        if tile.wm % am or tile.wn % an or tile.bk % ak:
            out.append('not a multiple of the sm_{} mma shape {}'.format(cc, (am, an, ak)))
    if tile.stages < 2:
        out.append('fewer than 2 stages')
    threads = 32 * max(tile.bm // max(tile.wm, 1), 0) * max(tile.bn // max(tile.wn, 1), 0)
    if not 32 <= threads <= 1024:
        out.append('{} threads per block'.format(threads))
    for rows in (tile.bm, tile.bn):
        chunks = rows * tile.bk // vw
        if rows % vw or tile.bk % vw or not threads or chunks % threads or chunks < threads:
            out.append('a {} x {} operand tile does not split into 16-byte chunks per '
                       'thread'.format(rows, tile.bk))
    if smem_limit is not None and plan.mma_smem_max(tile, itemsize) > smem_limit:
        out.append('{} bytes of shared memory > {}'.format(plan.mma_smem_max(tile, itemsize),
                                                            smem_limit))
    return out


def _time(cp, f, warmup, repeat):
    for _ in range(warmup):
        f()
    cp.cuda.get_current_stream().synchronize()
    start, end = cp.cuda.Event(), cp.cuda.Event()
    ts = []
    for _ in range(repeat):
        start.record()
        f()
        end.record()
        end.synchronize()
        ts.append(cp.cuda.get_elapsed_time(start, end))
    return statistics.median(ts)


def _reset_mma_modules():
    for key in [k for k in launch._modules if k[2] == 'mma']:
        del launch._modules[key]
    for key in [k for k in launch._functions if k[1].startswith('fg_gemm_mma<')]:
        del launch._functions[key]
    launch._launches.clear()
    launch._smem_raised.clear()
    plan.plan_gemm.cache_clear()


def run(shapes, dtypes, extra, fp64_m8n8k4, json_path=None):
    import cupy as cp
    dev = cp.cuda.Device()
    cc = int(dev.compute_capability)
    if cc < plan.MMA_MIN_CC:
        print('mma_tune: sm_{} has no .tf32/.f64 mma'.format(cc))
        return 2, []
    limit = launch._smem_limit(cp, dev.id)
    tables = {it: list(plan.MMA_TILES[it]) for it in (4, 8)}
    for it, t in extra:
        bad = mma_tile_problems(t, it, limit)
        if bad:
            print('mma_tune: skipping {} {}: {}'.format(t.name, t, '; '.join(bad)))
        else:
            tables[it].append(t)
    saved = (plan.MMA_TILES, plan.mma_kernel_names, launch._mma_source)
    plan.MMA_TILES = {it: tuple(ts) for it, ts in tables.items()}
    plan.mma_kernel_names = lambda it: [plan.mma_kernel_name(it, t, True, True)
                                      for t in plan.MMA_TILES[it]]
    rows, status = [], 0
    variants = [('default', None)]
    if fp64_m8n8k4 and 'float64' in dtypes:
        variants.append(('fp64-m8n8k4', '#define FGM_FP64_M8N8K4 1\n'))
    try:
        for variant, prefix in variants:
            _reset_mma_modules()
            launch._mma_source = None
            if prefix:
                launch._mma_source = prefix + launch.read_mma_source()
            for dtype in dtypes:
                if prefix and dtype != 'float64':
                    continue
                it = DTYPES[dtype]
                for t in plan.MMA_TILES[it]:
                    row = {'variant': variant, 'dtype': dtype, 'tile': t.name,
                           'config': list(t[1:8]), 'smem': plan.mma_smem_bytes(t, it, True, True)}
                    try:
                        row.update(_one(cp, fl, t, it, dtype, shapes))
                    except Exception as e:  # noqa: BLE001 -- report, go on with the others
                        row['error'] = '{}: {}'.format(type(e).__name__, e)
                        status = 1
                    if not row.get('ok', False):
                        status = 1
                    rows.append(row)
                    print(_fmt(row))
                    cp.get_default_memory_pool().free_all_blocks()
                    if json_path:
                        with open(json_path, 'w') as f:
                            json.dump({'device_cc': cc, 'rows': rows}, f, indent=1)
    finally:
        plan.MMA_TILES, plan.mma_kernel_names, launch._mma_source = saved
        _reset_mma_modules()
    return status, rows


def _one(cp, fl, t, it, dtype, shapes):
    n, k, m = CHECK_SHAPE
    rs = cp.random.RandomState(7)
    x, W = rs.uniform(-1, 1, (n, k)).astype(dtype), rs.uniform(-1, 1, (m, k)).astype(dtype)
    b = rs.uniform(-1, 1, m).astype(dtype)
    out = cp.full((n, m), numpy.nan, dtype)
    fl.linear_forward(x, W, b, 'relu', out=out, tile=t.name, splits=1, mma=True)
    x64, W64, b64 = (a.astype(cp.float64) for a in (x, W, b))
    ref = cp.maximum(x64 @ W64.T + b64, 0)
    scale = cp.abs(x64) @ cp.abs(W64).T + cp.abs(b64)
    got = out.astype(cp.float64)
    err = float('nan') if bool(cp.isnan(got).any()) else float(
        (cp.abs(got - ref) / scale).max())
    res = {'check_err': err, 'ok': err == err and err < (1e-3 if it == 4 else 1e-12)}
    name = plan.mma_kernel_name(it, t, True, True)
    kern = launch._functions[(cp.cuda.runtime.getDevice(), name)]
    res['regs'] = kern.attributes.get('num_regs')
    res['local_bytes'] = kern.attributes.get('local_size_bytes')
    res['tflops'] = {}
    for shape in shapes:
        n, k, m = shape
        x, W = rs.uniform(-1, 1, (n, k)).astype(dtype), rs.uniform(-1, 1, (m, k)).astype(dtype)
        flops = 2.0 * n * k * m
        ms = _time(cp, lambda: fl.linear_forward(x, W, tile=t.name, splits=1, mma=True),
                   1, 5 if flops >= 1e12 else 10)
        res['tflops']['x'.join(map(str, shape))] = flops / ms / 1e9
    return res


def _fmt(r):
    head = '{:11} {:7} {:4} {:28} smem {:6}'.format(r['variant'], r['dtype'], r['tile'],
                                                     str(tuple(r['config'])), r['smem'])
    if 'error' in r:
        return head + '  ERROR ' + r['error'][:200]
    perf = '  '.join('{} {:7.2f} TF/s'.format(s, v) for s, v in r['tflops'].items())
    return head + '  regs {:3} local {:3}  err {:8.2e} {}  {}'.format(
        r['regs'], r['local_bytes'], r['check_err'], 'ok' if r['ok'] else 'FAIL', perf)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--shapes', nargs='+', default=['8192x8192x8192', '1024x4096x4096'],
                   help='N x in x out of y = x.W^T')
    p.add_argument('--dtypes', nargs='+', default=['float32', 'float64'],
                   choices=sorted(DTYPES))
    p.add_argument('--tile', action='append', default=[],
                   help='extra candidate dtype:NAME:bm,bn,bk,wm,wn,stages,minb')
    p.add_argument('--fp64-m8n8k4', action='store_true',
                   help='also time float64 with m8n8k4 forced (FGM_FP64_M8N8K4)')
    p.add_argument('--json', default=None)
    args = p.parse_args(argv)
    shapes = [tuple(int(v) for v in s.split('x')) for s in args.shapes]
    extra = [parse_tile(s) for s in args.tile]
    status, _ = run(shapes, args.dtypes, extra, args.fp64_m8n8k4, args.json)
    return status


if __name__ == '__main__':
    sys.exit(main())
