"""fastgrad against an earlier fastgrad commit, interleaved: did a change step back?

    python bench/ab.py --base COMMIT [--rounds 5] [--only per_op small_mlp ...]
    python bench/ab.py --report-only

``run.py`` runs each peer's workloads one after another, so a machine that gets
busier halfway (a shared 2-core VM) can move one peer's figures and not the
other's.  Here every round runs each workload of ``bench/workloads.py`` in a
fresh process for three peers back to back, in a rotating order: the base
commit's fastgrad, this checkout's fastgrad, and the NumPy floor.  A figure is
the median over rounds of each process's median, so a disturbance that hits
one round moves every peer alike or drops out.

The base commit is built from ``git archive`` into its own environment under
``bench/.envs/`` (once per commit); this checkout is reinstalled each run, as in
``run.py``.  Output: ``results/ab.md`` (part of RESULTS.md's section 7) and
``results/raw/ab.json``.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import run

WORKLOADS = ['per_op', 'small_mlp', 'large_mlp', 'linear', 'wide', 'memory']


def setup_base(commit):
    """An environment with fastgrad as of ``commit``: its name under .envs."""
    sha = subprocess.run(['git', 'rev-parse', '--short=10', commit], cwd=run.ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    env = 'fastgrad-' + sha
    if os.path.exists(os.path.join(run.ENVS, env, '.installed')):
        return env, sha
    run._make_env(env)
    run._pip(env, '--upgrade', 'pip')
    run._pip(env, 'threadpoolctl')
    src = tempfile.mkdtemp(prefix='fastgrad-base-')
    try:
        archive = subprocess.run(['git', 'archive', sha], cwd=run.ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(['tar', '-x', '-C', src], input=archive, check=True)
        run._pip(env, src)
    finally:
        shutil.rmtree(src, ignore_errors=True)
    open(os.path.join(run.ENVS, env, '.installed'), 'w').close()
    return env, sha


def figures(workloads):
    """{'per_op fwd+bwd': value, ...}: every median (µs or ms, as workloads.py
    reports it) and the peak RSS of the memory workload (MB)."""
    out = {}
    for name, w in workloads.items():
        for key, stats in w.items():
            if isinstance(stats, dict) and 'median' in stats:
                out['{} {}'.format(name, key)] = stats['median']
        if 'peak_rss_mb' in w:
            out['{} peak RSS MB'.format(name)] = w['peak_rss_mb']
    return out


def run_once(env, peer, workload):
    out = os.path.join(run.RAW, 'ab-{}-{}.json'.format(peer, workload))
    cmd = [run._py(env), os.path.join(run.HERE, 'workloads.py'), '--peer', peer,
           '--out', out, '--only', workload]
    subprocess.run(cmd, check=True, env=run.bench_env(), cwd=run.ENVS,
                   stdout=subprocess.DEVNULL)
    with open(out) as f:
        got = json.load(f)
    os.remove(out)
    return figures(got['workloads'])


def table(rows):
    """Rows of (figure, base samples, new samples, floor samples or None)."""
    md = ['| figure | base | this checkout | NumPy floor | this / base | this / floor | '
          'worse by > 5%? | base, rounds | this checkout, rounds |',
          '|---|---|---|---|---|---|---|---|---|']
    for name, base, new, floor in rows:
        b, n = statistics.median(base), statistics.median(new)
        f = statistics.median(floor) if floor else None
        ratio = n / b if b else float('nan')
        md.append('| {} | {:.4g} | {:.4g} | {} | {:.3f} | {} | {} | {} | {} |'.format(
            name, b, n, '{:.4g}'.format(f) if f is not None else '', ratio,
            '{:.2f}×'.format(n / f) if f else '', 'yes' if ratio > 1.05 else 'no',
            _spread(base), _spread(new)))
    return md


def _spread(samples):
    return '{:.4g}–{:.4g}'.format(min(samples), max(samples))


def report(samples, sha, head, rounds, seconds, date):
    rows = [(k, samples['base'][k], samples['new'][k], samples['floor'].get(k))
            for k in samples['new'] if k in samples['base']]
    md = ['# fastgrad against an earlier commit, interleaved', '',
          '`python bench/ab.py --base {}` on {} ({} rounds, {:.0f} s): fastgrad at {} '
          '(base) and at {} (this checkout, with any uncommitted changes) and the NumPy '
          'floor, each workload in a fresh process, the three back to back in a rotating '
          "order; each figure is the median over rounds of every process's median "
          '(µs for per_op, small_mlp and wide, ms for large_mlp and linear, MB for '
          'memory); the last two columns are the lowest and highest round, the '
          "machine's noise.".format(sha, date, rounds, seconds, sha, head), '']
    return '\n'.join(md + table(rows)) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--base', help='the earlier commit (required unless --report-only)')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--only', nargs='*', default=WORKLOADS)
    parser.add_argument('--report-only', action='store_true',
                        help='rewrite results/ab.md from results/raw/ab.json')
    args = parser.parse_args()
    if args.report_only:
        with open(os.path.join(run.RAW, 'ab.json')) as f:
            d = json.load(f)
        write(d['samples'], d['base'], d['head'], d['rounds'], d.get('seconds', 0),
              d.get('date', ''))
        return
    if not args.base:
        parser.error('--base is required')
    os.makedirs(run.RAW, exist_ok=True)
    run.setup_fastgrad()
    base_env, sha = setup_base(args.base)
    peers = [('base', base_env, 'fastgrad'), ('new', 'fastgrad', 'fastgrad'),
             ('floor', 'fastgrad', 'numpy')]
    samples = {p[0]: {} for p in peers}
    t0 = time.perf_counter()
    for r in range(args.rounds):
        for workload in args.only:
            order = peers[r % 3:] + peers[:r % 3]
            for label, env, peer in order:
                for k, v in run_once(env, peer, workload).items():
                    samples[label].setdefault(k, []).append(v)
        print('== round {} done at {:.0f}s'.format(r + 1, time.perf_counter() - t0),
              file=sys.stderr)
    head = subprocess.run(['git', 'rev-parse', '--short=10', 'HEAD'], cwd=run.ROOT,
                          capture_output=True, text=True).stdout.strip()
    seconds, date = time.perf_counter() - t0, time.strftime('%Y-%m-%d %H:%M')
    with open(os.path.join(run.RAW, 'ab.json'), 'w') as f:
        json.dump({'base': sha, 'head': head, 'rounds': args.rounds, 'seconds': seconds,
                   'date': date, 'samples': samples}, f, indent=1)
    write(samples, sha, head, args.rounds, seconds, date)


def write(samples, sha, head, rounds, seconds, date):
    text = report(samples, sha, head, rounds, seconds, date)
    with open(os.path.join(run.OUT, 'ab.md'), 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
