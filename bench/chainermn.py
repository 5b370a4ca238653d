"""Data-parallel training over MPI (``fastgrad.chainermn``), on this machine.

    python bench/chainermn.py [--reps 7] [--steps 20]

Starts its own ``mpiexec`` runs (loopback, one process per rank, one thread
each) and writes bench/results/chainermn.md:

(a) the all-reduce of a ResNet-50-sized gradient set (the float32 gradients of
    ``L.ResNet50Layers``: 162 arrays, 25,557,096 values) at 2 ranks: the flat
    communicator's ``multi_node_mean_grad`` against one raw mpi4py
    ``Allreduce`` of the same bytes (out of place and in place) and the naive
    communicator (one call per parameter); medians;
(b) the step time of the MLP 784-1000-1000-10 (batch 100 per rank, MomentumSGD)
    at 1 and 2 ranks: plain, ``overlap=True`` and ``double_buffering=True``;
(c) a ring all-reduce cost model fitted to raw all-reduces of 8 B to 128 MB
    here, and the efficiency it predicts for ResNet-50 on 8 to 64 nodes.
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
N_PARAMS = 25557096
NET_BANDWIDTH = 100e9 / 8          # the stated inter-node network: 100 Gb/s ...
NET_LATENCY = 5e-6                 # ... and 5 us per message
BATCH_PER_NODE = 32


def _emit(comm, result):
    if comm.rank == 0:
        print('RESULT ' + json.dumps(result))
        sys.stdout.flush()


def _timed(comm, fn, reps, before=None):
    """Median wall seconds of ``fn`` over ``reps`` calls (after one warm-up),
    each started together on all ranks; the slowest rank's time counts."""
    times = []
    for k in range(reps + 1):
        if before is not None:
            before()
        comm.mpi_comm.Barrier()
        t0 = time.perf_counter()
        fn()
        t = comm.mpi_comm.allreduce(time.perf_counter() - t0, op=_mpi().MAX)
        if k:
            times.append(t)
    return statistics.median(times)


def _mpi():
    from mpi4py import MPI
    return MPI


def worker_allreduce(reps):
    import numpy

    import fastgrad.links as L
    from fastgrad import chainermn
    MPI = _mpi()
    flat = chainermn.create_communicator('flat')
    naive = chainermn.create_communicator('naive')
    model = L.ResNet50Layers(pretrained_model=None)
    params = list(model.params())
    rng = numpy.random.RandomState(flat.rank)
    grads = [rng.standard_normal(p.shape).astype(numpy.float32) for p in params]

    def fresh_grads():                     # as a backward leaves them: separate arrays
        for p, g in zip(params, grads):
            p.grad = g

    n = sum(g.size for g in grads)
    assert n == N_PARAMS, n
    send = numpy.concatenate([g.ravel() for g in grads])
    recv = numpy.empty_like(send)
    out = {'n_arrays': len(params), 'n_values': n, 'bytes': send.nbytes}
    variants = {
        'raw': (flat, lambda: flat.mpi_comm.Allreduce(send, recv), None),
        'raw_in_place': (flat, lambda: flat.mpi_comm.Allreduce(MPI.IN_PLACE, recv), None),
        'flat': (flat, lambda: flat.multi_node_mean_grad(model), fresh_grads),
        'naive': (naive, lambda: naive.multi_node_mean_grad(model), fresh_grads)}
    times = {k: [] for k in variants}
    for _ in range(reps):               # interleaved: the machine's load hits all alike
        for key, (comm, fn, before) in variants.items():
            times[key].append(_timed(comm, fn, 1, before))
    out.update({k: statistics.median(v) for k, v in times.items()})
    # the result is the mean (checked once, on fresh gradients)
    fresh_grads()
    flat.multi_node_mean_grad(model)
    total = numpy.empty_like(send)
    flat.mpi_comm.Allreduce(send, total)
    numpy.testing.assert_allclose(params[0].grad.ravel(), total[:grads[0].size] / flat.size,
                                  rtol=1e-6)
    _emit(flat, out)


