#!/usr/bin/env python
"""Run Chainer 7.8.1's own unit tests against fastgrad through the
``chainer`` alias and report pass counts per directory.

    python tools/chainer_compat.py --chainer-src ~/chainer   # a v7.8.1 checkout
        [--only functions_tests links_tests] [--timeout 1200] [--out report.md]

The tests run from a scratch folder outside the project (nothing of Chainer
is copied into fastgrad): a conftest.py there installs the alias before
Chainer's test modules import ``chainer``.  CPU tests only: the marks gpu,
cudnn, ideep, chainerx, multi_gpu and slow are deselected."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

from _compat_report import CONFTEST, KEYS, count_junit, table, write_report

MARKS = 'not gpu and not cudnn and not ideep and not chainerx and not multi_gpu and not slow'


def _units(tests_root, only):
    """The directories and top-level test files of chainer_tests; a
    directory made of sub-directories of tests (functions_tests,
    links_tests) is split into those, plus its own test files."""
    names = sorted(n for n in os.listdir(tests_root)
                   if n.endswith('_tests') or (n.startswith('test_') and n.endswith('.py')))
    if only:
        names = [n for n in names if n in only or n.split('/')[0] in only]
    units = []
    for n in names:
        path = os.path.join(tests_root, n)
        subdirs = sorted(s for s in os.listdir(path) if s.endswith('_tests')) \
            if os.path.isdir(path) else []
        if subdirs:
            units += [n + '/' + s for s in subdirs]
            units += [n + '/' + f for f in sorted(os.listdir(path))
                      if f.startswith('test_') and f.endswith('.py')]
        else:
            units.append(n)
    return units


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--chainer-src', required=True)
    p.add_argument('--python', default=sys.executable)
    p.add_argument('--only', nargs='*')
    p.add_argument('--timeout', type=int, default=1800, help='seconds per directory')
    p.add_argument('--out', default=None)
    args = p.parse_args()

    src = os.path.join(os.path.abspath(args.chainer_src), 'tests', 'chainer_tests')
    work = tempfile.mkdtemp(prefix='chainer-compat-')
    shutil.copytree(src, os.path.join(work, 'chainer_tests'))
    with open(os.path.join(work, 'conftest.py'), 'w') as f:
        f.write(CONFTEST)
    rows = []
    for unit in _units(src, args.only):
        xml = os.path.join(work, unit.replace('/', '__') + '.xml')
        start = time.time()
        cmd = [args.python, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-m', MARKS,
               '--continue-on-collection-errors',
               '--junitxml', xml, os.path.join('chainer_tests', unit)]
        try:
            subprocess.run(cmd, cwd=work, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=args.timeout,
                           env=dict(os.environ, MPLBACKEND='Agg'))
            note = ''
        except subprocess.TimeoutExpired:
            note = 'timed out after {} s'.format(args.timeout)
        counts = count_junit(xml)[0] or dict.fromkeys(KEYS, 0)
        rows.append((unit, counts, time.time() - start, note))
        print('{:40s} {passed:6d} passed {failed:6d} failed {errors:5d} errors '
              '{skipped:6d} skipped  {:6.0f} s {}'.format(unit, rows[-1][2], note, **counts),
              flush=True)
    report = '\n'.join(table(rows, first='directory / file')) + '\n'
    write_report(report, args.out)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
