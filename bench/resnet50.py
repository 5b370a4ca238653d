"""ResNet-50 forward + backward on a (2, 3, 224, 224) batch on the CPU:
fastgrad's ``L.ResNet50Layers(pretrained_model=None)`` against the same
network written by hand in PyTorch (and Chainer 7.8.1's ResNet50Layers where
its environment exists).

    python bench/resnet50.py [--rounds 2] [--reps 3] [--threads 1 2] [--no-chainer]

Each library runs in its own fresh process (fastgrad in this python, PyTorch
in $TORCH_PYTHON or /work/venvs/torch, Chainer in $CHAINER_PYTHON or
/work/venvs/chainer) with the same thread count (each of ``--threads``).  One step = forward to the
1000 logits in training mode (batch statistics), softmax cross entropy,
backward, gradients cleared.  ``--rounds`` rounds take the libraries in
turn; in each, a fresh process makes one warm-up step and ``--reps`` timed
steps (medians over all timed steps are reported).  Memory: the process's peak resident set (ru_maxrss) and
that peak minus the resident set after building the model and the batch (what
the steps themselves add).  Writes bench/results/resnet50.md.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = (2, 3, 224, 224)


def _rss_mb():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _timed(step, reps):
    """Wall and CPU seconds (all threads of the process) of each step."""
    step()                                   # warm-up
    times, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu


def worker_chainer_like(module_name, reps):
    import numpy as np
    chainer = __import__(module_name)
    F = __import__(module_name + '.functions', fromlist=['x'])
    L = __import__(module_name + '.links', fromlist=['x'])
    np.random.seed(0)
    model = L.ResNet50Layers(pretrained_model=None)
    x = np.random.uniform(-1, 1, BATCH).astype(np.float32)
    t = np.random.randint(0, 1000, BATCH[0]).astype(np.int32)
    base = _rss_mb()

    def step():
        with chainer.using_config('train', True):
            y = model(x, layers=['fc6'])['fc6']
            loss = F.softmax_cross_entropy(y, t)
        model.cleargrads()
        loss.backward()
        assert model.conv1.W.grad is not None

    return _timed(step, reps) + (base,)


def _torch_resnet50(nn):
    """MSRA ResNet-50 as Chainer's ResNet50Layers: stride 2 on the first 1x1
    convolution of each stage's first bottleneck, a projection shortcut
    there, BN eps 2e-5, 3x3/2 max pooling covering all (ceil_mode)."""

    def conv_bn(cin, cout, k, stride, pad):
        return [nn.Conv2d(cin, cout, k, stride, pad, bias=False),
                nn.BatchNorm2d(cout, eps=2e-5)]

    class Bottleneck(nn.Module):
        def __init__(self, cin, mid, cout, stride, project):
            super().__init__()
            self.body = nn.Sequential(
                *conv_bn(cin, mid, 1, stride, 0), nn.ReLU(),
                *conv_bn(mid, mid, 3, 1, 1), nn.ReLU(),
                *conv_bn(mid, cout, 1, 1, 0))
            self.short = nn.Sequential(*conv_bn(cin, cout, 1, stride, 0)) if project else None

        def forward(self, x):
            s = x if self.short is None else self.short(x)
            return (self.body(x) + s).relu()

    layers = [nn.Conv2d(3, 64, 7, 2, 3), nn.BatchNorm2d(64, eps=2e-5), nn.ReLU(),
              nn.MaxPool2d(3, 2, ceil_mode=True)]
    cin = 64
    for n, mid, cout, stride in ((3, 64, 256, 1), (4, 128, 512, 2),
                                 (6, 256, 1024, 2), (3, 512, 2048, 2)):
        layers.append(Bottleneck(cin, mid, cout, stride, True))
        layers += [Bottleneck(cout, mid, cout, 1, False) for _ in range(n - 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000)]
    return nn.Sequential(*layers)


def worker_torch(reps, threads):
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = _torch_resnet50(torch.nn)
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == 25557096, n_params    # the same as Chainer's ResNet50Layers
    model.train()
    x = torch.from_numpy(np.random.RandomState(0).uniform(-1, 1, BATCH).astype(np.float32))
    t = torch.from_numpy(np.random.RandomState(0).randint(0, 1000, BATCH[0]))
    base = _rss_mb()

    def step():
        model.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), t)
        loss.backward()

    return _timed(step, reps) + (base,)


def worker(name, reps, threads):
    if name == 'torch':
        times, cpu, base = worker_torch(reps, threads)
    else:
        times, cpu, base = worker_chainer_like(name, reps)
    print(json.dumps({'times': times, 'cpu': cpu, 'base_mb': base, 'peak_mb': _peak_mb()}))


def _run(python, name, reps, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    repo = os.path.dirname(HERE)
    if name == 'fastgrad':
        env['PYTHONPATH'] = repo + os.pathsep + env.get('PYTHONPATH', '')
    out = subprocess.run([python, os.path.abspath(__file__), '--worker', name,
                          '--reps', str(reps), '--threads', str(threads)],
                         capture_output=True, text=True, env=env, cwd='/tmp', timeout=1800)
    if out.returncode != 0:
        raise RuntimeError('{} worker failed:\n{}'.format(name, out.stderr[-3000:]))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--reps', type=int, default=3)
    p.add_argument('--rounds', type=int, default=2)
    p.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    p.add_argument('--no-chainer', action='store_true')
    p.add_argument('--worker')
    args = p.parse_args()
    if args.worker:
        return worker(args.worker, args.reps, args.threads[0])

    peers = [('fastgrad', sys.executable, 'fastgrad'),
             ('PyTorch (by hand)', os.environ.get('TORCH_PYTHON', '/work/venvs/torch/bin/python'),
              'torch')]
    chainer_py = os.environ.get('CHAINER_PYTHON', '/work/venvs/chainer/bin/python')
    if not args.no_chainer and os.path.exists(chainer_py):
        peers.append(('Chainer 7.8.1', chainer_py, 'chainer'))
    for label, python, _ in peers:
        if not os.path.exists(python):
            print('skipping {}: {} not found'.format(label, python))
    peers = [peer for peer in peers if os.path.exists(peer[1])]
    # Rounds interleave the libraries, so a change in the machine's load
    # during the run does not fall on one of them only.
    results = {(n, label): {'times': [], 'cpu': [], 'peak_mb': 0.0, 'added_mb': 0.0}
               for n in args.threads for label, _, _ in peers}
    for n in args.threads:
        for _ in range(args.rounds):
            for label, python, name in peers:
                r = _run(python, name, args.reps, n)
                acc = results[n, label]
                acc['times'] += r['times']
                acc['cpu'] += r['cpu']
                acc['peak_mb'] = max(acc['peak_mb'], r['peak_mb'])
                acc['added_mb'] = max(acc['added_mb'], r['peak_mb'] - r['base_mb'])
                print('{} thread(s) {:20s} median {:.3f} s (CPU {:.3f} s)  peak RSS {:.0f} MB '
                      '(+{:.0f} over model and batch)'.format(
                          n, label, statistics.median(r['times']),
                          statistics.median(r['cpu']), r['peak_mb'],
                          r['peak_mb'] - r['base_mb']), flush=True)
    for r in results.values():
        r['median'] = statistics.median(r['times'])
        r['median_cpu'] = statistics.median(r['cpu'])

    lines = [
        '# ResNet-50 forward + backward, batch (2, 3, 224, 224), CPU',
        '',
        'Written by `python bench/resnet50.py` ({} rounds taking the libraries in turn, each '
        'a fresh process with one warm-up step and {} timed steps, for each thread count; '
        'medians over all timed steps; {}).'.format(
            args.rounds, args.reps,
            time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())),
        'A step: forward to the logits in training mode, softmax cross entropy, backward. '
        "fastgrad and Chainer run `L.ResNet50Layers(pretrained_model=None)`; PyTorch the "
        'same network (25,557,096 parameters, MSRA stride placement, ceil-mode pooling) '
        'written by hand with `torch.nn` (no torchvision).',
        'Peak RSS is the process high-water mark (interpreter, libraries, model, batch, '
        'steps); "added by the steps" is that peak minus the RSS before the first step.',
        '',
        'CPU is the process time of a step summed over its threads (less sensitive than '
        'the wall time to other jobs on the machine).',
        '',
        '| threads | library | median step, wall (s) | min wall (s) | wall vs PyTorch '
        '| median step, CPU (s) | CPU vs PyTorch | peak RSS (MB) | added by the steps (MB) |',
        '|---|---|---|---|---|---|---|---|---|',
    ]
    for (n, label), r in results.items():
        ref = results.get((n, 'PyTorch (by hand)'))
        ratio = '{:.2f}x'.format(r['median'] / ref['median']) if ref else '-'
        cratio = '{:.2f}x'.format(r['median_cpu'] / ref['median_cpu']) if ref else '-'
        lines.append('| {} | {} | {:.3f} | {:.3f} | {} | {:.3f} | {} | {:.0f} | {:.0f} |'.format(
            n, label, r['median'], min(r['times']), ratio, r['median_cpu'], cratio,
            r['peak_mb'], r['added_mb']))
    lines += ['', 'The machine is shared (2 cores, other jobs running): absolute times move '
              'between runs; compare the ratios within one run. With 2 threads on cores that '
              'are already busy, each library\'s BLAS/OpenMP threads wait on each other and '
              'the CPU time grows well past the 1-thread figure: the 1-thread rows are the '
              'steadier comparison.', '']
    os.makedirs(os.path.join(HERE, 'results'), exist_ok=True)
    with open(os.path.join(HERE, 'results', 'resnet50.md'), 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
