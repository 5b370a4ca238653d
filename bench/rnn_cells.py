"""Recurrent cell links, forward + backward: fastgrad vs Chainer 7.8.1 vs
PyTorch (CPU), each library in its own process on the same data and weights.

    python bench/rnn_cells.py [--repeat 5]

Writes bench/results/rnn_cells.md.  Interpreters: this one for fastgrad (run
from the repository root), /work/venvs/chainer/bin/python and
/work/venvs/torch/bin/python for the peers (--chainer-python /
--torch-python; a missing one is reported as absent).  PyTorch has no
Tree-LSTM and its GRUCell applies the reset gate after U (a different
formula): its versions are written by hand from the same Linear layers and
gate formulas; nn.GRUCell is timed as one more row.
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

GRU = dict(T=35, B=32, N=256)          # a small language model's recurrent layer
TREE = dict(depth=5, B=32, N=128)      # complete binary trees of 16 leaves


def _data(seed=0):
    rng = numpy.random.RandomState(seed)
    n, t = GRU['N'], TREE['N']
    d = {'gru_x': rng.uniform(-1, 1, (GRU['T'], GRU['B'], n)).astype(numpy.float32)}
    for name in ('W_r', 'U_r', 'W_z', 'U_z', 'W', 'U'):
        d['gru_' + name] = (rng.randn(n, n) / numpy.sqrt(n)).astype(numpy.float32)
        d['gru_b' + name] = numpy.zeros(n, numpy.float32)
    leaves = 2 ** (TREE['depth'] - 1)
    d['tree_x'] = rng.uniform(-1, 1, (leaves, TREE['B'], t)).astype(numpy.float32)
    d['tree_Wx'] = (rng.randn(5 * t, t) / numpy.sqrt(t)).astype(numpy.float32)
    d['tree_bx'] = numpy.zeros(5 * t, numpy.float32)
    d['tree_Wh1'] = (rng.randn(5 * t, t) / numpy.sqrt(t)).astype(numpy.float32)
    d['tree_Wh2'] = (rng.randn(5 * t, t) / numpy.sqrt(t)).astype(numpy.float32)
    return d


def _time(fn, repeat):
    fn()                                   # warm up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def _chainer_like(mod, F, L, d, repeat):
    """fastgrad and Chainer run the same code through their own F and L."""
    gru = L.StatefulGRU(GRU['N'], GRU['N'])
    for name in ('W_r', 'U_r', 'W_z', 'U_z', 'W', 'U'):
        getattr(gru, name).W.array[...] = d['gru_' + name]
        getattr(gru, name).b.array[...] = d['gru_b' + name]
    tree = L.NaryTreeLSTM(TREE['N'], TREE['N'], n_ary=2)
    tree.W_x.W.array[...] = d['tree_Wx']
    tree.W_x.b.array[...] = d['tree_bx']
    tree.W_h1.W.array[...] = d['tree_Wh1']
    tree.W_h2.W.array[...] = d['tree_Wh2']

    def gru_step():
        gru.reset_state()
        loss = 0
        for x in d['gru_x']:
            loss = loss + F.sum(gru(x))
        loss.backward()

    def tree_step():
        # leaves: no children; then pairs up to the root
        nodes = [tree(None, None, None, None, x) for x in d['tree_x']]
        while len(nodes) > 1:
            nodes = [tree(a[0], b[0], a[1], b[1], None)
                     for a, b in zip(nodes[0::2], nodes[1::2])]
        F.sum(nodes[0][1]).backward()
    return {'StatefulGRU': _time(gru_step, repeat), 'NaryTreeLSTM': _time(tree_step, repeat)}


def _torch(d, repeat):
    import torch
    torch.set_num_threads(1)
    tt = {k: torch.tensor(v) for k, v in d.items()}
    p = {k: v.clone().requires_grad_() for k, v in tt.items() if not k.endswith('_x')}
    lin = torch.nn.functional.linear
    n = TREE['N']

    def gru_step():
        h, loss = None, 0
        for x in tt['gru_x']:
            z = lin(x, p['gru_W_z'], p['gru_bW_z'])
            h_bar = lin(x, p['gru_W'], p['gru_bW'])
            if h is not None:
                r = torch.sigmoid(lin(x, p['gru_W_r'], p['gru_bW_r'])
                                  + lin(h, p['gru_U_r'], p['gru_bU_r']))
                z = z + lin(h, p['gru_U_z'], p['gru_bU_z'])
                h_bar = h_bar + lin(r * h, p['gru_U'], p['gru_bU'])
            z, h_bar = torch.sigmoid(z), torch.tanh(h_bar)
            h = z * h_bar if h is None else z * h_bar + (1 - z) * h
            loss = loss + h.sum()
        loss.backward()

    cell = torch.nn.GRUCell(GRU['N'], GRU['N'])
    cell.weight_ih.data[...] = torch.cat([tt['gru_W_r'], tt['gru_W_z'], tt['gru_W']])
    cell.weight_hh.data[...] = torch.cat([tt['gru_U_r'], tt['gru_U_z'], tt['gru_U']])

    def grucell_step():
        h = torch.zeros(GRU['B'], GRU['N'])
        loss = 0
        for x in tt['gru_x']:
            h = cell(x, h)
            loss = loss + h.sum()
        loss.backward()

    def node(cs, z):
        a, i, o, f1, f2 = z.split(n, dim=1)
        c = torch.tanh(a) * torch.sigmoid(i)
        for f, c_child in zip((f1, f2), cs):
            c = c + torch.sigmoid(f) * c_child
        return c, torch.sigmoid(o) * torch.tanh(c)

    def tree_step():
        zeros = torch.zeros(TREE['B'], n)
        nodes = [node((zeros, zeros), lin(x, p['tree_Wx'], p['tree_bx'])) for x in tt['tree_x']]
        while len(nodes) > 1:
            nodes = [node((a[0], b[0]), lin(zeros, p['tree_Wx'], p['tree_bx'])
                          + lin(a[1], p['tree_Wh1']) + lin(b[1], p['tree_Wh2']))
                     for a, b in zip(nodes[0::2], nodes[1::2])]
        nodes[0][1].sum().backward()
    return {'StatefulGRU': _time(gru_step, repeat), 'NaryTreeLSTM': _time(tree_step, repeat),
            'nn.GRUCell': _time(grucell_step, repeat)}


def worker(lib, repeat):
    d = _data()
    if lib == 'torch':
        out = _torch(d, repeat)
    elif lib == 'chainer':
        import chainer
        import chainer.functions as F
        import chainer.links as L
        out = _chainer_like(chainer, F, L, d, repeat)
    else:
        sys.path.insert(0, ROOT)
        import fastgrad
        import fastgrad.functions as F
        import fastgrad.links as L
        out = _chainer_like(fastgrad, F, L, d, repeat)
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--repeat', type=int, default=5)
    p.add_argument('--worker')
    p.add_argument('--chainer-python', default='/work/venvs/chainer/bin/python')
    p.add_argument('--torch-python', default='/work/venvs/torch/bin/python')
    a = p.parse_args()
    if a.worker:
        worker(a.worker, a.repeat)
        return
    results = {}
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1', MKL_NUM_THREADS='1')
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
        results[lib] = json.loads(r.stdout.strip().splitlines()[-1])
        print(lib, results[lib])
    lines = ['# Recurrent cell links: forward + backward (ms, median of {})'.format(a.repeat),
             '', 'One thread each (OMP/OpenBLAS/MKL and torch.set_num_threads(1)), float32, '
             'made by `python bench/rnn_cells.py`.', '',
             '- StatefulGRU: {T} steps, batch {B}, {N} units, loss = sum of every step\'s '
             'output; PyTorch: the same formula by hand (6 linears), and nn.GRUCell (its '
             'own formula, fused gates) as one more row'.format(**GRU),
             '- NaryTreeLSTM (n_ary=2): complete binary trees of depth {depth} '
             '({leaves} leaves), batch {B}, {N} units; PyTorch: the same cell by '
             'hand'.format(leaves=2 ** (TREE['depth'] - 1), **TREE), '',
             '| workload | fastgrad | Chainer 7.8.1 | PyTorch | fastgrad / Chainer | '
             'fastgrad / PyTorch |', '|---|---|---|---|---|---|']

    def fmt(v):
        return '-' if v is None else '{:.2f}'.format(v)

    def ratio(u, v):
        return '-' if u is None or v is None else '{:.2f}x'.format(u / v)
    for w in ('StatefulGRU', 'NaryTreeLSTM', 'nn.GRUCell'):
        fg = results.get('fastgrad', {}).get(w)
        ch = results.get('chainer', {}).get(w)
        th = results.get('torch', {}).get(w)
        lines.append('| {} | {} | {} | {} | {} | {} |'.format(
            w, fmt(fg), fmt(ch), fmt(th), ratio(fg, ch), ratio(fg, th)))
    os.makedirs(os.path.join(HERE, 'results'), exist_ok=True)
    with open(os.path.join(HERE, 'results', 'rnn_cells.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
