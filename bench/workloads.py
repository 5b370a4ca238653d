"""The benchmark workloads, written once per peer, run in that peer's process.

    python bench/workloads.py --peer {fastgrad,numpy,chainer,torch} --out FILE.json
        [--only NAME ...] [--quick]

Each peer gets the same arithmetic written the way its users write it.  Each
figure is the median of many repeats after a warm-up, with the 25th/75th
percentiles as the spread.  ``numpy`` is the floor: the same arithmetic done by
hand, with no autograd at all.
"""
import argparse
import json
import platform
import resource
import statistics
import sys
import time

import numpy as np

PEER = None


def _timeit(fn, repeat, number=1, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    times.sort()
    q = statistics.quantiles(times, n=4) if len(times) >= 4 else [times[0], 0, times[-1]]
    return {'median': statistics.median(times), 'p25': q[0], 'p75': q[2], 'n': repeat}


def _scale(stats, factor):
    return {k: (v * factor if k != 'n' else v) for k, v in stats.items()}


# ---------------------------------------------------------------------------
# peers: a tiny adapter each, so the workloads read the same for everyone
# ---------------------------------------------------------------------------

class FastgradPeer(object):
    name = 'fastgrad'

    def __init__(self):
        import fastgrad
        import fastgrad.functions as F
        import fastgrad.links as L
        self.fg, self.F, self.L = fastgrad, F, L
        self.version = fastgrad.__version__

    def variable(self, a):
        return self.fg.Variable(a)

    def chain_step(self, x, n_ops, backward):
        F = self.F
        h = x
        for i in range(n_ops // 2):
            h = h * 1.0001
            h = F.tanh(h)
        if backward:
            h.grad = np.ones_like(h.array)
            h.backward()
        return h

    def mlp(self, sizes, dtype):
        fg, F, L = self.fg, self.F, self.L

        class MLP(fg.Chain):
            def __init__(self):
                super().__init__()
                with self.init_scope():
                    self.layers = fg.ChainList(*[L.Linear(i, o) for i, o in zip(sizes, sizes[1:])])

            def forward(self, x):
                h = x
                for k, l in enumerate(self.layers):
                    h = l(h)
                    if k + 1 < len(self.layers):
                        h = F.relu(h)
                return h

        model = MLP()
        try:
            from fastgrad import optimizers
            opt = optimizers.SGD(lr=0.01)
            opt.setup(model)
            update = opt.update
        except ImportError:
            params = list(model.params())

            def update():
                for p in params:
                    p.array -= 0.01 * p.grad

        def step(x, t):
            loss = F.softmax_cross_entropy(model(x), t)
            model.cleargrads()
            loss.backward()
            update()
            return loss
        return step

    def linear_fb(self, x, W, b):
        F = self.F
        xv, Wv, bv = self.fg.Variable(x), self.fg.Parameter(W), self.fg.Parameter(b)
        gy = np.ones((x.shape[0], W.shape[0]), x.dtype)

        def step():
            Wv.cleargrad()
            bv.cleargrad()
            xv.cleargrad()
            y = F.linear(xv, Wv, bv)
            y.grad = gy
            y.backward()
        return step

    def wide_leaves(self, n):
        F = self.F
        leaves = [self.fg.Variable(np.ones((1,), np.float32)) for _ in range(n)]

        def step():
            for v in leaves:
                v.cleargrad()
            F.sum(F.add(*[v * 2.0 for v in leaves])).backward()
        return step

    def fan_out(self, n):
        x = self.fg.Variable(np.ones((1,), np.float32))
        F = self.F

        def step():
            x.cleargrad()
            F.sum(F.add(*[x * 2.0 for _ in range(n)])).backward()
        return step


class ChainerPeer(FastgradPeer):
    name = 'chainer'

    def __init__(self):
        import chainer
        import chainer.functions as F
        import chainer.links as L
        self.fg, self.F, self.L = chainer, F, L
        self.version = chainer.__version__


class TorchPeer(object):
    name = 'torch'

    def __init__(self):
        import torch
        self.torch = torch
        self.version = torch.__version__

    def variable(self, a):
        return self.torch.tensor(a, requires_grad=True)

    def chain_step(self, x, n_ops, backward):
        torch = self.torch
        h = x
        for i in range(n_ops // 2):
            h = h * 1.0001
            h = torch.tanh(h)
        if backward:
            h.backward(torch.ones_like(h))
        return h

    def mlp(self, sizes, dtype):
        torch = self.torch
        layers = []
        for k, (i, o) in enumerate(zip(sizes, sizes[1:])):
            layers.append(torch.nn.Linear(i, o))
            if k + 2 < len(sizes):
                layers.append(torch.nn.ReLU())
        model = torch.nn.Sequential(*layers)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        lossf = torch.nn.CrossEntropyLoss()

        def step(x, t):
            xt = torch.from_numpy(x)
            tt = torch.from_numpy(t.astype(np.int64))
            loss = lossf(model(xt), tt)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            return loss
        return step

    def linear_fb(self, x, W, b):
        torch = self.torch
        xt = torch.tensor(x, requires_grad=True)
        Wt = torch.tensor(W, requires_grad=True)
        bt = torch.tensor(b, requires_grad=True)
        gy = torch.ones((x.shape[0], W.shape[0]), dtype=xt.dtype)

        def step():
            xt.grad = Wt.grad = bt.grad = None
            y = torch.nn.functional.linear(xt, Wt, bt)
            y.backward(gy)
        return step

    def wide_leaves(self, n):
        torch = self.torch
        leaves = [torch.ones(1, requires_grad=True) for _ in range(n)]

        def step():
            for v in leaves:
                v.grad = None
            torch.stack([v * 2.0 for v in leaves]).sum().backward()
        return step

    def fan_out(self, n):
        torch = self.torch
        x = torch.ones(1, requires_grad=True)

        def step():
            x.grad = None
            torch.stack([x * 2.0 for _ in range(n)]).sum().backward()
        return step


class NumpyPeer(object):
    """The floor: the same arithmetic by hand, no graph, no autograd."""
    name = 'numpy'
    version = np.__version__

    def variable(self, a):
        return a

    def chain_step(self, x, n_ops, backward):
        h = x
        ys = []
        for i in range(n_ops // 2):
            h = h * np.float32(1.0001)
            h = np.tanh(h)
            ys.append(h)
        if backward:
            g = np.ones_like(h)
            for y in reversed(ys):
                g = g * (1 - y * y)
                g = g * np.float32(1.0001)
        return h

    def mlp(self, sizes, dtype):
        rng = np.random.RandomState(0)
        Ws = [rng.normal(0, np.sqrt(1 / i), (o, i)).astype(dtype) for i, o in zip(sizes, sizes[1:])]
        bs = [np.zeros(o, dtype) for o in sizes[1:]]

        def step(x, t):
            hs = [x]
            h = x
            for k, (W, b) in enumerate(zip(Ws, bs)):
                h = h @ W.T + b
                if k + 1 < len(Ws):
                    h = np.maximum(h, 0)
                hs.append(h)
            m = h.max(axis=1, keepdims=True)
            e = np.exp(h - m)
            s = e.sum(axis=1, keepdims=True)
            n = len(t)
            loss = -(h[np.arange(n), t] - m[:, 0] - np.log(s[:, 0])).mean()
            g = e / s
            g[np.arange(n), t] -= 1
            g /= n
            for k in range(len(Ws) - 1, -1, -1):
                gW = g.T @ hs[k]
                gb = g.sum(axis=0)
                if k > 0:
                    g = (g @ Ws[k]) * (hs[k] > 0)
                Ws[k] -= 0.01 * gW
                bs[k] -= 0.01 * gb
            return loss
        return step

    def linear_fb(self, x, W, b):
        gy = np.ones((x.shape[0], W.shape[0]), x.dtype)

        def step():
            y = x @ W.T + b
            gx = gy @ W
            gW = gy.T @ x
            gb = gy.sum(axis=0)
            return y, gx, gW, gb
        return step

    def wide_leaves(self, n):
        leaves = [np.ones((1,), np.float32) for _ in range(n)]

        def step():
            ys = [v * np.float32(2.0) for v in leaves]
            total = np.stack(ys).sum()
            g = np.ones((1,), np.float32)
            grads = [g * np.float32(2.0) for _ in leaves]
            return total, grads
        return step

    def fan_out(self, n):
        x = np.ones((1,), np.float32)

        def step():
            total = np.stack([x * np.float32(2.0) for _ in range(n)]).sum()
            g = np.zeros_like(x)
            gy = np.ones((1,), np.float32)
            for _ in range(n):
                g += gy * np.float32(2.0)
            return total, g
        return step


PEERS = {'fastgrad': FastgradPeer, 'chainer': ChainerPeer, 'torch': TorchPeer,
         'numpy': NumpyPeer}


# ---------------------------------------------------------------------------
# workloads
# ---------------------------------------------------------------------------

def w_per_op(peer, quick):
    n_ops = 100
    x = peer.variable(np.random.RandomState(0).standard_normal((1, 8)).astype(np.float32))
    rep = 50 if quick else 400
    out = {}
    for backward in (False, True):
        stats = _timeit(lambda: peer.chain_step(x, n_ops, backward), rep)
        out['fwd+bwd' if backward else 'fwd'] = _scale(stats, 1e6 / n_ops)   # us per op
    return out


def _mlp(peer, sizes, batch, quick, rep):
    rng = np.random.RandomState(0)
    np.random.seed(0)
    step = peer.mlp(sizes, np.float32)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    t = rng.randint(0, sizes[-1], batch).astype(np.int32)
    return _scale(_timeit(lambda: step(x, t), rep), 1e6)   # us per step


def w_small_mlp(peer, quick):
    return {'step': _mlp(peer, [64, 64, 64, 10], 32, quick, 200 if quick else 2000)}


def w_large_mlp(peer, quick):
    return {'step': _mlp(peer, [784, 1000, 1000, 10], 100, quick, 20 if quick else 150)}


def w_linear(peer, quick):
    out = {}
    shapes = [(128, 1024, 1024)] if quick else [(128, 1024, 1024), (1024, 4096, 4096)]
    for (n, i, o) in shapes:
        for dtype in (np.float32, np.float64):
            rng = np.random.RandomState(0)
            x = rng.standard_normal((n, i)).astype(dtype)
            W = rng.standard_normal((o, i)).astype(dtype)
            b = rng.standard_normal(o).astype(dtype)
            step = peer.linear_fb(x, W, b)
            rep = 5 if n >= 1024 else (20 if quick else 50)
            stats = _timeit(step, rep, warmup=2)
            flops = 3 * 2.0 * n * i * o
            key = '{}x{}x{} {}'.format(n, i, o, np.dtype(dtype).name)
            out[key] = dict(_scale(stats, 1e3), gflops=flops / stats['median'] / 1e9)  # ms
    return out


def w_wide(peer, quick):
    out = {}
    for n in (1000, 10000):
        rep = 10 if quick else (40 if n == 1000 else 10)
        out['leaves {}'.format(n)] = _scale(_timeit(peer.wide_leaves(n), rep, warmup=2), 1e6 / n)
        out['fan-out {}'.format(n)] = _scale(_timeit(peer.fan_out(n), rep, warmup=2), 1e6 / n)
    return out


def w_memory(peer, quick):
    """Peak RSS of 50 large-MLP steps (run alone in a fresh process)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _mlp(peer, [784, 1000, 1000, 10], 100, quick, 50)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {'peak_rss_mb': after / 1024.0, 'rss_before_mb': before / 1024.0}


WORKLOADS = {'per_op': w_per_op, 'small_mlp': w_small_mlp, 'large_mlp': w_large_mlp,
             'linear': w_linear, 'wide': w_wide, 'memory': w_memory}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--peer', required=True, choices=sorted(PEERS))
    parser.add_argument('--out', required=True)
    parser.add_argument('--only', nargs='*', default=None)
    parser.add_argument('--quick', action='store_true')
    args = parser.parse_args()
    peer = PEERS[args.peer]()
    names = args.only or [k for k in WORKLOADS if k != 'memory']
    result = {'peer': peer.name, 'version': peer.version, 'python': platform.python_version(),
              'numpy': np.__version__, 'workloads': {}}
    try:
        import threadpoolctl
        result['threadpool'] = threadpoolctl.threadpool_info()
    except ImportError:
        result['threadpool'] = None
    if args.peer == 'torch':
        result['torch_threads'] = peer.torch.get_num_threads()
    for name in names:
        t0 = time.perf_counter()
        result['workloads'][name] = WORKLOADS[name](peer, args.quick)
        print('{:>8} {:<10} {:6.1f}s'.format(peer.name, name, time.perf_counter() - t0),
              file=sys.stderr)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)


if __name__ == '__main__':
    main()
