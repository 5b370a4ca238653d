"""Sequence and sampling losses, forward + backward: fastgrad vs Chainer 7.8.1
vs PyTorch (CPU), each library in its own process on the same data.

    python bench/seqloss.py [--repeat 7] [--rounds 3]

Writes bench/results/seqloss.md.  Interpreters: this one for fastgrad (run
from the repository root), /work/venvs/chainer/bin/python and
/work/venvs/torch/bin/python for the peers (override with --chainer-python /
--torch-python; a missing one is reported as absent).  PyTorch has no CRF
and no negative-sampling op: its versions are written by hand below from the
same tensor operations a user would write.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# the workloads: sizes of a small tagger, a small speech model, word2vec
CRF = dict(T=35, B=32, K=20)
CTC = dict(T=50, B=16, V=30, L=12)
NS = dict(N=512, D=128, V=20000, S=5)


def _data(seed=0):
    rng = numpy.random.RandomState(seed)
    d = {}
    lengths = numpy.sort(rng.randint(20, CRF['T'] + 1, CRF['B']))[::-1]
    lengths[0] = CRF['T']
    d['crf_lengths'] = lengths
    d['crf_cost'] = rng.randn(CRF['K'], CRF['K']).astype(numpy.float32)
    d['crf_x'] = rng.randn(CRF['T'], CRF['B'], CRF['K']).astype(numpy.float32)
    d['crf_y'] = rng.randint(0, CRF['K'], (CRF['T'], CRF['B'])).astype(numpy.int32)
    d['ctc_x'] = rng.randn(CTC['T'], CTC['B'], CTC['V']).astype(numpy.float32)
    d['ctc_t'] = rng.randint(1, CTC['V'], (CTC['B'], CTC['L'])).astype(numpy.int32)
    d['ns_x'] = rng.randn(NS['N'], NS['D']).astype(numpy.float32)
    d['ns_W'] = (rng.randn(NS['V'], NS['D']) * 0.1).astype(numpy.float32)
    d['ns_t'] = rng.randint(0, NS['V'], NS['N']).astype(numpy.int32)
    d['ns_samples'] = rng.randint(0, NS['V'], (NS['N'], NS['S'] + 1)).astype(numpy.int32)
    return d


def _time(fn, repeat):
    fn()                                   # warm up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def _chainer_like(mod, F, d, repeat):
    """fastgrad and Chainer run the same code through their own F."""
    V = mod.Variable
    steps = [int((d['crf_lengths'] > t).sum()) for t in range(CRF['T'])]

    def crf():
        cost = V(d['crf_cost'])
        xs = [V(d['crf_x'][t, :b]) for t, b in enumerate(steps)]
        ys = [d['crf_y'][t, :b] for t, b in enumerate(steps)]
        F.crf1d(cost, xs, ys).backward()

    def ctc():
        xs = [V(x) for x in d['ctc_x']]
        F.connectionist_temporal_classification(xs, d['ctc_t'], 0).backward()

    def ns():
        x, W = V(d['ns_x']), V(d['ns_W'])
        F.negative_sampling(x, d['ns_t'], W, lambda shape: d['ns_samples'].copy(),
                            NS['S']).backward()
    return {'crf1d': _time(crf, repeat), 'ctc': _time(ctc, repeat),
            'negative_sampling': _time(ns, repeat)}


def _torch(d, repeat):
    import torch
    torch.set_num_threads(1)
    steps = [int((d['crf_lengths'] > t).sum()) for t in range(CRF['T'])]

    def crf():
        cost = torch.tensor(d['crf_cost'], requires_grad=True)
        x = torch.tensor(d['crf_x'], requires_grad=True)
        y = torch.tensor(d['crf_y'].astype(numpy.int64))
        alpha, done = x[0], []
        for t in range(1, CRF['T']):
            b = steps[t]
            if alpha.shape[0] > b:
                done.append(alpha[b:])
                alpha = alpha[:b]
            alpha = torch.logsumexp(alpha[:, :, None] + cost, dim=1) + x[t, :b]
        logz = torch.logsumexp(torch.cat([alpha] + done[::-1]), dim=1)
        score = torch.zeros(CRF['B'])
        for t in range(CRF['T']):
            b = steps[t]
            s = x[t, :b].gather(1, y[t, :b, None])[:, 0]
            if t:
                s = s + cost[y[t - 1, :b], y[t, :b]]
            score = score + torch.nn.functional.pad(s, (0, CRF['B'] - b))
        ((logz - score).sum() / CRF['B']).backward()

    def ctc():
        x = torch.tensor(d['ctc_x'], requires_grad=True)
        t = torch.tensor(d['ctc_t'].astype(numpy.int64))
        il = torch.full((CTC['B'],), CTC['T'], dtype=torch.long)
        tl = torch.full((CTC['B'],), CTC['L'], dtype=torch.long)
        loss = torch.nn.functional.ctc_loss(x.log_softmax(2), t, il, tl, blank=0,
                                            reduction='sum') / CTC['B']
        loss.backward()

    def ns():
        x = torch.tensor(d['ns_x'], requires_grad=True)
        W = torch.tensor(d['ns_W'], requires_grad=True)
        s = torch.tensor(d['ns_samples'].astype(numpy.int64))
        s[:, 0] = torch.tensor(d['ns_t'].astype(numpy.int64))
        wx = torch.bmm(W[s], x[:, :, None])[:, :, 0]
        sign = torch.ones(NS['S'] + 1)
        sign[0] = -1
        torch.nn.functional.softplus(wx * sign).sum().backward()
    return {'crf1d': _time(crf, repeat), 'ctc': _time(ctc, repeat),
            'negative_sampling': _time(ns, repeat)}


def worker(lib, repeat):
    d = _data()
    if lib == 'torch':
        out = _torch(d, repeat)
    elif lib == 'chainer':
        import chainer
        import chainer.functions as F
        out = _chainer_like(chainer, F, d, repeat)
    else:
        sys.path.insert(0, ROOT)
        import fastgrad
        import fastgrad.functions as F
        out = _chainer_like(fastgrad, F, d, repeat)
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--repeat', type=int, default=7)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--worker')
    p.add_argument('--chainer-python', default='/work/venvs/chainer/bin/python')
    p.add_argument('--torch-python', default='/work/venvs/torch/bin/python')
    a = p.parse_args()
    if a.worker:
        worker(a.worker, a.repeat)
        return
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1', MKL_NUM_THREADS='1')
    # the libraries take turns, round after round, so a burst of load on the
    # shared machine hits all of them; each figure is the median over rounds
    rounds = {}
    for _ in range(a.rounds):
        for lib, py in [('fastgrad', sys.executable), ('chainer', a.chainer_python),
                        ('torch', a.torch_python)]:
            if not os.path.exists(py):
                print(lib, 'absent:', py)
                continue
            r = subprocess.run([py, os.path.abspath(__file__), '--worker', lib,
                                '--repeat', str(a.repeat)], capture_output=True, text=True,
                               env=env, cwd=ROOT)
            if r.returncode:
                print(lib, 'failed:', r.stderr[-2000:])
                continue
            rounds.setdefault(lib, []).append(json.loads(r.stdout.strip().splitlines()[-1]))
            print(lib, rounds[lib][-1])
    results = {lib: {w: statistics.median(r[w] for r in runs) for w in runs[0]}
               for lib, runs in rounds.items()}
    lines = ['# Sequence and sampling losses: forward + backward (ms)', '',
             'Median over {} rounds (the libraries take turns) of the median of {} runs.'
             .format(a.rounds, a.repeat),
             'One thread each (OMP/OpenBLAS/MKL and torch.set_num_threads(1)), float32, '
             'made by `python bench/seqloss.py`.', '',
             '- crf1d: T={T}, B={B} (lengths 20..35), K={K} labels; PyTorch: the same '
             'forward algorithm by hand'.format(**CRF),
             '- ctc: T={T}, B={B}, V={V}, label length {L}; PyTorch: '
             '`F.ctc_loss`'.format(**CTC),
             '- negative_sampling: N={N}, D={D}, V={V}, {S} negatives; PyTorch: gather + '
             'bmm + softplus by hand'.format(**NS), '',
             '| workload | fastgrad | Chainer 7.8.1 | PyTorch | fastgrad / Chainer | '
             'fastgrad / PyTorch |', '|---|---|---|---|---|---|']
    for w in ('crf1d', 'ctc', 'negative_sampling'):
        fg = results.get('fastgrad', {}).get(w)
        ch = results.get('chainer', {}).get(w)
        th = results.get('torch', {}).get(w)

        def fmt(v):
            return '-' if v is None else '{:.2f}'.format(v)

        def ratio(u, v):
            return '-' if u is None or v is None else '{:.2f}x'.format(u / v)
        lines.append('| {} | {} | {} | {} | {} | {} |'.format(
            w, fmt(fg), fmt(ch), fmt(th), ratio(fg, ch), ratio(fg, th)))
    os.makedirs(os.path.join(HERE, 'results'), exist_ok=True)
    with open(os.path.join(HERE, 'results', 'seqloss.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
