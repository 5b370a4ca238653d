#!/usr/bin/env python
"""fastgrad_cuda's linear-layer kernels against cuBLAS (cupy.matmul), on one GPU.

    python bench/gpu_linear.py [--json PATH] [--quick] [--no-sweep] [--skip-tests]
                               [--no-mma] [--budget-s 200]

One command, meant to finish well under 10 minutes on an H100/H200:
  0. runs the GPU tests (pytest -m gpu tests/fastgrad_cuda) and records the
     summary (--skip-tests to leave them out);
  1. compiles every kernel (cold NVRTC time is reported);
  2. correctness: each product (forward with bias / relu, grad_x, grad_W,
     bias_grad) on random data against a float64 reference computed on the GPU,
     outputs NaN-poisoned before the launch; relative (Frobenius) error must be
     < 1e-5 for float32 and < 1e-12 for float64;
  3. timing (median of CUDA-event times, warm-up first): each GEMM product,
     fastgrad kernel vs cupy.matmul, and the whole L.Linear forward+backward
     with and without bias, fastgrad kernels vs config.linear_use_cublas
     (cupy.matmul + a separate bias add and bias sum);
  4. tensor cores (sm_80+; --no-mma to leave out): the TF32 kernel against
     cuBLAS in TF32 mode and the FP64 mma kernel against cuBLAS float64, at
     (1024, 4096, 4096) and (8192, 8192, 8192): correctness first (TF32: error
     per element scaled by sum |a||b| < 1e-3; FP64: < 1e-12), then each GEMM
     product and the Link forward+backward (flags linear_allow_tf32 /
     linear_fp64_mma on) against the cuBLAS route, as % of cuBLAS.  cuBLAS's
     TF32 mode is CuPy's CUPY_TF32=1, read by CuPy in the process that starts
     with it, so the TF32 cuBLAS side is timed in a child process started with
     that variable (same shapes, same timing code); the child also reports the
     error of its float32 matmul so the JSON shows TF32 was really on;
  5. a sweep of every tile and a few split-K values per product and shape
     (until --budget-s is spent since the start), to calibrate the planner's
     cost model;
  6. prints the tables and the issue's targets, writes JSON
     (default bench/results/gpu_linear.json) after every section, so a failure
     in a later section keeps what the earlier ones measured.

Shapes are (N, in, out), the issue's: (1024, 4096, 4096), (8192, 8192, 8192),
(32, 64, 64), (128, 1024, 1024); float32 and float64.  FLOPs: 2*N*in*out per
product, 6*N*in*out for forward+backward.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy  # noqa: E402

from fastgrad_cuda import launch, plan  # noqa: E402  (NumPy only; CuPy is imported later)

SHAPES = [(32, 64, 64), (128, 1024, 1024), (1024, 4096, 4096), (8192, 8192, 8192)]
QUICK_SHAPES = [(32, 64, 64), (128, 1024, 1024), (1024, 1024, 1024)]
DTYPES = ['float32', 'float64']
TOL = {'float32': 1e-5, 'float64': 1e-12}
MMA_SHAPES = [(1024, 4096, 4096), (8192, 8192, 8192)]
QUICK_MMA_SHAPES = [(1024, 1024, 1024)]
MMA_TOL = {'float32': 1e-3, 'float64': 1e-12}   # scaled by sum |a||b| (see check_mma)
MMA_MODE = {'float32': 'tf32', 'float64': 'fp64'}
MMA_FLAG = {'float32': 'linear_allow_tf32', 'float64': 'linear_fp64_mma'}


def _repeats(flops):
    """(warmup, repeat) so that each measurement takes a fraction of a second."""
    if flops >= 1e12:
        return 1, 5
    if flops >= 1e11:
        return 2, 10
    if flops >= 1e9:
        return 5, 30
    return 20, 200


def time_fn(cp, f, warmup, repeat):
    """Median GPU time (CUDA events around each call) and host time, in ms."""
    for _ in range(warmup):
        f()
    cp.cuda.get_current_stream().synchronize()
    start, end = cp.cuda.Event(), cp.cuda.Event()
    gpu, host = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        start.record()
        f()
        end.record()
        end.synchronize()
        host.append((time.perf_counter() - t0) * 1e3)
        gpu.append(cp.cuda.get_elapsed_time(start, end))
    return statistics.median(gpu), statistics.median(host)


def rel_err(cp, got, ref):
    got = got.astype(cp.float64)
    if bool(cp.isnan(got).any()):
        return float('nan')
    den = float(cp.linalg.norm(ref))
    return float(cp.linalg.norm(got - ref)) / (den if den > 0 else 1.0)


def device_info(cp):
    dev = cp.cuda.Device()
    props = cp.cuda.runtime.getDeviceProperties(dev.id)
    name = props['name']
    name = name.decode() if isinstance(name, bytes) else str(name)
    return {'name': name, 'compute_capability': dev.compute_capability,
            'sm_count': props['multiProcessorCount'],
            'memory_gib': round(props['totalGlobalMem'] / 2 ** 30, 1),
            'cupy': cp.__version__, 'cuda_runtime': cp.cuda.runtime.runtimeGetVersion(),
            'driver': cp.cuda.runtime.driverGetVersion(), 'python': platform.python_version(),
            'numpy': numpy.__version__}


def make_inputs(cp, shape, dtype, seed=0):
    n, k, m = shape
    rs = cp.random.RandomState(seed)
    def u(*s):
        return rs.uniform(-1, 1, s).astype(dtype)
    return u(n, k), u(m, k), u(m), u(n, m)


def check_correctness(cp, fl, shape, dtype, results):
    n, k, m = shape
    x, W, b, gy = make_inputs(cp, shape, dtype, seed=1)
    x64, W64, b64, gy64 = (a.astype(cp.float64) for a in (x, W, b, gy))
    ref_y = x64 @ W64.T
    cases = [
        ('forward+bias', lambda o: fl.linear_forward(x, W, b, out=o), (n, m), ref_y + b64),
        ('forward+bias+relu', lambda o: fl.linear_forward(x, W, b, 'relu', out=o), (n, m),
         cp.maximum(ref_y + b64, 0)),
        ('forward', lambda o: fl.linear_forward(x, W, out=o), (n, m), ref_y),
        ('grad_x', lambda o: fl.linear_grad_x(gy, W, out=o), (n, k), gy64 @ W64),
        ('grad_W', lambda o: fl.linear_grad_W(gy, x, out=o), (m, k), gy64.T @ x64),
        ('bias_grad', lambda o: fl.bias_grad(gy, out=o), (m,), gy64.sum(axis=0)),
    ]
    ok_all = True
    for what, f, oshape, ref in cases:
        out = cp.full(oshape, numpy.nan, dtype)
        f(out)
        err = rel_err(cp, out, ref)
        ok = err == err and err < TOL[dtype]
        ok_all &= ok
        results.append({'shape': list(shape), 'dtype': dtype, 'what': what, 'rel_err': err,
                        'ok': ok})
        print('  check {:>18} {:8} {:18} rel.err {:9.2e}  {}'.format(
            str(shape), dtype, what, err, 'ok' if ok else 'FAIL'))
    del x64, W64, b64, gy64, ref_y
    return ok_all


def bench_products(cp, fl, shape, dtype, results):
    n, k, m = shape
    x, W, b, gy = make_inputs(cp, shape, dtype)
    flops = 2.0 * n * k * m
    warm, rep = _repeats(flops)
    dev = cp.cuda.Device()
    sms = cp.cuda.runtime.getDeviceProperties(dev.id)['multiProcessorCount']
    cc = int(dev.compute_capability)
    it = numpy.dtype(dtype).itemsize
    prods = [('forward', lambda: fl.linear_forward(x, W), lambda: cp.matmul(x, W.T), (n, m, k)),
             ('grad_x', lambda: fl.linear_grad_x(gy, W), lambda: cp.matmul(gy, W), (n, k, m)),
             ('grad_W', lambda: fl.linear_grad_W(gy, x), lambda: cp.matmul(gy.T, x), (m, k, n))]
    for what, ours, theirs, (M, N, K) in prods:
        t_ours, h_ours = time_fn(cp, ours, warm, rep)
        t_cub, h_cub = time_fn(cp, theirs, warm, rep)
        chosen = plan.plan_gemm(M, N, K, it, sms, cc)
        row = {'shape': list(shape), 'dtype': dtype, 'what': what,
               'fastgrad_ms': t_ours, 'cublas_ms': t_cub,
               'fastgrad_host_ms': h_ours, 'cublas_host_ms': h_cub,
               'fastgrad_tflops': flops / t_ours / 1e9, 'cublas_tflops': flops / t_cub / 1e9,
               'ratio': t_cub / t_ours, 'plan': '{}/split{}'.format(chosen.tile.name, chosen.splits)}
        results.append(row)
        _print_row(row)


def bench_link(cp, fastgrad, L, shape, dtype, bias, results):
    n, k, m = shape
    x, W, b, gy = make_inputs(cp, shape, dtype, seed=2)
    with fastgrad.using_config('dtype', numpy.dtype(dtype)):   # the parameters' dtype
        link = L.Linear(k, m, nobias=not bias, initialW=cp.asnumpy(W),
                        initial_bias=None if not bias else cp.asnumpy(b))
    assert link.W.dtype == numpy.dtype(dtype)
    link.to_device('@cupy:{}'.format(cp.cuda.Device().id))
    xv = fastgrad.Variable(x)

    def step():
        link.cleargrads()
        xv.cleargrad()
        y = link(xv)
        y.grad = gy
        y.backward()
    flops = 6.0 * n * k * m
    warm, rep = _repeats(flops / 3)
    with fastgrad.using_config('linear_use_cublas', False):
        t_ours, h_ours = time_fn(cp, step, warm, rep)
        g_ours = [link.W.grad.copy(), xv.grad.copy()] + ([link.b.grad.copy()] if bias else [])
    with fastgrad.using_config('linear_use_cublas', True):
        t_cub, h_cub = time_fn(cp, step, warm, rep)
        g_cub = [link.W.grad, xv.grad] + ([link.b.grad] if bias else [])
    agree = max(rel_err(cp, a, c.astype(cp.float64)) for a, c in zip(g_ours, g_cub))
    row = {'shape': list(shape), 'dtype': dtype,
           'what': 'Link fwd+bwd' + (' +bias' if bias else ''), 'fastgrad_ms': t_ours,
           'cublas_ms': t_cub, 'fastgrad_host_ms': h_ours, 'cublas_host_ms': h_cub,
           'fastgrad_tflops': flops / t_ours / 1e9, 'cublas_tflops': flops / t_cub / 1e9,
           'ratio': t_cub / t_ours, 'grads_vs_cublas_rel_err': agree, 'plan': ''}
    results.append(row)
    _print_row(row)


def sweep(cp, fl, shape, dtype, results, deadline):
    n, k, m = shape
    x, W, b, gy = make_inputs(cp, shape, dtype, seed=3)
    it = numpy.dtype(dtype).itemsize
    big = n * k * m >= 2 ** 33
    warm, rep = (1, 3) if big else _repeats(2.0 * n * k * m)
    splits = (1, 2) if big else (1, 2, 4, 8, 16)
    prods = [('forward', lambda t, s: fl.linear_forward(x, W, tile=t, splits=s), k),
             ('grad_x', lambda t, s: fl.linear_grad_x(gy, W, tile=t, splits=s), m),
             ('grad_W', lambda t, s: fl.linear_grad_W(gy, x, tile=t, splits=s), n)]
    for what, f, K in prods:
        for tile in plan.TILES[it]:
            for s in splits:
                if s > 1 and K < 4 * tile.bk * s:
                    continue
                if time.time() > deadline:
                    return False
                ms, _ = time_fn(cp, lambda: f(tile.name, s), warm, rep)
                results.append({'shape': list(shape), 'dtype': dtype, 'what': what,
                                'tile': tile.name, 'splits': s, 'ms': ms,
                                'tflops': 2.0 * n * k * m / ms / 1e9})
    return True


# -- tensor cores ------------------------------------------------------------------------

def check_mma(cp, fl, shape, dtype, results):
    """The tensor-core kernel's products against float64 on the GPU, NaN-poisoned
    outputs.  Error: max over elements of |got - ref| / (|A|.|B|) (the product's
    own scale, sum_k |a_ik||b_kj|), plus the Frobenius relative error for the
    record."""
    n, k, m = shape
    x, W, b, gy = make_inputs(cp, shape, dtype, seed=4)
    x64, W64, b64, gy64 = (a.astype(cp.float64) for a in (x, W, b, gy))
    cases = [
        ('forward+bias+relu', lambda o: fl.linear_forward(x, W, b, 'relu', out=o, mma=True),
         (n, m), x64, W64.T, b64, True),
        ('grad_x', lambda o: fl.linear_grad_x(gy, W, out=o, mma=True), (n, k), gy64, W64,
         None, False),
        ('grad_W', lambda o: fl.linear_grad_W(gy, x, out=o, mma=True), (m, k), gy64.T, x64,
         None, False),
    ]
    ok_all = True
    for what, f, oshape, a, bb, bias, relu in cases:
        out = cp.full(oshape, numpy.nan, dtype)
        f(out)
        ref = a @ bb
        scale = cp.abs(a) @ cp.abs(bb)
        if bias is not None:
            ref += bias
            scale += cp.abs(bias)
        if relu:
            ref = cp.maximum(ref, 0)
        got = out.astype(cp.float64)
        if bool(cp.isnan(got).any()):
            scaled = frob = float('nan')
        else:
            scaled = float((cp.abs(got - ref) / cp.maximum(scale, 1e-300)).max())
            frob = rel_err(cp, out, ref)
        ok = scaled == scaled and scaled < MMA_TOL[dtype]
        ok_all &= ok
        results.append({'shape': list(shape), 'dtype': dtype, 'mode': MMA_MODE[dtype],
                        'what': what, 'scaled_err': scaled, 'rel_err': frob, 'ok': ok})
        print('  check {:>18} {:8} {:4} {:18} err/sum|a||b| {:9.2e}  rel.err {:9.2e}  {}'.format(
            str(shape), dtype, MMA_MODE[dtype], what, scaled, frob, 'ok' if ok else 'FAIL'))
        del ref, scale, got
    del x64, W64, b64, gy64
    return ok_all


def time_cublas(cp, fastgrad, L, shape, dtype):
    """cuBLAS times (ms) for the three products and the Link fwd+bwd (with and
    without bias) through the cuBLAS route -- in whatever compute mode this
    process's CuPy uses for ``dtype`` (TF32 when started with CUPY_TF32=1)."""
    n, k, m = shape
    x, W, b, gy = make_inputs(cp, shape, dtype)
    warm, rep = _repeats(2.0 * n * k * m)
    out = {}
    for what, f in (('forward', lambda: cp.matmul(x, W.T)), ('grad_x', lambda: cp.matmul(gy, W)),
                    ('grad_W', lambda: cp.matmul(gy.T, x))):
        out[what] = time_fn(cp, f, warm, rep)[0]
    for bias in (False, True):
        out['Link fwd+bwd' + (' +bias' if bias else '')] = _time_link(
            cp, fastgrad, L, shape, dtype, bias, {'linear_use_cublas': True})[0]
    # the error of this process's float32 / float64 matmul: ~1e-4 in TF32 mode, ~1e-7 in FP32
    ref = x.astype(cp.float64) @ W.astype(cp.float64).T
    out['matmul_rel_err'] = rel_err(cp, cp.matmul(x, W.T), ref)
    return out