def worker_sizes(reps):
    import numpy

    from fastgrad import chainermn
    MPI = _mpi()
    comm = chainermn.create_communicator('flat')
    out = []
    for log2 in range(3, 28, 2):           # 8 B ... 128 MB
        buf = numpy.ones(2 ** log2 // 4 or 1, numpy.float32)
        inner = max(1, min(200, 2 ** 22 // buf.nbytes))    # repeat the small ones

        def many():
            for _ in range(inner):
                comm.mpi_comm.Allreduce(MPI.IN_PLACE, buf)
        out.append((buf.nbytes, _timed(comm, many, reps) / inner))
    _emit(comm, {'sizes': out})


def worker_mlp(steps, modes):
    import numpy

    import fastgrad
    import fastgrad.functions as F
    import fastgrad.links as L
    from fastgrad import chainermn
    comm = chainermn.create_communicator('flat')
    rng = numpy.random.RandomState(comm.rank)
    x = rng.standard_normal((100, 784)).astype(numpy.float32)
    t = rng.randint(0, 10, 100).astype(numpy.int32)
    result = {}
    for mode in modes:
        numpy.random.seed(0)
        mlp = fastgrad.Sequential(L.Linear(784, 1000), F.relu, L.Linear(1000, 1000),
                                  F.relu, L.Linear(1000, 10))
        model = L.Classifier(mlp)
        if mode == 'single':                        # no communicator at all
            opt = fastgrad.optimizers.MomentumSGD(lr=0.01).setup(model)
        else:
            kw = {'plain': {}, 'double_buffering': {'double_buffering': True},
                  'overlap': {'overlap': True, 'bucket_size': 2 ** 20}}[mode]
            opt = chainermn.create_multi_node_optimizer(
                fastgrad.optimizers.MomentumSGD(lr=0.01), comm, **kw).setup(model)
        for _ in range(3):
            opt.update(model, x, t)
        times = []
        for _ in range(steps):
            comm.mpi_comm.Barrier()
            t0 = time.perf_counter()
            opt.update(model, x, t)
            times.append(time.perf_counter() - t0)
        times = comm.mpi_comm.allgather(statistics.median(times))
        entry = {'median': max(times)}
        if mode == 'overlap':
            entry['stats'] = dict(opt.overlap_stats)
        if hasattr(opt, 'close'):
            opt.close()
        result[mode] = entry
    _emit(comm, {'size': comm.size, 'modes': result})


def worker_compute(reps):
    import numpy

    import fastgrad.functions as F
    import fastgrad.links as L
    from fastgrad import chainermn
    comm = chainermn.create_communicator('flat')
    numpy.random.seed(0)
    model = L.ResNet50Layers(pretrained_model=None)
    x = numpy.random.uniform(-1, 1, (2, 3, 224, 224)).astype(numpy.float32)
    t = numpy.random.randint(0, 1000, 2).astype(numpy.int32)

    def step():
        model.cleargrads()
        F.softmax_cross_entropy(model(x, layers=['fc6'])['fc6'], t).backward()
    step()
    wall, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    _emit(comm, {'batch': 2, 'wall': statistics.median(wall), 'cpu': statistics.median(cpu)})


# -- driver ----------------------------------------------------------------------------


def _mpiexec():
    local = os.path.join(os.path.dirname(sys.executable), 'mpiexec')
    return local if os.path.exists(local) else shutil.which('mpiexec')


def _run(n, args, timeout=1200):
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1',
               PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    cmd = [_mpiexec(), '-n', str(n), sys.executable, os.path.abspath(__file__),
           '--worker'] + [str(a) for a in args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                         cwd=tempfile.gettempdir())
    if out.returncode != 0:
        raise RuntimeError('{} failed:\n{}'.format(' '.join(cmd), out.stderr[-3000:]))
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith('RESULT ')]
    return json.loads(lines[-1][len('RESULT '):])


def fit_ring(sizes):
    """The ring model at N = 2, t = bytes x beta + 2 x alpha, fitted in its
    two regimes: beta by least squares over the sizes of 1 MB and more (where
    bytes dominate), then alpha as the median of (t - bytes x beta) / 2 over
    the sizes of 8 kB and less (where the latency dominates)."""
    import numpy
    b = numpy.array([s for s, _ in sizes], float)
    t = numpy.array([v for _, v in sizes], float)
    big, small = b >= 2 ** 20, b <= 2 ** 13
    beta, c = numpy.polyfit(b[big], t[big], 1)
    alpha = float(numpy.median((t[small] - b[small] * beta) / 2))
    return float(beta), alpha


def ring_time(nbytes, n, beta, alpha):
    return 2.0 * (n - 1) / n * nbytes * beta + 2.0 * (n - 1) * alpha


def _fmt_bytes(b):
    for unit, div in (('MB', 2 ** 20), ('kB', 2 ** 10)):
        if b >= div:
            return '{:g} {}'.format(b / div, unit)
    return '{} B'.format(b)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--reps', type=int, default=7)
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--worker', nargs='+')
    a = p.parse_args()
    if a.worker:
        kind, rest = a.worker[0], a.worker[1:]
        if kind == 'mlp':
            return worker_mlp(int(rest[0]), rest[1:])
        return {'allreduce': worker_allreduce, 'sizes': worker_sizes,
                'compute': worker_compute}[kind](int(rest[0]))
    if _mpiexec() is None:
        sys.exit('bench/chainermn.py: needs mpiexec (pip install mpi4py mpich)')
    started = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    load0 = os.getloadavg()
    ar = _run(2, ['allreduce', a.reps])
    sizes = _run(2, ['sizes', a.reps])['sizes']
    mlp1 = _run(1, ['mlp', a.steps, 'single', 'plain', 'overlap', 'double_buffering'])
    mlp2 = _run(2, ['mlp', a.steps, 'single', 'plain', 'overlap', 'double_buffering'])
    comp = _run(1, ['compute', 3])
    load1 = os.getloadavg()
    beta, alpha = fit_ring(sizes)
    md = report(a, started, (load0, load1), ar, sizes, mlp1, mlp2, comp, beta, alpha)
    path = os.path.join(HERE, 'results', 'chainermn.md')
    with open(path, 'w') as f:
        f.write('\n'.join(md) + '\n')
    print('\n'.join(md))
    print('wrote', path)


def report(a, started, loads, ar, sizes, mlp1, mlp2, comp, beta, alpha):
    ms = 1e3
    md = ['# Data-parallel training over MPI (fastgrad.chainermn)', '',
          'Written by `python bench/chainermn.py` ({}; --reps {}, --steps {}); MPICH through '
          'mpi4py, ranks on one machine over shared memory, one thread per rank. '
          '**The machine is shared**: 2 cores used by several agents at once (load '
          'average {:.1f} at the start, {:.1f} at the end), so absolute times move '
          'between runs; the ratios within one run are the result.'.format(
              started, a.reps, a.steps, loads[0][0], loads[1][0]), '',
          '## (a) All-reduce of a ResNet-50-sized gradient set, 2 ranks', '',
          'The float32 gradients of `L.ResNet50Layers`: {} arrays, {:,} values ({:.1f} MB). '
          'Median of {} rounds, each timing the four in turn (one warm-up call, then one '
          'timed call, the slowest rank counting), so that load changes hit all four. The '
          'communicators start from separate gradient arrays, as a backward leaves '
          'them.'.format(ar['n_arrays'], ar['n_values'], ar['bytes'] / 1e6, a.reps), '',
          '| what | median (ms) | vs raw Allreduce | vs raw in place |', '|---|---|---|---|']
    for key, label in (('raw', 'raw mpi4py `Allreduce(send, recv)` of the packed bytes'),
                       ('raw_in_place', 'raw mpi4py `Allreduce(IN_PLACE, buf)`'),
                       ('flat', "`create_communicator('flat').multi_node_mean_grad`"),
                       ('naive', "`create_communicator('naive')` (one call per array)")):
        md.append('| {} | {:.1f} | {:.2f}x | {:.2f}x |'.format(
            label, ar[key] * ms, ar[key] / ar['raw'], ar[key] / ar['raw_in_place']))
    md += ['', "`flat` packs each gradient divided by the number of ranks into one "
           "buffer kept per model (one pass), reduces it in place, and leaves each `.grad` "
           "a view of the result (no copy back); the goal was within 1.2x of the raw "
           "call.", '',
           '## (b) MLP 784-1000-1000-10 step, batch 100 per rank', '',
           'MomentumSGD, `opt.update(model, x, t)`; median of {} steps after 3 warm-up '
           'steps (slowest rank). `overlap=True` with 1 MB buckets (the three weight '
           'matrices, 7.2 MB in all, in separate buckets); `double_buffering` in its steady state '
           '(each update waits for the reduction the previous one started). Scaling efficiency = step time at 1 rank / '
           'step time at 2 ranks (each rank does the 1-rank work: weak scaling).'.format(
               a.steps), '',
           '| mode | 1 rank (ms) | 2 ranks (ms) | efficiency at 2 ranks |',
           '|---|---|---|---|']
    base = mlp1['modes']['single']['median']
    single2 = mlp2['modes']['single']['median']
    md.append('| no communicator (plain MomentumSGD; at 2 ranks each trains alone) | {:.1f} '
              '| {:.1f} | {:.0f}% (the cores, not the communication) |'.format(
                  base * ms, single2 * ms, 100 * base / single2))
    for mode in ('plain', 'overlap', 'double_buffering'):
        t1, t2 = mlp1['modes'][mode]['median'], mlp2['modes'][mode]['median']
        md.append('| {} | {:.1f} | {:.1f} | {:.0f}% (vs no communicator: {:.0f}%) |'.format(
            mode, t1 * ms, t2 * ms, 100 * t1 / t2, 100 * base / t2))
    st = mlp2['modes']['overlap']['stats']
    md += ['', 'Overlap at 2 ranks: {during_backward} buckets left during backward, '
           '{in_update} in update, {redone} redone.'.format(**st), '',
           'What 2 shared cores allow: with 2 ranks each rank has at most one core, and '
           'the MPI progress (MPICH polls while it waits, in the communication thread '
           'of `overlap` / `double_buffering` too) takes cycles from the same two cores '
           'that compute; with other agents running there is less than one core per rank. '
           'Overlap can only hide communication behind computation when a core is free '
           'to progress it, so on this machine it mostly shows its overhead; the '
           'all-reduce itself is a shared-memory copy here, not a network transfer.', '',
           '## (c) Paper model: ResNet-50 on 8 to 64 nodes', '',
           'Ring all-reduce: t(N) = 2(N-1)/N x bytes x beta + 2(N-1) x alpha. Fitted here '
           '(2 ranks, raw in-place `Allreduce` at {} sizes from {} to {}; beta: least '
           'squares over the sizes >= 1 MB, alpha: median over the sizes <= 8 kB): beta = {:.3g} ns/byte ({:.2f} GB/s), alpha = {:.2f} us.'.format(
               len(sizes), _fmt_bytes(sizes[0][0]), _fmt_bytes(sizes[-1][0]), beta * 1e9,
               1e-9 / beta, alpha * 1e6), '',
           '| bytes | measured (us) | model (us) |', '|---|---|---|']
    for nbytes, t in sizes:
        md.append('| {} | {:.1f} | {:.1f} |'.format(_fmt_bytes(nbytes), t * 1e6,
                                                  ring_time(nbytes, 2, beta, alpha) * 1e6))
    md += ['', 'Messages of 512 kB to 8 MB fit in the caches and run faster than the line; '
           'the per-byte cost of the large messages is what a 102 MB gradient set sees. '
           'The fitted beta is a shared-memory copy between two processes on a loaded '
           'machine, far slower per byte than the stated network; it is shown only as '
           'the "fitted here" columns below.']
    per_sample = comp['cpu'] / comp['batch']
    t_comp = per_sample * BATCH_PER_NODE
    nbytes = N_PARAMS * 4
    md += ['', 'Compute: ResNet-50 forward + backward measured here at batch {}: {:.2f} s '
           'process time ({:.2f} s wall, shared machine), {:.3f} s per sample on one '
           'core; a node is assumed to run batch {} per step: **{:.1f} s** of compute '
           '(a CPU node of this kind). For comparison a hypothetical accelerator node '
           'taking **0.1 s** per step (an assumption, not measured).'.format(
               comp['batch'], comp['cpu'], comp['wall'], per_sample, BATCH_PER_NODE,
               t_comp), '',
           'Assumptions: one process per node; the gradients ({:.1f} MB float32) reduced '
           'once per step by a bandwidth-optimal ring; the network is {:.0f} Gb/s with {:.0f} '
           'us per message (alpha, beta) unless marked "fitted here", where the '
           'loopback figures stand in for the network; no contention, no stragglers, '
           'compute identical on every node (weak scaling, so efficiency = compute / '
           '(compute + all-reduce) without overlap, and compute / max(compute, all-reduce) '
           'as the bound with perfect overlap).'.format(
               nbytes / 1e6, NET_BANDWIDTH * 8 / 1e9, NET_LATENCY * 1e6), '',
           '| nodes | all-reduce, 100 Gb/s (ms) | efficiency, CPU node | efficiency, '
           '0.1 s node | with perfect overlap, 0.1 s node | all-reduce, fitted here (ms) '
           '| efficiency, 0.1 s node, fitted here |', '|---|---|---|---|---|---|---|']
    for n in (8, 16, 32, 64):
        net = ring_time(nbytes, n, 1 / NET_BANDWIDTH, NET_LATENCY)
        here = ring_time(nbytes, n, beta, alpha)
        md.append('| {} | {:.1f} | {:.1f}% | {:.1f}% | {:.1f}% | {:.1f} | {:.1f}% |'.format(
            n, net * ms, 100 * t_comp / (t_comp + net), 100 * 0.1 / (0.1 + net),
            100 * 0.1 / max(0.1, net), here * ms, 100 * 0.1 / (0.1 + here)))
    md += ['', 'The ring moves 2(N-1)/N of the bytes through every link, so its time '
           'approaches 2 x bytes x beta and hardly grows from 8 to 64 nodes; the latency '
           'term 2(N-1) x alpha stays below a millisecond at 64 nodes. A CPU node computes '
           'for seconds per step, so communication is negligible there; for a fast node '
           'the all-reduce is a visible share of the step and overlap (`overlap=True` '
           'or `double_buffering=True`) is what recovers it.']
    return md


if __name__ == '__main__':
    main()
