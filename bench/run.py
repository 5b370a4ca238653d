#!/usr/bin/env python
"""Run every benchmark for fastgrad and its peers, then write the report.

    python bench/run.py [--quick] [--peers fastgrad numpy chainer torch]

Sets up one virtual environment per peer under bench/.envs/ (first run only):
  fastgrad  this repository installed with pip (plus matplotlib, threadpoolctl)
  chainer   Python 3.11, numpy==1.26.4, chainer==7.8.1 (it needs numpy<2)
  torch     torch==2.13.0, the CPU wheel on local disk
Each workload of each peer runs in a fresh process; the NumPy floor runs in the fastgrad
environment.  Writes bench/results/raw/*.json, bench/RESULTS.md and PNG plots
in bench/results/.  A peer whose environment cannot be made is reported as
missing, with the reason.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENVS = os.path.join(HERE, '.envs')
OUT = os.path.join(HERE, 'results')
RAW = os.path.join(OUT, 'raw')


def _py(env):
    return os.path.join(ENVS, env, 'bin', 'python')


def _pip(env, *args):
    subprocess.run([_py(env), '-m', 'pip', 'install', '-q'] + list(args), check=True)


def _make_env(env, python=None):
    if not os.path.exists(_py(env)):
        subprocess.run([python or sys.executable, '-m', 'venv', os.path.join(ENVS, env)],
                       check=True)


def setup_fastgrad():
    _make_env('fastgrad')
    _pip('fastgrad', '--upgrade', 'pip')
    _pip('fastgrad', 'matplotlib', 'threadpoolctl', 'scikit-learn')
    # Always reinstall: the benchmark measures the code in this checkout.
    _pip('fastgrad', '--force-reinstall', '--no-deps', ROOT)
    _pip('fastgrad', ROOT)


def setup_chainer():
    python = shutil.which('python3.11') or sys.executable
    _make_env('chainer', python)
    check = subprocess.run([_py('chainer'), '-c', 'import chainer'], capture_output=True)
    if check.returncode:
        _pip('chainer', 'setuptools<70', 'wheel', 'numpy==1.26.4')
        _pip('chainer', '--no-build-isolation', 'chainer==7.8.1')
    _pip('chainer', 'threadpoolctl')


def setup_torch():
    _make_env('torch')
    check = subprocess.run([_py('torch'), '-c', 'import torch'], capture_output=True)
    if check.returncode:
        _pip('torch', 'torch==2.13.0', 'numpy')
    _pip('torch', 'threadpoolctl')


SETUP = {'fastgrad': setup_fastgrad, 'numpy': lambda: None, 'chainer': setup_chainer,
         'torch': setup_torch}
ENV_OF = {'fastgrad': 'fastgrad', 'numpy': 'fastgrad', 'chainer': 'chainer', 'torch': 'torch'}


def bench_env():
    """OpenBLAS: keep OPENBLAS_CORETYPE when set, never OPENBLAS_L2_SIZE."""
    env = dict(os.environ)
    env.pop('OPENBLAS_L2_SIZE', None)
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    return env


WORKLOAD_ORDER = ['per_op', 'small_mlp', 'large_mlp', 'linear', 'wide', 'memory']


def run_peer(peer, quick, workloads):
    """Each workload in a fresh process of the peer's environment, so none runs
    in the wake of another (BLAS threads still spinning, a heap grown by big
    arrays, a GC generation filled by an earlier graph)."""
    os.makedirs(RAW, exist_ok=True)
    out = os.path.join(RAW, '{}.json'.format(peer))
    result = None
    for name in workloads or WORKLOAD_ORDER:
        part = os.path.join(RAW, '{}-{}.json'.format(peer, name))
        cmd = [_py(ENV_OF[peer]), os.path.join(HERE, 'workloads.py'), '--peer', peer,
               '--out', part, '--only', name] + (['--quick'] if quick else [])
        # Run from outside the repo so the installed package is what gets imported.
        subprocess.run(cmd, check=True, env=bench_env(), cwd=ENVS)
        with open(part) as f:
            got = json.load(f)
        os.remove(part)
        if result is None:
            result = got
        else:
            result['workloads'].update(got['workloads'])
    with open(out, 'w') as f:
        json.dump(result, f, indent=1)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='fewer repeats, small shapes')
    parser.add_argument('--peers', nargs='*', default=['fastgrad', 'numpy', 'chainer', 'torch'])
    parser.add_argument('--only', nargs='*', default=None, help='workload names')
    parser.add_argument('--report-only', action='store_true',
                        help='rewrite the report from bench/results/raw')
    args = parser.parse_args()
    results, missing = {}, {}
    if args.report_only:
        for peer in args.peers:
            path = os.path.join(RAW, '{}.json'.format(peer))
            if os.path.exists(path):
                with open(path) as f:
                    results[peer] = json.load(f)
    else:
        os.makedirs(ENVS, exist_ok=True)
        setup_fastgrad()
        for peer in args.peers:
            try:
                SETUP[peer]()
            except subprocess.CalledProcessError as e:
                missing[peer] = 'environment could not be made: {}'.format(e)
                print('!! {}: {}'.format(peer, missing[peer]), file=sys.stderr)
                continue
            t0 = time.perf_counter()
            try:
                results[peer] = run_peer(peer, args.quick, args.only)
            except subprocess.CalledProcessError as e:
                missing[peer] = 'benchmark failed: {}'.format(e)
                print('!! {}: {}'.format(peer, missing[peer]), file=sys.stderr)
                continue
            print('== {} done in {:.0f}s'.format(peer, time.perf_counter() - t0),
                  file=sys.stderr)
    machine = {'platform': platform.platform(), 'processor': _cpu_name(),
               'cpus': os.cpu_count(), 'date': time.strftime('%Y-%m-%d %H:%M'),
               'quick': args.quick, 'openblas_coretype': os.environ.get('OPENBLAS_CORETYPE')}
    if not args.report_only:
        with open(os.path.join(RAW, 'machine.json'), 'w') as f:
            json.dump({'machine': machine, 'missing': missing}, f, indent=1)
    else:
        with open(os.path.join(RAW, 'machine.json')) as f:
            saved = json.load(f)
        machine, missing = saved['machine'], saved['missing']
    subprocess.run([_py('fastgrad'), os.path.join(HERE, 'report.py')], check=True, cwd=ENVS)


def _cpu_name():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == '__main__':
    main()
