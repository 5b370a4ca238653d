"""Pooling and spatial workloads of issue #12, forward + backward on the CPU,
each library in its own process (same inputs, float32):

* max_pool2d: max_pooling_2d, (16, 64, 56, 56), k3 s2 p1 (the ResNet stem);
* max_pool3d: max_pooling_3d, (8, 16, 16, 16, 16), k2;
* avg_pool3d: average_pooling_3d, (8, 16, 16, 16, 16), k3 s2 p1;
* resize: resize_images bilinear, align_corners, (8, 32, 64, 64) -> 128x128;
* roi_align: roi_average_align_2d, x (2, 256, 50, 50), 128 RoIs, 7x7, ratio 2
  (PyTorch has none without torchvision: n/a).

    python bench/pool.py [--reps 5]     # writes bench/results/pool.md

fastgrad runs in this interpreter, PyTorch in /work/venvs/torch, Chainer in
/work/venvs/chainer (skipped where missing).  Medians of ``--reps`` runs after
one warm-up, in milliseconds."""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHONS = {
    'fastgrad': sys.executable,
    'pytorch': '/work/venvs/torch/bin/python',
    'chainer': '/work/venvs/chainer/bin/python',
}
WORKLOADS = ['max_pool2d', 'max_pool3d', 'avg_pool3d', 'resize', 'roi_align']

WORKER = r'''
import json, sys, time
import numpy
lib, reps = sys.argv[1], int(sys.argv[2])
rng = numpy.random.RandomState(0)
x2 = rng.randn(16, 64, 56, 56).astype(numpy.float32)
x3 = rng.randn(8, 16, 16, 16, 16).astype(numpy.float32)
xr = rng.randn(8, 32, 64, 64).astype(numpy.float32)
xa = rng.randn(2, 256, 50, 50).astype(numpy.float32)
y0 = rng.uniform(0, 40, 128)
x0 = rng.uniform(0, 40, 128)
rois = numpy.stack([y0, x0, y0 + rng.uniform(5, 40, 128), x0 + rng.uniform(5, 40, 128)],
                   1).astype(numpy.float32)
idx = rng.randint(0, 2, 128).astype(numpy.int32)


def median_ms(step):
    step()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        step()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2] * 1e3


out = {}
if lib == 'pytorch':
    import torch
    import torch.nn.functional as TF
    torch.set_num_threads(int(__import__('os').environ.get('BENCH_THREADS', '2')))
    fns = {'max_pool2d': (x2, lambda x: TF.max_pool2d(x, 3, 2, 1, ceil_mode=True)),
           'max_pool3d': (x3, lambda x: TF.max_pool3d(x, 2)),
           'avg_pool3d': (x3, lambda x: TF.avg_pool3d(x, 3, 2, 1)),
           'resize': (xr, lambda x: TF.interpolate(x, (128, 128), mode='bilinear',
                                                   align_corners=True))}
    for name, (a, f) in fns.items():
        x = torch.tensor(a, requires_grad=True)

        def step():
            x.grad = None
            f(x).sum().backward()
        out[name] = median_ms(step)
else:
    if lib == 'fastgrad':
        import fastgrad as ch
        import fastgrad.functions as F
    else:
        import chainer as ch
        import chainer.functions as F
        if not hasattr(numpy, 'float'):
            numpy.float = float    # Chainer 7.8.1's resize_images needs it
    fns = {'max_pool2d': (x2, lambda x: F.max_pooling_2d(x, 3, 2, 1)),
           'max_pool3d': (x3, lambda x: F.max_pooling_3d(x, 2)),
           'avg_pool3d': (x3, lambda x: F.average_pooling_3d(x, 3, 2, 1)),
           'resize': (xr, lambda x: F.resize_images(x, (128, 128))),
           'roi_align': (xa, lambda x: F.roi_average_align_2d(x, rois, idx, 7, 1.0, 2))}
    for name, (a, f) in fns.items():
        if lib == 'chainer' and name == 'roi_align':
            continue    # Chainer's CPU RoI align is a Python loop per output element
        x = ch.Variable(a)

        def step():
            x.cleargrad()
            F.sum(f(x)).backward()
        out[name] = median_ms(step)
print(json.dumps(out))
'''


def run(lib, reps):
    py = PYTHONS[lib]
    if not os.path.exists(py):
        return {}
    env = dict(os.environ, PYTHONPATH=ROOT if lib == 'fastgrad' else '')
    proc = subprocess.run([py, '-c', WORKER, lib, str(reps)], capture_output=True, text=True,
                          env=env)
    if proc.returncode != 0:
        print('{} failed:\n{}'.format(lib, proc.stderr[-2000:]), file=sys.stderr)
        return {}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--out', default=os.path.join(HERE, 'results', 'pool.md'))
    args = parser.parse_args()
    res = {lib: run(lib, args.reps) for lib in PYTHONS}
    lines = ['# Pooling and spatial workloads (issue #12): forward + backward, CPU', '',
             'Median of {} runs after a warm-up, ms; ratio = fastgrad / other (below 1: '
             'fastgrad faster). `python bench/pool.py`; workloads in its docstring.'
             .format(args.reps), '',
             '| workload | fastgrad | PyTorch | Chainer 7.8.1 | vs PyTorch | vs Chainer |',
             '|---|---|---|---|---|---|']
    for name in WORKLOADS:
        cells = [res[lib].get(name) for lib in PYTHONS]
        f = cells[0]
        ratios = ['n/a' if f is None or o is None else '{:.2f}x'.format(f / o)
                  for o in cells[1:]]
        lines.append('| {} | {} | {} |'.format(
            name, ' | '.join('n/a' if v is None else '{:.1f}'.format(v) for v in cells),
            ' | '.join(ratios)))
    text = '\n'.join(lines) + '\n'
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