def _time_link(cp, fastgrad, L, shape, dtype, bias, config):
    """(ms, host ms, grads) of one Link fwd+bwd step under the given config entries."""
    n, k, m = shape
    x, W, b, gy = make_inputs(cp, shape, dtype, seed=2)
    with fastgrad.using_config('dtype', numpy.dtype(dtype)):
        link = L.Linear(k, m, nobias=not bias, initialW=cp.asnumpy(W),
                        initial_bias=None if not bias else cp.asnumpy(b))
    link.to_device('@cupy:{}'.format(cp.cuda.Device().id))
    xv = fastgrad.Variable(x)

    def step():
        link.cleargrads()
        xv.cleargrad()
        y = link(xv)
        y.grad = gy
        y.backward()
    warm, rep = _repeats(2.0 * n * k * m)
    import contextlib
    with contextlib.ExitStack() as stack:
        for key, value in config.items():
            stack.enter_context(fastgrad.using_config(key, value))
        ms, host = time_fn(cp, step, warm, rep)
    grads = [link.W.grad, xv.grad] + ([link.b.grad] if bias else [])
    return ms, host, grads


def cublas_tf32_worker(path, quick):
    """Child process (started with CUPY_TF32=1): cuBLAS float32 times -> JSON at path."""
    import cupy as cp

    import fastgrad
    import fastgrad.links as L
    res = {'env_CUPY_TF32': os.environ.get('CUPY_TF32'), 'shapes': []}
    for shape in (QUICK_MMA_SHAPES if quick else MMA_SHAPES):
        try:
            t = time_cublas(cp, fastgrad, L, shape, 'float32')
            res['shapes'].append({'shape': list(shape), 'ms': t})
        except Exception as e:  # noqa: BLE001 -- report, let the parent carry on
            res['shapes'].append({'shape': list(shape), 'error': '{}: {}'.format(
                type(e).__name__, e)})
        cp.get_default_memory_pool().free_all_blocks()
        with open(path, 'w') as f:
            json.dump(res, f, indent=1)
    return 0


