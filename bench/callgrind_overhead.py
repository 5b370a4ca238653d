"""Per-op overhead in instructions (callgrind), not seconds: steady on a shared machine.

    python bench/callgrind_overhead.py [--out bench/results/callgrind_overhead.md]
        [--chain-steps LO HI] [--mlp-steps LO HI]

Each workload runs twice under ``valgrind --tool=callgrind`` (LO and HI steps
after 3 warm-up steps, BLAS on one thread); the difference of the two totals
divided by HI - LO cancels start-up and imports.  Workloads are those of
bench/workloads.py: the 100-op chain (``x * 1.0001``, ``tanh``, alternating)
forward and backward on a (1, 8) array, per op; the small MLP step (64-64-64-10,
batch 32, SGD), per step.  The NumPy floor is the same arithmetic by hand.

Instruction counts are not wall time (cache misses and allocation differ), but
they are deterministic, so a change of one percent is visible where the wall
clock of a shared machine varies by more than ten.  Needs valgrind; the
counting runs take a few minutes.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _child(workload, steps):
    """The measured process: build the workload, warm up, run ``steps`` steps."""
    sys.path.insert(0, HERE)
    import numpy as np
    import workloads
    peer_name, kind = workload.split('-')
    peer = workloads.FastgradPeer() if peer_name == 'fastgrad' else workloads.NumpyPeer()
    rng = np.random.RandomState(0)
    if kind == 'chain':
        x = peer.variable(rng.standard_normal((1, 8)).astype(np.float32))

        def step():
            peer.chain_step(x, 100, True)
    else:
        mlp = peer.mlp([64, 64, 64, 10], np.float32)
        xb = rng.standard_normal((32, 64)).astype(np.float32)
        t = rng.randint(0, 10, 32).astype(np.int32)

        def step():
            mlp(xb, t)
    for _ in range(3):
        step()
    for _ in range(steps):
        step()


def _count(valgrind, workload, steps, tmp):
    out = os.path.join(tmp, '{}.{}.out'.format(workload, steps))
    env = dict(os.environ, OPENBLAS_NUM_THREADS='1', OMP_NUM_THREADS='1',
               MKL_NUM_THREADS='1', PYTHONPATH=ROOT)
    proc = subprocess.run(
        [valgrind, '--tool=callgrind', '--callgrind-out-file=' + out, sys.executable,
         os.path.abspath(__file__), '--child', workload, str(steps)],
        cwd=tmp, env=env, capture_output=True, text=True, timeout=3600)
    m = re.search(r'Collected : (\d+)', proc.stderr)
    if proc.returncode != 0 or m is None:
        raise RuntimeError('callgrind run of {} failed:\n{}'.format(workload, proc.stderr[-2000:]))
    return int(m.group(1))


def _per_step(valgrind, workload, lo, hi, tmp):
    return (_count(valgrind, workload, hi, tmp) - _count(valgrind, workload, lo, tmp)) / (hi - lo)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--child', nargs=2, metavar=('WORKLOAD', 'STEPS'), help=argparse.SUPPRESS)
    parser.add_argument('--chain-steps', nargs=2, type=int, default=(20, 120))
    parser.add_argument('--mlp-steps', nargs=2, type=int, default=(20, 220))
    parser.add_argument('--out', default=os.path.join(HERE, 'results', 'callgrind_overhead.md'))
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return 0
    valgrind = shutil.which('valgrind')
    if valgrind is None:
        print('callgrind_overhead: valgrind is not installed; nothing measured')
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        chain = {p: _per_step(valgrind, p + '-chain', *args.chain_steps, tmp) / 100
                 for p in ('fastgrad', 'numpy')}
        mlp = {p: _per_step(valgrind, p + '-mlp', *args.mlp_steps, tmp)
               for p in ('fastgrad', 'numpy')}
    import numpy
    lines = [
        '### Per-op overhead in instructions (callgrind)',
        '',
        '`python bench/callgrind_overhead.py`: instructions counted by callgrind, the '
        'difference of a {}-step and a {}-step run (chain) and of a {}-step and a {}-step '
        'run (MLP) divided by the difference in steps, so start-up cancels; BLAS on one '
        'thread; Python {}, NumPy {}.  The floor is workloads.py\'s NumPy peer (its chain '
        'builds `np.float32(1.0001)` at each op).'.format(
            *args.chain_steps, *args.mlp_steps, sys.version.split()[0], numpy.__version__),
        '',
        '| workload | fastgrad | NumPy floor | fastgrad / NumPy |',
        '|---|---:|---:|---:|',
        '| 100-op chain (x * 1.0001, tanh), fwd+bwd, per op | {:,.0f} | {:,.0f} | {:.2f}x |'
        .format(chain['fastgrad'], chain['numpy'], chain['fastgrad'] / chain['numpy']),
        '| small MLP step (64-64-64-10, batch 32, SGD), per step | {:,.0f} | {:,.0f} | '
        '{:.2f}x |'.format(mlp['fastgrad'], mlp['numpy'], mlp['fastgrad'] / mlp['numpy']),
        '',
    ]
    text = '\n'.join(lines)
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
