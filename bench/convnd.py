"""Convolution workloads of issue #12, fwd+bwd, each library in its own process:

* conv3d: ConvolutionND 3-D, batch 8, 16 -> 32 channels, 16^3 input, 3^3 kernel, pad 1;
* depthwise: depthwise_convolution_2d at a MobileNet size, batch 8, 64 channels,
  56x56, 3x3, pad 1 (PyTorch: Conv2d with groups=C).

    python bench/convnd.py [--reps 5]   # writes bench/results/convnd.md

fastgrad runs in this interpreter's environment, PyTorch in /work/venvs/torch,
Chainer in /work/venvs/chainer (skipped where missing).  Times are medians of
``--reps`` runs of forward + backward (after one warm-up), in milliseconds,
with the same number of BLAS / OpenMP threads (``--threads``, default 1) in
every library: on a shared machine that is the comparison that holds still."""
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
WORKLOADS = {
    'conv3d': dict(x=(8, 16, 16, 16, 16), W=(32, 16, 3, 3, 3), pad=1),
    'depthwise': dict(x=(8, 64, 56, 56), W=(1, 64, 3, 3), pad=1),
}

# One script per library; it prints {"workload": median_ms} as JSON.
WORKER = r'''
import json, sys, time
import numpy
lib, reps, workloads = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
rng = numpy.random.RandomState(0)


def median_ms(step):
    step()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        step()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2] * 1e3


out = {}
for name, w in workloads.items():
    x0 = rng.randn(*w['x']).astype(numpy.float32)
    W0 = (rng.randn(*w['W']) * 0.1).astype(numpy.float32)
    if lib == 'pytorch':
        import torch
        torch.set_num_threads(int(__import__('os').environ['OMP_NUM_THREADS']))
        x = torch.tensor(x0, requires_grad=True)
        if name == 'conv3d':
            layer = torch.nn.Conv3d(16, 32, 3, padding=w['pad'])
        else:
            layer = torch.nn.Conv2d(64, 64, 3, padding=w['pad'], groups=64)

        def step():
            x.grad = None
            layer.zero_grad()
            layer(x).sum().backward()
    else:
        if lib == 'fastgrad':
            import fastgrad as ch
            import fastgrad.functions as F
        else:
            import chainer as ch
            import chainer.functions as F
        x = ch.Variable(x0)
        W = ch.Variable(W0)
        b = ch.Variable(numpy.zeros(w['W'][0] * (64 if name == 'depthwise' else 1),
                                    numpy.float32))

        def step():
            for v in (x, W, b):
                v.cleargrad()
            if name == 'conv3d':
                y = F.convolution_nd(x, W, b, pad=w['pad'])
            else:
                y = F.depthwise_convolution_2d(x, W, b, pad=w['pad'])
            F.sum(y).backward()
    out[name] = median_ms(step)
print(json.dumps(out))
'''


def run(lib, reps, threads):
    py = PYTHONS[lib]
    if not os.path.exists(py):
        return None
    env = dict(os.environ, PYTHONPATH=ROOT if lib == 'fastgrad' else '')
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        env[var] = str(threads)
    proc = subprocess.run([py, '-c', WORKER, lib, str(reps), json.dumps(WORKLOADS)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        print('{} failed:\n{}'.format(lib, proc.stderr[-2000:]), file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--reps', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1,
                        help='BLAS / OpenMP / torch threads of every library')
    parser.add_argument('--out', default=os.path.join(HERE, 'results', 'convnd.md'))
    args = parser.parse_args()
    res = {lib: run(lib, args.reps, args.threads) for lib in PYTHONS}
    lines = ['# Convolution workloads (issue #12): forward + backward, CPU', '',
             'Median of {} runs after a warm-up, ms, float32, {} thread(s) for every '
             'library; ratio = fastgrad / other (below 1: fastgrad faster). '
             '`python bench/convnd.py`.'.format(args.reps, args.threads), '',
             '| workload | fastgrad | PyTorch | Chainer 7.8.1 | vs PyTorch | vs Chainer |',
             '|---|---|---|---|---|---|']
    for name, w in WORKLOADS.items():
        cells = []
        for lib in PYTHONS:
            v = res[lib][name] if res[lib] else None
            cells.append('n/a' if v is None else '{:.1f}'.format(v))
        f = res['fastgrad'][name] if res['fastgrad'] else None
        ratios = []
        for lib in ('pytorch', 'chainer'):
            o = res[lib][name] if res[lib] else None
            ratios.append('n/a' if f is None or o is None else '{:.2f}x'.format(f / o))
        desc = 'x {} W {} pad {}'.format(w['x'], w['W'], w['pad'])
        lines.append('| {} ({}) | {} | {} |'.format(name, desc, ' | '.join(cells),
                                                   ' | '.join(ratios)))
    text = '\n'.join(lines) + '\n'
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