def run_cublas_tf32_child(quick, timeout=240):
    """cuBLAS TF32 times from a child process with CUPY_TF32=1, or {'error': ...}."""
    import subprocess
    import tempfile
    fd, path = tempfile.mkstemp(suffix='.json')
    os.close(fd)
    env = dict(os.environ, CUPY_TF32='1', PYTHONPATH=ROOT + os.pathsep
               + os.environ.get('PYTHONPATH', ''))
    cmd = [sys.executable, os.path.abspath(__file__), '--cublas-tf32-worker', path]
    if quick:
        cmd.append('--quick')
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)
        rc, tail = proc.returncode, (proc.stdout + proc.stderr)[-2000:]
    except subprocess.TimeoutExpired:
        rc, tail = -1, 'timed out after {} s'.format(timeout)
    try:
        with open(path) as f:
            res = json.load(f)
    except (OSError, ValueError):
        res = {'shapes': []}
    finally:
        os.unlink(path)
    res['returncode'] = rc
    if rc != 0:
        res['error'] = tail
    return res


def bench_mma(cp, fastgrad, L, fl, shape, dtype, results, tf32_child):
    """Our tensor-core kernel vs cuBLAS in the matching mode (TF32 / float64)."""
    n, k, m = shape
    mode = MMA_MODE[dtype]
    if dtype == 'float32':
        ref = next((r for r in tf32_child.get('shapes', []) if tuple(r['shape']) == shape
                    and 'ms' in r), None)
        if ref is None:
            raise RuntimeError('no cuBLAS TF32 times for {} (child: {})'.format(
                shape, tf32_child.get('error', 'no result')))
        cub = ref['ms']
    else:
        cub = time_cublas(cp, fastgrad, L, shape, dtype)
    x, W, b, gy = make_inputs(cp, shape, dtype)
    flops = 2.0 * n * k * m
    warm, rep = _repeats(flops)
    dev = cp.cuda.Device()
    sms = cp.cuda.runtime.getDeviceProperties(dev.id)['multiProcessorCount']
    cc = int(dev.compute_capability)
    it = numpy.dtype(dtype).itemsize
    prods = [('forward', lambda: fl.linear_forward(x, W, mma=True), (n, m, k)),
             ('grad_x', lambda: fl.linear_grad_x(gy, W, mma=True), (n, k, m)),
             ('grad_W', lambda: fl.linear_grad_W(gy, x, mma=True), (m, k, n))]
    for what, ours, (M, N, K) in prods:
        t_ours, h_ours = time_fn(cp, ours, warm, rep)
        chosen = plan.plan_gemm(M, N, K, it, sms, cc, None, None, True,
                                launch._smem_limit(cp, dev.id))
        _mma_row(results, shape, dtype, mode, what, t_ours, h_ours, cub[what], flops,
                 '{}/split{}'.format(chosen.tile.name, chosen.splits))
    for bias in (False, True):
        what = 'Link fwd+bwd' + (' +bias' if bias else '')
        t_ours, h_ours, _ = _time_link(cp, fastgrad, L, shape, dtype, bias,
                                       {MMA_FLAG[dtype]: True, 'linear_use_cublas': False})
        _mma_row(results, shape, dtype, mode, what, t_ours, h_ours, cub[what], 3 * flops, '')


