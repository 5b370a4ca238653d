"""fastgrad's own compiled loops on 1 and more threads, beside PyTorch on as
many: the ops whose non-GEMM work runs in fastgrad/_core (batch and group
normalization, im2col/col2im around a 3x3 convolution's GEMMs, the depthwise
convolution), forward + backward, float32.

    python bench/threads.py [--threads 1 2] [--reps 9] [--rounds 3]   # writes bench/results/threads.md

Each library runs in its own process per thread count, with OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS set to it (fastgrad reads its count
from OMP_NUM_THREADS; PyTorch gets torch.set_num_threads).  Times are medians
of ``--reps`` steps after a warm-up; the libraries take turns for
``--rounds`` rounds and the median round is reported.  A 3x3 convolution's
time is mostly OpenBLAS's GEMM; the others are fastgrad's loops alone.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TORCH = os.environ.get('TORCH_PYTHON', '/work/venvs/torch/bin/python')
WORKLOADS = {
    'bn56': dict(kind='bn', x=(8, 64, 56, 56)),
    'gn56': dict(kind='gn', x=(8, 64, 56, 56), groups=32),
    'conv3x3': dict(kind='conv', x=(8, 64, 56, 56), W=(64, 64, 3, 3)),
    'depthwise': dict(kind='depthwise', x=(8, 64, 56, 56), W=(64, 1, 3, 3)),
    'depthwise_s2': dict(kind='depthwise', x=(8, 128, 56, 56), W=(128, 1, 3, 3), stride=2),
}

# Prints {"workload": median_ms} as JSON; argv: library, reps, workloads.
WORKER = r'''
import json, os, sys, time
import numpy
lib, reps, workloads = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])


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
    rng = numpy.random.RandomState(0)
    x0 = rng.randn(*w['x']).astype(numpy.float32)
    W0 = rng.randn(*w['W']).astype(numpy.float32) * 0.1 if 'W' in w else None
    c, stride = w['x'][1], w.get('stride', 1)
    if lib == 'torch':
        import torch
        torch.set_num_threads(int(os.environ['OMP_NUM_THREADS']))
        x = torch.tensor(x0, requires_grad=True)
        if w['kind'] == 'gn':
            layer = torch.nn.GroupNorm(w['groups'], c)
        elif w['kind'] == 'bn':
            layer = torch.nn.BatchNorm2d(c)
        else:
            groups = c if w['kind'] == 'depthwise' else 1
            layer = torch.nn.Conv2d(c, w['W'][0], 3, stride=stride, padding=1, groups=groups)
            with torch.no_grad():
                layer.weight.copy_(torch.tensor(W0))

        def step():
            x.grad = None
            layer.zero_grad()
            layer(x).sum().backward()
    else:
        import fastgrad as ch
        x = ch.Variable(x0)
        if w['kind'] == 'gn':
            layer = ch.links.GroupNormalization(w['groups'], c)
        elif w['kind'] == 'bn':
            layer = ch.links.BatchNormalization(c)
        elif w['kind'] == 'depthwise':
            layer = ch.links.DepthwiseConvolution2D(c, 1, 3, stride=stride, pad=1,
                                                    initialW=W0.reshape(1, c, 3, 3))
        else:
            layer = ch.links.Convolution2D(c, w['W'][0], 3, stride=stride, pad=1, initialW=W0)

        def step():
            x.cleargrad()
            layer.cleargrads()
            ch.functions.sum(layer(x)).backward()
    out[name] = median_ms(step)
print(json.dumps(out))
'''


def run(lib, threads, reps):
    py = TORCH if lib == 'torch' else sys.executable
    if not os.path.exists(py):
        return None
    n = str(threads)
    env = dict(os.environ, PYTHONPATH=ROOT if lib == 'fastgrad' else '',
               OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n, MKL_NUM_THREADS=n)
    env.pop('FASTGRAD_NUM_THREADS', None)
    proc = subprocess.run([py, '-c', WORKER, lib, str(reps), json.dumps(WORKLOADS)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        print('{} failed:\n{}'.format(lib, proc.stderr[-2000:]), file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _describe(w):
    what = {'bn': 'BatchNormalization (training)',
            'gn': 'GroupNormalization, {} groups'.format(w.get('groups')),
            'conv': 'Convolution2D 3x3 pad 1, W {}'.format(tuple(w.get('W', ()))),
            'depthwise': 'depthwise 3x3 pad 1 stride {}'.format(w.get('stride', 1))}[w['kind']]
    return '{}, x {}'.format(what, tuple(w['x']))


def _ms(v):
    return 'n/a' if v is None else '{:.2f}'.format(v)


def _ratio(a, b):
    return 'n/a' if a is None or b is None else '{:.2f}x'.format(a / b)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--reps', type=int, default=9)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--out', default=os.path.join(HERE, 'results', 'threads.md'))
    args = parser.parse_args()
    rounds = {(lib, n): [] for lib in ('fastgrad', 'torch') for n in args.threads}
    for r in range(args.rounds):
        for n in args.threads:
            for lib in ('fastgrad', 'torch'):
                res = run(lib, n, args.reps)
                if res is not None:
                    rounds[(lib, n)].append(res)
        print('round {} done'.format(r + 1), file=sys.stderr)

    def median(lib, n, name):
        vals = sorted(res[name] for res in rounds[(lib, n)])
        return vals[len(vals) // 2] if vals else None

    first = args.threads[0]
    lines = ['# fastgrad\'s compiled loops on several threads, CPU', '',
             'Forward + backward, float32, ms: median over {} rounds of the median of {} steps; '
             'each library in its own process per thread count (`python bench/threads.py`). '
             '"speed-up" is fastgrad\'s time on {} thread(s) over its time on n; '
             '"vs PyTorch" is fastgrad / PyTorch at the same n (below 1: fastgrad faster).'
             .format(args.rounds, args.reps, first), '',
             '| workload | threads | fastgrad | PyTorch | vs PyTorch | fastgrad speed-up |',
             '|---|---:|---:|---:|---:|---:|']
    for name, w in WORKLOADS.items():
        for n in args.threads:
            f, t = median('fastgrad', n, name), median('torch', n, name)
            base = median('fastgrad', first, name)
            lines.append('| {} | {} | {} | {} | {} | {} |'.format(
                _describe(w) if n == first else '', n, _ms(f), _ms(t), _ratio(f, t),
                _ratio(base, f)))
    timeout = os.environ.get('OPENBLAS_THREAD_TIMEOUT')
    lines += ['', 'The machine is shared (its cores may be busy with other jobs): compare '
              'within a run.  OpenBLAS\'s idle GEMM threads spin before they sleep '
              '(OPENBLAS_THREAD_TIMEOUT {}), on the cores fastgrad\'s loops would use '
              'next: the workloads run in the order of the table, so the first depthwise '
              'one runs within that spin after the 3x3 convolution\'s GEMMs.'
              .format('= {}: 2**{} cycles'.format(timeout, timeout) if timeout
                      else 'unset: 2**28 cycles, about 0.1 s')]
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
