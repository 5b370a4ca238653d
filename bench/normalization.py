"""Batch and group normalization on the CPU, forward + backward (forward only
for inference), each library in its own process on the same data:

* bn_*: L.BatchNormalization in training mode (batch statistics, running
  averages updated), ResNet-50 and CNN sizes and an MLP's (N, C);
* bn_eval: the same link in inference (fixed_batch_normalization), forward;
* gn56 / gn14: L.GroupNormalization with 32 groups at ResNet sizes.

    python bench/normalization.py [--reps 9] [--rounds 3]   # writes bench/results/normalization.md

fastgrad runs twice in this interpreter's environment: with its compiled
loops (the default) and with them off (FASTGRAD_CPU_NORM_KERNELS=0, the
NumPy ops); PyTorch (nn.BatchNorm / nn.GroupNorm, 1 thread) in
$TORCH_PYTHON or /work/venvs/torch; Chainer 7.8.1 in $CHAINER_PYTHON or
/work/venvs/chainer; a missing one is n/a.  Every library gets one thread
(NumPy's ops run on one).  Times are medians of ``--reps`` runs after one
warm-up, in milliseconds; the libraries take turns for ``--rounds`` rounds
and the median round is reported.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TORCH = os.environ.get('TORCH_PYTHON', '/work/venvs/torch/bin/python')
CHAINER = os.environ.get('CHAINER_PYTHON', '/work/venvs/chainer/bin/python')
# (column, python, extra environment)
RUNS = [('fastgrad', sys.executable, {}),
        ('fastgrad, NumPy ops', sys.executable, {'FASTGRAD_CPU_NORM_KERNELS': '0'}),
        ('PyTorch', TORCH, {}),
        ('Chainer 7.8.1', CHAINER, {})]
WORKLOADS = {
    'bn112': dict(kind='bn', x=(2, 64, 112, 112)),
    'bn56': dict(kind='bn', x=(8, 64, 56, 56)),
    'bn14': dict(kind='bn', x=(8, 256, 14, 14)),
    'bn_cnn': dict(kind='bn', x=(128, 32, 28, 28)),
    'bn_mlp': dict(kind='bn', x=(128, 1000)),
    'bn_eval': dict(kind='bn_eval', x=(8, 64, 56, 56)),
    'gn56': dict(kind='gn', x=(8, 64, 56, 56), groups=32),
    'gn14': dict(kind='gn', x=(8, 256, 14, 14), groups=32),
}

# Prints {"workload": median_ms} as JSON; argv: library kind, reps, workloads.
WORKER = r'''
import json, sys, time
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
    x0 = numpy.random.RandomState(0).randn(*w['x']).astype(numpy.float32)
    c = w['x'][1]
    if lib == 'torch':
        import torch
        torch.set_num_threads(1)
        x = torch.tensor(x0, requires_grad=w['kind'] != 'bn_eval')
        if w['kind'] == 'gn':
            layer = torch.nn.GroupNorm(w['groups'], c)
        else:
            layer = (torch.nn.BatchNorm1d if len(w['x']) == 2 else torch.nn.BatchNorm2d)(c)
        if w['kind'] == 'bn_eval':
            layer.eval()

            def step():
                with torch.no_grad():
                    layer(x)
        else:
            def step():
                x.grad = None
                layer.zero_grad()
                layer(x).sum().backward()
    else:
        ch = __import__(lib)
        x = ch.Variable(x0)
        if w['kind'] == 'gn':
            layer = ch.links.GroupNormalization(w['groups'], c)
        else:
            layer = ch.links.BatchNormalization(c)
        if w['kind'] == 'bn_eval':
            def step():
                with ch.using_config('train', False), ch.no_backprop_mode():
                    layer(x)
        else:
            def step():
                x.cleargrad()
                layer.cleargrads()
                ch.functions.sum(layer(x)).backward()
    out[name] = median_ms(step)
print(json.dumps(out))
'''


def run(label, py, extra, reps):
    if not os.path.exists(py):
        return None
    lib = 'torch' if label == 'PyTorch' else 'chainer' if label.startswith('Chainer') \
        else 'fastgrad'
    env = dict(os.environ, PYTHONPATH=ROOT if lib == 'fastgrad' else '',
               OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1', MKL_NUM_THREADS='1', **extra)
    proc = subprocess.run([py, '-c', WORKER, lib, str(reps), json.dumps(WORKLOADS)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        print('{} failed:\n{}'.format(label, proc.stderr[-2000:]), file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cell(v, fmt='{:.2f}'):
    return 'n/a' if v is None else fmt.format(v)


def _describe(w):
    what = {'bn': 'BatchNormalization, training, fwd+bwd',
            'bn_eval': 'BatchNormalization, inference, fwd',
            'gn': 'GroupNormalization, {} groups, fwd+bwd'.format(w.get('groups'))}[w['kind']]
    return '{} x {}'.format(what, tuple(w['x']))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--reps', type=int, default=9)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--out', default=os.path.join(HERE, 'results', 'normalization.md'))
    args = parser.parse_args()
    # the libraries take turns (the machine's load drifts); each reports the
    # median of its rounds' medians
    rounds = [{label: run(label, py, extra, args.reps) for label, py, extra in RUNS}
              for _ in range(args.rounds)]
    res = {}
    for label, _, _ in RUNS:
        got = [r[label] for r in rounds if r[label]]
        res[label] = {name: sorted(g[name] for g in got)[len(got) // 2]
                      for name in WORKLOADS} if got else None

    def get(label, name):
        return res[label][name] if res[label] else None
    labels = [label for label, _, _ in RUNS]
    lines = ['# Batch and group normalization: CPU, float32, one thread', '',
             'Median over {} rounds of the median of {} runs after a warm-up, ms; ratio = '
             'fastgrad / other (below 1: fastgrad faster). "NumPy ops" is fastgrad with '
             'its compiled normalization loops off (`FASTGRAD_CPU_NORM_KERNELS=0`), the '
             'code before them. PyTorch: nn.BatchNorm1d/2d, nn.GroupNorm. '
             '`python bench/normalization.py`.'.format(args.rounds, args.reps), '',
             '| workload | what | ' + ' | '.join(labels) + ' | vs NumPy ops | vs PyTorch '
             '| vs Chainer |', '|---|---|' + '---|' * (len(labels) + 3)]
    for name, w in WORKLOADS.items():
        f = get('fastgrad', name)
        ratios = [_cell(None if f is None or get(other, name) is None
                        else f / get(other, name), '{:.2f}x') for other in labels[1:]]
        lines.append('| {} | {} | {} | {} |'.format(
            name, _describe(w), ' | '.join(_cell(get(label, name)) for label in labels),
            ' | '.join(ratios)))
    lines += ['', 'The compiled loops (`fastgrad/_core/norm_kernels.h`) read a channel '
              '(batch normalization) or a sample\'s group (group normalization) from memory '
              'once and again from cache: one pass over x and one write of y forward, one '
              'pass over x and gy and one write of gx backward, where the NumPy ops make '
              'about eight and twelve. The 2-core machine is shared, so single runs vary; '
              'compare ratios within one run.']
    text = '\n'.join(lines) + '\n'
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