def _mma_row(results, shape, dtype, mode, what, t_ours, h_ours, t_cub, flops, plan):
    row = {'shape': list(shape), 'dtype': dtype, 'mode': mode, 'what': what,
           'fastgrad_ms': t_ours, 'cublas_ms': t_cub, 'fastgrad_host_ms': h_ours,
           'fastgrad_tflops': flops / t_ours / 1e9, 'cublas_tflops': flops / t_cub / 1e9,
           'ratio': t_cub / t_ours, 'pct_of_cublas': 100.0 * t_cub / t_ours, 'plan': plan}
    results.append(row)
    print('  {:>18} {:8} {:4} {:14} fastgrad {:9.4f} ms {:7.2f} TF/s | cuBLAS {:9.4f} ms '
          '{:7.2f} TF/s | {:5.1f}% of cuBLAS {}'.format(
              str(tuple(shape)), dtype, mode, what, t_ours, row['fastgrad_tflops'], t_cub,
              row['cublas_tflops'], row['pct_of_cublas'], plan))


def mma_targets(rows):
    """The issue's goals for the tensor-core paths, judged on this run's numbers."""
    out = []
    for r in rows:
        if not r['what'].startswith('Link'):
            continue
        goal = 0.6 if r['mode'] == 'tf32' else 0.8
        out.append({'goal': '{} {} {} >= {:.0%} of cuBLAS {}'.format(
            r['mode'], r['what'], tuple(r['shape']), goal,
            'TF32' if r['mode'] == 'tf32' else 'float64'),
            'ratio': r['ratio'], 'met': r['ratio'] >= goal})
    return out


