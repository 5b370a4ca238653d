#!/usr/bin/env python
"""Run Chainer 7.8.1's own ChainerMN tests against fastgrad.chainermn through
the ``chainer``/``chainermn`` alias and report pass counts per directory, for
one process and for ``mpiexec -n 2`` (as Chainer's CI runs them).

    python tools/chainermn_compat.py --chainer-src /work/chainer-src
        [--only communicator_tests] [--nprocs 1 2] [--timeout 240]
        [--test-timeout 60] [--out bench/chainermn_compat.md]

The tests run from a scratch folder outside the project (nothing of Chainer
is copied into fastgrad): a conftest.py there installs the alias before the
test modules import ``chainer`` or ``chainermn``.  CPU tests only: Chainer's
ChainerMN tests mark GPU (and with it every NCCL) test ``gpu`` and the long
ones ``slow``; both marks are deselected.  Every run has a wall-clock limit
per directory and, through pytest-timeout, per test (MPI tests can hang when
the ranks disagree)."""
import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time

from _compat_report import CONFTEST, KEYS, count_junit, table, write_report

MARKS = 'not gpu and not slow'
# Under mpiexec every rank runs pytest; each writes its own junit file.
# The guard matters: Chainer's conftest makes multiprocessing start children
# through a forkserver, which imports the main script again; without it each
# such child ran the whole test session once more.
RANK_RUNNER = '''\
import os
import sys

import pytest

if __name__ == '__main__':
    rank = os.environ.get('PMI_RANK') or os.environ.get('OMPI_COMM_WORLD_RANK') or '0'
    xml = sys.argv[1] + '.rank' + rank
    sys.exit(pytest.main(['--junitxml', xml] + sys.argv[2:]))
'''


def _units(tests_root, only):
    names = sorted(n for n in os.listdir(tests_root)
                   if (n.endswith('_tests') and os.path.isdir(os.path.join(tests_root, n)))
                   or (n.startswith('test_') and n.endswith('.py')))
    if only:
        names = [n for n in names if n in only]
    return names


def _run(args, work, unit, nprocs):
    xml = os.path.join(work, '{}.n{}.xml'.format(unit.replace('/', '__'), nprocs))
    pytest_args = ['-q', '-p', 'no:cacheprovider', '-m', MARKS,
                   '--continue-on-collection-errors',
                   '--timeout', str(args.test_timeout), '--timeout-method', 'signal',
                   os.path.join('chainermn_tests', unit)]
    if nprocs == 1:
        cmd = [args.python, 'rank_runner.py', xml] + pytest_args
    else:
        cmd = [args.mpiexec, '-n', str(nprocs), args.python, 'rank_runner.py', xml] + pytest_args
    start = time.time()
    note = ''
    data = os.path.join(work, 'data')      # small synthetic MNIST (see main)
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True,
                            env=dict(os.environ, MPLBACKEND='Agg', FASTGRAD_DATASET_ROOT=data,
                                     CHAINER_DATASET_ROOT=data))
    try:
        proc.wait(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        note = 'timed out after {} s'.format(args.timeout)
        os.killpg(proc.pid, 9)
        proc.wait()
    per_rank = []
    for rank in range(nprocs):
        counts, failing = count_junit(xml + '.rank{}'.format(rank))
        if counts is None:
            note = note or 'no report from rank {}'.format(rank)
            counts = dict.fromkeys(KEYS, 0)
        per_rank.append((counts, failing))
    return per_rank, time.time() - start, note


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--chainer-src', required=True)
    p.add_argument('--python', default=sys.executable)
    p.add_argument('--mpiexec', default='mpiexec')
    p.add_argument('--only', nargs='*')
    p.add_argument('--nprocs', nargs='*', type=int, default=[1, 2])
    p.add_argument('--timeout', type=int, default=240, help='seconds per directory')
    p.add_argument('--test-timeout', type=int, default=60, help='seconds per test')
    p.add_argument('--out', default=None)
    p.add_argument('--list-failing', action='store_true',
                   help='print the failing tests of rank 0')
    args = p.parse_args()

    src = os.path.join(os.path.abspath(args.chainer_src), 'tests', 'chainermn_tests')
    work = tempfile.mkdtemp(prefix='chainermn-compat-')
    shutil.copytree(src, os.path.join(work, 'chainermn_tests'))
    with open(os.path.join(work, 'conftest.py'), 'w') as f:
        f.write(CONFTEST)
    with open(os.path.join(work, 'rank_runner.py'), 'w') as f:
        f.write(RANK_RUNNER)
    # Tests that train on MNIST call get_mnist() on rank 0 only; fastgrad never
    # downloads, so without data rank 0 failed there and rank 1 waited for ever
    # in scatter_dataset.  The examples tool's synthetic data sets stand in.
    from chainer_examples import make_datasets
    make_datasets(os.path.join(work, 'data'))
    import fastgrad
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True,
                            text=True, cwd=os.path.dirname(os.path.dirname(fastgrad.__file__))
                            ).stdout.strip() or 'unknown'
    out = ['# Chainer 7.8.1 ChainerMN tests against fastgrad.chainermn', '',
           'Run {} UTC on fastgrad commit `{}` by `tools/chainermn_compat.py`; '
           'marks deselected: `{}`; CPU only; per-test timeout {} s.  Under '
           '`mpiexec -n 2` the counts are rank 0\'s; a rank 1 that differs is '
           'noted.'.format(datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M'),
                           commit, MARKS, args.test_timeout), '']
    for nprocs in args.nprocs:
        rows = []
        out += ['## {} process{}'.format(nprocs, 'es' if nprocs > 1 else ''), '']
        for unit in _units(src, args.only):
            per_rank, secs, note = _run(args, work, unit, nprocs)
            counts, failing = per_rank[0]
            for rank, (c, _) in enumerate(per_rank[1:], 1):
                if c != counts:
                    note += ' rank {}: {passed}/{failed}/{errors}/{skipped}'.format(rank, **c)
            rows.append((unit, counts, secs, note.strip()))
            print('n={} {:30s} {passed:5d} passed {failed:5d} failed {errors:4d} errors '
                  '{skipped:5d} skipped {:6.0f} s {}'.format(nprocs, unit, secs, note,
                                                             **counts), flush=True)
            if args.list_failing:
                for name in failing:
                    print('    FAIL', name, flush=True)
        out += table(rows, note_column=True)
        out.append('')
    write_report('\n'.join(out), args.out)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