def _print_row(r):
    print('  {:>18} {:8} {:18} fastgrad {:9.4f} ms {:7.2f} TF/s | cuBLAS {:9.4f} ms {:7.2f} '
          'TF/s | ratio {:5.2f} {}'.format(str(tuple(r['shape'])), r['dtype'], r['what'],
                                           r['fastgrad_ms'], r['fastgrad_tflops'],
                                           r['cublas_ms'], r['cublas_tflops'], r['ratio'],
                                           r['plan']))


def targets(timings):
    """The issue's goals, judged on this run's numbers."""
    def get(shape, dtype, what):
        for r in timings:
            if tuple(r['shape']) == shape and r['dtype'] == dtype and r['what'] == what:
                return r
        return None
    out = []
    for shape in [(1024, 4096, 4096), (8192, 8192, 8192)]:
        for bias in ('', ' +bias'):
            r = get(shape, 'float32', 'Link fwd+bwd' + bias)
            if r:
                out.append({'goal': 'float32 fwd+bwd{} {} >= 0.90 of cuBLAS'.format(bias, shape),
                            'ratio': r['ratio'], 'met': r['ratio'] >= 0.9})
            r = get(shape, 'float64', 'Link fwd+bwd' + bias)
            if r:
                out.append({'goal': 'float64 fwd+bwd{} {} >= 0.80 of cuBLAS'.format(bias, shape),
                            'ratio': r['ratio'], 'met': r['ratio'] >= 0.8})
    for shape in [(32, 64, 64), (128, 1024, 1024)]:
        for dtype in DTYPES:
            r = get(shape, dtype, 'Link fwd+bwd +bias')
            if r:
                out.append({'goal': '{} Link fwd+bwd +bias {} faster than cuBLAS route'.format(
                    dtype, shape), 'ratio': r['ratio'], 'met': r['ratio'] > 1.0})
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--json', default=os.path.join(ROOT, 'bench', 'results', 'gpu_linear.json'))
    p.add_argument('--quick', action='store_true', help='small shapes only (a smoke run)')
    p.add_argument('--no-sweep', action='store_true', help='skip the tile / split-K sweep')
    p.add_argument('--skip-tests', action='store_true', help='do not run the gpu pytest first')
    p.add_argument('--no-mma', action='store_true', help='skip the tensor-core section')
    p.add_argument('--budget-s', type=float, default=200.0,
                   help='stop the sweep once this many seconds have passed since start')
    p.add_argument('--cublas-tf32-worker', metavar='PATH', default=None,
                   help=argparse.SUPPRESS)   # internal: the CUPY_TF32=1 child process
    args = p.parse_args(argv)
    if args.cublas_tf32_worker:
        return cublas_tf32_worker(args.cublas_tf32_worker, args.quick)
    t_start = time.time()
    try:
        import cupy as cp
    except ImportError:
        print('gpu_linear: CuPy is not installed')
        return 2
    import fastgrad
    import fastgrad.links as L
    from fastgrad_cuda import linear as fl
    if not cp.cuda.runtime.getDeviceCount():
        print('gpu_linear: no CUDA device')
        return 2

    tests = None
    if not args.skip_tests:
        import subprocess
        print('== pytest -m gpu tests/fastgrad_cuda')
        t0 = time.time()
        try:
            proc = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p',
                                   'no:cacheprovider', '-m', 'gpu',
                                   os.path.join(ROOT, 'tests', 'fastgrad_cuda')],
                                  cwd=ROOT, capture_output=True, text=True, timeout=300)
            rc, text = proc.returncode, proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as e:
            rc, text = -1, (e.stdout or b'').decode(errors='replace') + '\ntimed out after 300 s'
        lines = text.strip().splitlines()
        print('\n'.join(lines[-40:]))
        tests = {'returncode': rc, 'summary': lines[-1] if lines else '',
                 'seconds': time.time() - t0,
                 'failures': [ln for ln in lines if ln.startswith(('FAILED', 'ERROR'))]}

    info = device_info(cp)
    print('device: {name} (cc {compute_capability}, {sm_count} SMs, {memory_gib} GiB), '
          'CuPy {cupy}, CUDA runtime {cuda_runtime}'.format(**info))
    t0 = time.time()
    kernels = launch.compile_all()
    compile_s = time.time() - t0
    attrs = {name: {'regs': k.attributes.get('num_regs'),
                    'local_bytes': k.attributes.get('local_size_bytes'),
                    'smem': k.attributes.get('shared_size_bytes')}
             for name, k in kernels.items()}
    print('compiled {} kernels in {:.2f} s (NVRTC, or CuPy\'s disk cache); spilling: {}'.format(
        len(kernels), compile_s, [n for n, a in attrs.items() if a['local_bytes']] or 'none'))

    shapes = QUICK_SHAPES if args.quick else SHAPES
    checks, timings, sweeps, errors = [], [], [], []
    mma = {'run': False, 'correctness': [], 'correct': None, 'timings': [], 'targets': [],
           'cublas_tf32_child': None, 'kernels': {}, 'compile_seconds': None}
    result = {'device': info, 'compile_seconds': compile_s, 'kernels': attrs,
              'correctness': checks, 'correct': None, 'timings': timings, 'targets': [],
              'mma': mma, 'sweep': sweeps, 'sweep_complete': False, 'quick': args.quick,
              'errors': errors, 'gpu_tests': tests}

    def save():
        result['seconds'] = time.time() - t_start
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)

    def guarded(what, f, *a):
        """Run one section; an exception is recorded and the run goes on."""
        try:
            return f(*a)
        except Exception as e:  # noqa: BLE001 -- a one-shot device run must not die here
            import traceback
            traceback.print_exc()
            errors.append({'section': what, 'error': '{}: {}'.format(type(e).__name__, e)})
            cp.get_default_memory_pool().free_all_blocks()
            return None

    all_ok = True
    print('\n== correctness (float64 reference on the GPU, NaN-poisoned outputs)')
    for shape in shapes:
        for dtype in DTYPES:
            ok = guarded('check {} {}'.format(shape, dtype), check_correctness, cp, fl, shape,
                         dtype, checks)
            all_ok &= bool(ok)
    result['correct'] = all_ok
    save()
    print('\n== timing: GEMM products and the Link (median of CUDA events)')
    for shape in shapes:
        for dtype in DTYPES:
            guarded('products {} {}'.format(shape, dtype), bench_products, cp, fl, shape,
                    dtype, timings)
            for bias in (False, True):
                guarded('link {} {} bias={}'.format(shape, dtype, bias), bench_link, cp,
                        fastgrad, L, shape, dtype, bias, timings)
            cp.get_default_memory_pool().free_all_blocks()
            save()
    goals = targets(timings)
    result['targets'] = goals
    print('\n== targets (issue 6)')
    for g in goals:
        print('  {:60} ratio {:5.2f}  {}'.format(g['goal'], g['ratio'],
                                                 'met' if g['met'] else 'NOT met'))
    save()
    cc = int(cp.cuda.Device().compute_capability)
    if not args.no_mma and cc < plan.MMA_MIN_CC:
        print('\n== tensor cores: skipped (sm_{} < sm_{})'.format(cc, plan.MMA_MIN_CC))
    elif not args.no_mma:
        guarded('tensor cores', run_mma_section, cp, fastgrad, L, fl, args, mma, guarded, save)
        save()
    complete = True
    if not args.no_sweep:
        print('\n== sweep: every tile x split-K (planner calibration)')
        deadline = t_start + args.budget_s
        for shape in shapes:
            for dtype in DTYPES:
                complete = guarded('sweep {} {}'.format(shape, dtype), sweep, cp, fl, shape,
                                   dtype, sweeps, deadline) is not False
                cp.get_default_memory_pool().free_all_blocks()
                if time.time() > deadline:
                    complete = False
                if not complete:
                    break
            if not complete:
                print('  (budget spent: sweep incomplete)')
                break
        best = {}
        for r in sweeps:
            key = (tuple(r['shape']), r['dtype'], r['what'])
            if key not in best or r['ms'] < best[key]['ms']:
                best[key] = r
        for (shape, dtype, what), r in sorted(best.items()):
            print('  {:>18} {:8} {:8} best {}/split{} {:9.4f} ms {:7.2f} TF/s'.format(
                str(shape), dtype, what, r['tile'], r['splits'], r['ms'], r['tflops']))
    result['sweep_complete'] = complete
    save()
    print('\nwrote {} ({:.0f} s); correctness {}; {} section error(s)'.format(
        args.json, time.time() - t_start, 'ok' if all_ok else 'FAILED', len(errors)))
    for e in errors:
        print('  error in {section}: {error}'.format(**e))
    if tests is not None:
        print('gpu tests: {}'.format(tests['summary']))
    if mma['run']:
        print('tensor cores: correctness {}; {} of {} targets met'.format(
            'ok' if mma['correct'] else 'FAILED', sum(g['met'] for g in mma['targets']),
            len(mma['targets'])))
    tests_ok = tests is None or tests['returncode'] == 0
    mma_ok = not mma['run'] or bool(mma['correct'])
    return 0 if all_ok and mma_ok and not errors and tests_ok else 1


def run_mma_section(cp, fastgrad, L, fl, args, mma, guarded, save):
    """Section 4: tensor cores (every step guarded; JSON saved after each shape)."""
    mma['run'] = True
    print('\n== tensor cores: TF32 vs cuBLAS TF32 (CUPY_TF32=1 child), FP64 mma vs cuBLAS '
          'float64')
    t0 = time.time()
    kernels = guarded('compile mma', launch.compile_all, (numpy.float32, numpy.float64), True) or {}
    mma['compile_seconds'] = time.time() - t0
    mma['kernels'] = {name: {'regs': k.attributes.get('num_regs'),
                             'local_bytes': k.attributes.get('local_size_bytes')}
                      for name, k in kernels.items()}
    print('compiled {} tensor-core kernels in {:.2f} s; spilling: {}'.format(
        len(kernels), mma['compile_seconds'],
        [n for n, a in mma['kernels'].items() if a['local_bytes']] or 'none'))
    shapes = QUICK_MMA_SHAPES if args.quick else MMA_SHAPES
    ok_all = True
    for shape in shapes:
        for dtype in DTYPES:
            ok = guarded('mma check {} {}'.format(shape, dtype), check_mma, cp, fl, shape,
                         dtype, mma['correctness'])
            ok_all &= bool(ok)
            cp.get_default_memory_pool().free_all_blocks()
    mma['correct'] = ok_all
    save()
    cp.get_default_memory_pool().free_all_blocks()
    t0 = time.time()
    child = run_cublas_tf32_child(args.quick)
    child['seconds'] = time.time() - t0
    mma['cublas_tf32_child'] = child
    if child.get('error'):
        print('  cuBLAS TF32 child failed (rc {}): {}'.format(child['returncode'],
                                                               child['error'][-500:]))
    for r in child.get('shapes', []):
        if 'ms' in r:
            print('  cuBLAS child (CUPY_TF32={}): {} float32 matmul rel.err {:.2e} ({})'.format(
                child.get('env_CUPY_TF32'), tuple(r['shape']), r['ms']['matmul_rel_err'],
                'TF32' if r['ms']['matmul_rel_err'] > 1e-5 else 'NOT TF32?'))
    save()
    for shape in shapes:
        for dtype in DTYPES:
            guarded('mma timing {} {}'.format(shape, dtype), bench_mma, cp, fastgrad, L, fl,
                    shape, dtype, mma['timings'], child)
            cp.get_default_memory_pool().free_all_blocks()
            save()
    mma['targets'] = mma_targets(mma['timings'])
    for g in mma['targets']:
        print('  {:66} ratio {:5.2f}  {}'.format(g['goal'], g['ratio'],
                                                 'met' if g['met'] else 'NOT met'))
    save()


if __name__ == '__main__':
    sys.exit(main())
