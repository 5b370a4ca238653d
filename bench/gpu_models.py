#!/usr/bin/env python
"""fastgrad against PyTorch eager on whole training steps, on one GPU (issue 15).

    python3 bench/gpu_models.py --out $OUT/gpu_models.json            # GPU (CuPy + CUDA torch)
    python3 bench/gpu_models.py --device cpu --out /tmp/cpu.json      # CPU smoke test

Both frameworks run in the same process on the same device, from the same
initial weights (fastgrad's, copied into the PyTorch modules), on the same
fixed batch.  Workloads (each a training step: forward, backward and a plain
SGD update, unless said):

  small_mlp    MLP 64-64-64-10 (relu), batch 32, softmax cross entropy
  mnist_mlp    MLP 784-1000-1000-10 (relu), batch 100
  cnn          examples/train_cnn.py's CNN (conv3x3-BN-relu-maxpool twice,
               Linear 64, dropout 0.3, Linear 10), 1x28x28 inputs, batch 128;
               PyTorch's convolutions use cuDNN, fastgrad's (CuPy 14 has no
               cuDNN) its own im2col + GEMM
  per_op       100 chained elementwise ops (``h * 1.0001`` and ``tanh``
               alternately) on 256 float32 values, forward + backward, per op;
               also the 100-op relu chain of bench/overhead.py
  *_graph      the training steps replayed from a CUDA graph:
               fastgrad.graph_replay.capture_step and torch.cuda.CUDAGraph
               (static input buffers, forward + backward + step captured);
               GPU only

Before timing, each workload checks that both frameworks compute the same
function: the losses of two consecutive steps (so the update is checked too)
agree within 1e-4 (dropout is switched off for the check only); a graph row
checks the replayed steps' losses against eager steps of the same framework.

Timing: per step, CUDA events on the GPU (cupy.cuda.Event for fastgrad,
torch.cuda.Event for PyTorch) and perf_counter on the CPU; warm-up first,
then the two frameworks alternate in rounds; median and p10/p90 are
reported.  PyTorch's TF32 is switched off (convolutions and matmuls), so
both compute in float32.  Each workload is wrapped so that one failure keeps
the others (its error text goes to the JSON); the JSON is rewritten after
every workload.  A compact table is printed last.

``python bench/gpu_report.py --models PATH`` renders the JSON into
bench/RESULTS_GPU.md.
"""
import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy  # noqa: E402

import fastgrad  # noqa: E402
import fastgrad.functions as F  # noqa: E402
import fastgrad.links as L  # noqa: E402

try:
    from fastgrad.graph_replay import capture_step
except ImportError:            # an older fastgrad: the graph rows say "not available"
    capture_step = None

LR = 0.01
CHECK_TOL = 1e-4
N_OPS = 100
# The targets: fastgrad / PyTorch eager, median step time.
TARGETS = {'small_mlp': 0.7, 'small_mlp_graph': 0.3, 'mnist_mlp': 1.0, 'cnn': 1.2,
           'per_op': 1.0}


# -- device ------------------------------------------------------------------------------

class Device(object):
    """The array module, the torch device and the clocks of one run."""

    def __init__(self, name, torch):
        self.name = name
        self.torch = torch
        self.gpu = name == 'gpu'
        if self.gpu:
            import cupy
            self.xp = cupy
            self.tdev = torch.device('cuda')
        else:
            self.xp = numpy
            self.tdev = torch.device('cpu')

    def asnumpy(self, a):
        return self.xp.asnumpy(a) if self.gpu else numpy.asarray(a)

    def fg_array(self, a):
        return self.xp.asarray(a)

    def torch_array(self, a):
        return self.torch.from_numpy(numpy.ascontiguousarray(a)).to(self.tdev)

    def fg_model(self, model):
        if self.gpu:
            model.to_device('@cupy:0')
        return model

    def sync(self):
        if self.gpu:
            self.xp.cuda.Device().synchronize()
            self.torch.cuda.synchronize()

    def clock(self, framework):
        if not self.gpu:
            return WallClock()
        if framework == 'torch':
            return EventClock(lambda: self.torch.cuda.Event(enable_timing=True),
                              lambda s, e: s.elapsed_time(e))
        cupy = self.xp
        return EventClock(cupy.cuda.Event, cupy.cuda.get_elapsed_time)


class WallClock(object):
    def run(self, fn, n):
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
        return times


class EventClock(object):
    """One pair of CUDA events around each call, read after the last one."""

    def __init__(self, new_event, elapsed_ms):
        self.new_event = new_event
        self.elapsed_ms = elapsed_ms

    def run(self, fn, n):
        pairs = [(self.new_event(), self.new_event()) for _ in range(n)]
        for start, end in pairs:
            start.record()
            fn()
            end.record()
        pairs[-1][1].synchronize()
        return [self.elapsed_ms(s, e) for s, e in pairs]


def _stats(times, wall_ms):
    times = sorted(times)
    q = statistics.quantiles(times, n=10)
    return {'median_ms': statistics.median(times), 'p10_ms': q[0], 'p90_ms': q[-1],
            'min_ms': times[0], 'n': len(times), 'wall_ms_per_step': wall_ms}


def measure(dev, fns, warmup, repeat, rounds=4):
    """Time each ``fns[name] = (framework, fn)``, alternating them in rounds.

    Returns {name: stats} (milliseconds per call)."""
    for _, fn in fns.values():
        for _ in range(warmup):
            fn()
    dev.sync()
    times = {name: [] for name in fns}
    wall = {name: 0.0 for name in fns}
    per_round = max(1, repeat // rounds)
    names = list(fns)
    for r in range(rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            framework, fn = fns[name]
            t0 = time.perf_counter()
            times[name] += dev.clock(framework).run(fn, per_round)
            dev.sync()
            wall[name] += time.perf_counter() - t0
    return {name: _stats(times[name], wall[name] * 1e3 / len(times[name])) for name in fns}


def launches(dev, fns):
    """GPU work items (kernels, copies, memsets) of one call of each
    ``fns[name]``, from PyTorch's profiler (CUPTI sees CuPy's launches too):
    {name: {'count': n, 'top': [[kernel, count], ...], 'busy_us': total GPU time,
    'top_time': [[kernel, count, us], ...]}}.  Run after the
    timings, so the profiler cannot disturb them."""
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile
    out = {}
    for name, fn in fns.items():
        fn()
        dev.sync()
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            fn()
            dev.sync()
        names, busy = {}, {}
        for e in prof.events():
            if e.device_type == DeviceType.CUDA:
                names[e.name] = names.get(e.name, 0) + 1
                busy[e.name] = busy.get(e.name, 0.0) + e.time_range.elapsed_us()
        top = sorted(names.items(), key=lambda kv: -kv[1])[:12]
        # where the GPU time goes: the kernels that are slow, not only the many
        slow = sorted(busy.items(), key=lambda kv: -kv[1])[:12]
        out[name] = {'count': sum(names.values()), 'top': [[k[:80], v] for k, v in top],
                     'busy_us': round(sum(busy.values()), 1),
                     'top_time': [[k[:80], names[k], round(us, 1)] for k, us in slow]}
    return out


def add_launches(dev, res, fns):
    if dev.gpu and dev.profile:
        try:
            res['launches'] = launches(dev, fns)
        except Exception:
            res['launches_error'] = traceback.format_exc()


# -- models ------------------------------------------------------------------------------

class MLP(fastgrad.ChainList):
    """Linear layers with relu between them (not after the last)."""

    def __init__(self, sizes):
        super(MLP, self).__init__(*[L.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])

    def forward(self, x):
        h = x
        for i, layer in enumerate(self):
            h = layer(h)
            if i + 1 < len(self):
                h = F.relu(h)
        return h


def torch_mlp(nn, sizes):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i + 2 < len(sizes):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def mlp_pairs(fg, tm):
    linears = [m for m in tm if hasattr(m, 'weight')]
    return [p for f, t in zip(fg, linears) for p in ((f.W, t.weight), (f.b, t.bias))]


_example = []


def example_module():
    """examples/train_cnn.py, imported with fastgrad as ``chainer``."""
    if not _example:
        fastgrad.install_as_chainer()
        spec = importlib.util.spec_from_file_location(
            'fastgrad_example_train_cnn', os.path.join(ROOT, 'examples', 'train_cnn.py'))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        _example.append(mod)
    return _example[0]


def torch_cnn(nn, channels=16, n_out=10, insize=28):
    c = channels
    # Chainer's BatchNormalization: eps 2e-5, running averages decay 0.9.
    return nn.Sequential(
        nn.Conv2d(1, c, 3, padding=1, bias=False), nn.BatchNorm2d(c, eps=2e-5, momentum=0.1),
        nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c, 2 * c, 3, padding=1, bias=False),
        nn.BatchNorm2d(2 * c, eps=2e-5, momentum=0.1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2 * c * (insize // 4) ** 2, 64), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(64, n_out))


def cnn_pairs(fg, tm):
    return [(fg.conv1.W, tm[0].weight), (fg.bn1.gamma, tm[1].weight), (fg.bn1.beta, tm[1].bias),
            (fg.conv2.W, tm[4].weight), (fg.bn2.gamma, tm[5].weight),
            (fg.bn2.beta, tm[5].bias), (fg.fc1.W, tm[9].weight), (fg.fc1.b, tm[9].bias),
            (fg.fc2.W, tm[12].weight), (fg.fc2.b, tm[12].bias)]


class NoDropout(object):
    """Switches dropout off in both models (for the equality checks only)."""

    def __init__(self, tm):
        self.mod = example_module()
        self.drops = [m for m in tm.modules() if type(m).__name__ == 'Dropout']

    def __enter__(self):
        real = self.mod.F

        class _F(object):
            def __getattr__(self, name):
                return getattr(real, name)

            @staticmethod
            def dropout(x, ratio=0.5, **kwargs):
                return x

        self.real, self.mod.F = real, _F()
        self.ratios = [m.p for m in self.drops]
        for m in self.drops:
            m.p = 0.0

    def __exit__(self, *exc):
        self.mod.F = self.real
        for m, p in zip(self.drops, self.ratios):
            m.p = p


class Workload(object):
    """Both models from the same weights, one fixed batch, and their steps."""

    def __init__(self, dev, kind, seed=0):
        torch, nn = dev.torch, dev.torch.nn
        rng = numpy.random.RandomState(seed + 1)
        numpy.random.seed(seed)
        if kind == 'cnn':
            fg = example_module().CNN(10)
            tm = torch_cnn(nn)
            batch, shape, pairs = 128, (1, 28, 28), cnn_pairs
        else:
            sizes = {'small_mlp': [64, 64, 64, 10], 'mnist_mlp': [784, 1000, 1000, 10]}[kind]
            fg, tm = MLP(sizes), torch_mlp(nn, sizes)
            batch, shape, pairs = {'small_mlp': 32, 'mnist_mlp': 100}[kind], sizes[:1], mlp_pairs
        x = rng.standard_normal((batch,) + tuple(shape)).astype(numpy.float32)
        t = rng.randint(0, 10, size=batch)
        if kind == 'cnn':
            with fastgrad.using_config('train', False):
                fg(x[:2])                   # shapes the lazy L.Linear(None, 64)
        fg = dev.fg_model(fg)
        tm = tm.to(dev.tdev)
        with torch.no_grad():
            for p, q in pairs(fg, tm):
                if tuple(p.shape) != tuple(q.shape):
                    raise ValueError('{}: fastgrad {} vs torch {}'.format(
                        kind, p.shape, tuple(q.shape)))
                q.copy_(dev.torch_array(dev.asnumpy(p.array)))
        self.dev, self.kind, self.fg, self.tm, self.pairs = dev, kind, fg, tm, pairs
        self.x_np, self.t_np = x, t
        self.fx, self.ft = dev.fg_array(x), dev.fg_array(t.astype(numpy.int32))
        self.tx, self.tt = dev.torch_array(x), dev.torch_array(t.astype(numpy.int64))
        self.fopt = fastgrad.optimizers.SGD(lr=LR).setup(fg)
        self.topt = torch.optim.SGD(tm.parameters(), lr=LR)
        tm.train()

    def no_dropout(self):
        if self.kind == 'cnn':
            return NoDropout(self.tm)
        import contextlib
        return contextlib.nullcontext()

    # fastgrad's step: what a Chainer user writes.
    def fg_step(self, x, t):
        self.fg.cleargrads()
        loss = F.softmax_cross_entropy(self.fg(x), t)
        loss.backward()
        self.fopt.update()
        return loss

    # PyTorch's step: what a PyTorch user writes.
    def torch_step(self, x, t):
        self.topt.zero_grad(set_to_none=True)
        loss = self.dev.torch.nn.functional.cross_entropy(self.tm(x), t)
        loss.backward()
        self.topt.step()
        return loss

    def fg_eager(self):
        return self.fg_step(self.fx, self.ft)

    def torch_eager(self):
        return self.torch_step(self.tx, self.tt)

    def fg_graph(self):
        """fastgrad's step through capture_step: every call is one step."""
        if capture_step is None:
            raise NotAvailable('fastgrad.graph_replay is not in this fastgrad')
        if not self.dev.gpu:
            raise NotAvailable('CUDA graphs need a GPU (--device cpu)')
        step = self.captured = capture_step(self.fg_step, self.fopt, warmup=1)
        fx, ft = self.fx, self.ft
        return lambda: step(fx, ft)

    def torch_graph(self, warmup=3):
        """PyTorch's step captured into a torch.cuda.CUDAGraph (the recipe of
        PyTorch's CUDA-graph docs: warm-up on a side stream, grads set to None
        before the capture).  The warm-up steps are real steps; the capture
        runs nothing; each call of the returned function copies the batch
        into the static inputs and replays one step.  Returns (replay, the
        number of steps the warm-up made, the static loss)."""
        if not self.dev.gpu:
            raise NotAvailable('CUDA graphs need a GPU (--device cpu)')
        torch = self.dev.torch
        sx, st = self.tx.clone(), self.tt.clone()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(warmup):
                self.torch_step(sx, st)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        self.topt.zero_grad(set_to_none=True)
        with torch.cuda.graph(graph):
            loss = self.torch_step(sx, st)
        tx, tt = self.tx, self.tt

        def replay():
            sx.copy_(tx)
            st.copy_(tt)
            graph.replay()
            return loss
        return replay, warmup, loss


class NotAvailable(Exception):
    pass


def _loss(dev, loss):
    """A step's loss (a fastgrad Variable or a torch tensor) as a Python float."""
    if isinstance(loss, dev.torch.Tensor):
        return float(loss.detach().cpu())
    return float(dev.asnumpy(loss.array))


def check_same(dev, kind, steps=2):
    """Fresh models: the losses of ``steps`` consecutive steps agree, and the
    parameters after them."""
    w = Workload(dev, kind)
    with w.no_dropout():
        fl = [_loss(dev, w.fg_eager()) for _ in range(steps)]
        tl = [_loss(dev, w.torch_eager()) for _ in range(steps)]
    dev.sync()
    diff = max(abs(a - b) for a, b in zip(fl, tl))
    pdiff = max(float(numpy.abs(dev.asnumpy(p.array) - q.detach().cpu().numpy()).max())
                for p, q in w.pairs(w.fg, w.tm))
    return {'what': 'losses of {} steps from the same weights (dropout off)'.format(steps),
            'fastgrad_losses': fl, 'torch_losses': tl, 'max_loss_diff': diff,
            'max_param_diff_after': pdiff, 'ok': bool(diff <= CHECK_TOL)}


def check_replay(dev, kind, steps=6):
    """Graph replay against eager steps of the same framework, fresh models."""
    ref = Workload(dev, kind)
    with ref.no_dropout():
        fl = [_loss(dev, ref.fg_eager()) for _ in range(steps)]
        tl = [_loss(dev, ref.torch_eager()) for _ in range(steps)]
    out = {'what': 'losses of {} steps: replayed vs eager, same framework (dropout off)'
           .format(steps)}
    w = Workload(dev, kind)
    with w.no_dropout():
        try:
            step = w.fg_graph()
            got = [_loss(dev, step()) for _ in range(steps)]
            d = max(abs(a - b) for a, b in zip(got, fl))
            out['fastgrad'] = {'losses': got, 'eager': fl, 'max_diff': d,
                               'ok': bool(d <= CHECK_TOL)}
        except NotAvailable as e:
            out['fastgrad'] = {'not_available': str(e)}
        except Exception:
            out['fastgrad'] = {'error': traceback.format_exc(), 'ok': False}
        replay, done, _ = w.torch_graph()
        got = [_loss(dev, replay()) for _ in range(steps - done)]
        d = max(abs(a - b) for a, b in zip(got, tl[done:]))
        out['torch'] = {'losses': got, 'eager': tl[done:], 'max_diff': d,
                        'ok': bool(d <= CHECK_TOL)}
    out['ok'] = all(v.get('ok', True) for v in (out['fastgrad'], out['torch']))
    return out


# -- workloads ---------------------------------------------------------------------------

def run_step(dev, kind, reps):
    res = {'check': check_same(dev, kind)}
    w = Workload(dev, kind)
    warmup, repeat = reps[kind]
    m = measure(dev, {'fastgrad': ('cupy', w.fg_eager), 'torch': ('torch', w.torch_eager)},
                warmup, repeat)
    res.update(m)
    res['ratio'] = m['fastgrad']['median_ms'] / m['torch']['median_ms']
    add_launches(dev, res, {'fastgrad': w.fg_eager, 'torch': w.torch_eager})
    return res


def run_graph(dev, kind, reps):
    res = {'check': check_replay(dev, kind)}
    w = Workload(dev, kind)
    base = Workload(dev, kind)          # PyTorch eager, on its own model
    warmup, repeat = reps[kind]
    fns = {'torch_eager': ('torch', base.torch_eager)}
    try:
        step = w.fg_graph()
        step()                          # eager warm-up, then the capture:
        step()                          # a failure here keeps the PyTorch rows
        fns['fastgrad'] = ('cupy', step)
    except NotAvailable as e:
        res['fastgrad_not_available'] = str(e)
    except Exception:
        res['fastgrad_error'] = traceback.format_exc()
    fns['torch'] = ('torch', w.torch_graph()[0])
    m = measure(dev, fns, warmup, repeat)
    res.update(m)
    if 'fastgrad' in m:
        c = w.captured
        res['fastgrad_counts'] = {'eager_steps': c.eager_steps, 'captures': c.captures,
                                  'replays': c.replays}
        res['ratio'] = m['fastgrad']['median_ms'] / m['torch_eager']['median_ms']
        res['ratio_vs_torch_graph'] = m['fastgrad']['median_ms'] / m['torch']['median_ms']
    return res


def run_per_op(dev, reps, n=256):
    """A chain of N_OPS elementwise ops on n float32 values, forward + backward."""
    torch = dev.torch
    a = numpy.random.RandomState(3).standard_normal(n).astype(numpy.float32)
    fx = fastgrad.Variable(dev.fg_array(a))
    fgy = dev.fg_array(numpy.ones_like(a))
    tx = dev.torch_array(a).requires_grad_(True)
    tgy = dev.torch_array(numpy.ones_like(a))

    def fg_chain(op):
        def step():
            h = fx
            for i in range(N_OPS):
                h = op(h, i)
            fx.cleargrad()
            h.grad = fgy
            h.backward()
            return fx.grad
        return step

    def torch_chain(op):
        def step():
            h = tx
            for i in range(N_OPS):
                h = op(h, i)
            tx.grad = None
            h.backward(tgy)
            return tx.grad
        return step

    chains = {
        'mul_tanh': (lambda h, i: h * 1.0001 if i % 2 == 0 else F.tanh(h),
                     lambda h, i: h * 1.0001 if i % 2 == 0 else torch.tanh(h)),
        'relu': (lambda h, i: F.relu(h), lambda h, i: torch.relu(h)),
    }
    res = {'ops': N_OPS, 'size': n, 'dtype': 'float32'}
    for name, (fop, top) in chains.items():
        f, t = fg_chain(fop), torch_chain(top)
        g1, g2 = dev.asnumpy(f()), t().detach().cpu().numpy()
        err = float(numpy.abs(g1 - g2).max())
        warmup, repeat = reps['per_op']
        m = measure(dev, {'fastgrad': ('cupy', f), 'torch': ('torch', t)}, warmup, repeat)
        res[name] = {
            'check': {'what': 'input gradient of the chain', 'max_abs_diff': err,
                      'ok': bool(err <= CHECK_TOL)},
            'fastgrad': m['fastgrad'], 'torch': m['torch'],
            'fastgrad_us_per_op': m['fastgrad']['median_ms'] * 1e3 / N_OPS,
            'torch_us_per_op': m['torch']['median_ms'] * 1e3 / N_OPS,
            'ratio': m['fastgrad']['median_ms'] / m['torch']['median_ms']}
        add_launches(dev, res[name], {'fastgrad': f, 'torch': t})
    res['check'] = {'ok': all(res[k]['check']['ok'] for k in chains)}
    res['ratio'] = res['mul_tanh']['ratio']
    return res


# -- report ------------------------------------------------------------------------------

def meta(dev, args):
    torch = dev.torch
    info = {'device': dev.name, 'python': platform.python_version(),
            'numpy': numpy.__version__, 'torch': torch.__version__,
            'fastgrad': getattr(fastgrad, '__version__', '?'),
            'graph_replay': capture_step is not None,
            'timer': 'CUDA events' if dev.gpu else 'wall clock (perf_counter)',
            'torch_threads': torch.get_num_threads(), 'host': platform.node(),
            'started_utc': time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime()),
            'lr': LR, 'check_tol': CHECK_TOL, 'argv': sys.argv[1:]}
    try:
        import subprocess
        def git(*cmd):
            return subprocess.run(('git',) + cmd, cwd=ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        info['git'] = git('rev-parse', '--short', 'HEAD') or None
        # a copied tree can carry a stale .git: say when the files differ from HEAD
        info['git_dirty'] = bool(git('status', '--porcelain', '--untracked-files=no'))
    except Exception:
        info['git'] = None
    if dev.gpu:
        cupy = dev.xp
        props = cupy.cuda.runtime.getDeviceProperties(0)
        name = props['name']
        info.update({
            'gpu': name.decode() if isinstance(name, bytes) else name,
            'compute_capability': cupy.cuda.Device(0).compute_capability,
            'cupy': cupy.__version__,
            'cuda_runtime': cupy.cuda.runtime.runtimeGetVersion(),
            'cuda_driver': cupy.cuda.runtime.driverGetVersion(),
            'torch_cuda': torch.version.cuda,
            'cudnn': torch.backends.cudnn.version(),
            'torch_gpu': torch.cuda.get_device_name(0),
            'torch_tf32': {'matmul': torch.backends.cuda.matmul.allow_tf32,
                           'cudnn': torch.backends.cudnn.allow_tf32},
            'cudnn_benchmark': torch.backends.cudnn.benchmark})
    else:
        info['cpu'] = platform.processor() or platform.machine()
    return info


ROWS = [  # (key, label)
    ('small_mlp', 'small MLP 64-64-64-10, b32, step'),
    ('small_mlp_graph', 'small MLP, graph replay vs PyTorch graph'),
    ('mnist_mlp', 'MNIST MLP 784-1000-1000-10, b100, step'),
    ('mnist_mlp_graph', 'MNIST MLP, graph replay vs PyTorch graph'),
    ('cnn', 'CNN (train_cnn.py), b128, step'),
    ('cnn_graph', 'CNN, graph replay vs PyTorch graph'),
    ('per_op', 'per op: 100x (mul, tanh), 256 f32, fwd+bwd'),
]
_LINE = '{:<44} {:>11} {:>11} {:>7} {:>7} {:>6} {:>11}'


def _launch_col(r, per=1):
    n = r.get('launches')
    if not n:
        return ''
    return '{:g}/{:g}'.format(round(n['fastgrad']['count'] / per, 1),
                              round(n['torch']['count'] / per, 1))


def table(run):
    lines = [_LINE.format('workload (medians; ratio = fastgrad/torch)', 'fastgrad', 'PyTorch',
                          'ratio', 'target', 'check', 'launches')]
    for key, label in ROWS:
        r = run['workloads'].get(key)
        if r is None:
            continue
        tgt = TARGETS.get(key)
        tgt = '<={:.1f}'.format(tgt) if tgt else ''
        if 'error' in r:
            lines.append('{:<44} ERROR: {}'.format(label, r['error'].strip().splitlines()[-1]))
            continue
        if 'not_available' in r:
            lines.append('{:<44} not available: {}'.format(label, r['not_available']))
            continue
        chk = 'ok' if r.get('check', {}).get('ok') else 'FAIL'
        if 'error' in r.get('check', {}).get('fastgrad', {}):
            chk = 'n/a'         # fastgrad's capture failed: shown below
        if key == 'per_op':
            for name, lab, t in (('mul_tanh', label, tgt),
                                 ('relu', '  per op: 100x relu (bench/overhead.py)', '')):
                c = r[name]
                lines.append(_LINE.format(
                    lab, '{:.2f}us'.format(c['fastgrad_us_per_op']),
                    '{:.2f}us'.format(c['torch_us_per_op']), '{:.2f}x'.format(c['ratio']), t,
                    'ok' if c['check']['ok'] else 'FAIL', _launch_col(c, r['ops'])))
            continue
        if key.endswith('_graph'):
            fg = ('{:.3f}ms'.format(r['fastgrad']['median_ms']) if 'fastgrad' in r else 'n/a')
            lines.append(_LINE.format(
                label, fg, '{:.3f}ms'.format(r['torch']['median_ms']),
                '{:.2f}x'.format(r['ratio_vs_torch_graph']) if 'ratio' in r else '', '', chk,
                ''))
            lines.append(_LINE.format(
                '  same, vs PyTorch eager', fg, '{:.3f}ms'.format(r['torch_eager']['median_ms']),
                '{:.2f}x'.format(r['ratio']) if 'ratio' in r else '', tgt, '', ''))
            if 'fastgrad_error' in r:
                lines.append('  fastgrad: ERROR: ' + r['fastgrad_error'].strip().splitlines()[-1])
            elif 'fastgrad_not_available' in r:
                lines.append('  fastgrad: not available: ' + r['fastgrad_not_available'])
            continue
        lines.append(_LINE.format(
            label, '{:.3f}ms'.format(r['fastgrad']['median_ms']),
            '{:.3f}ms'.format(r['torch']['median_ms']), '{:.2f}x'.format(r['ratio']), tgt, chk,
            _launch_col(r)))
    lines.append('(launches: GPU kernels + copies per step, per op for the chains, '
                 'fastgrad/PyTorch)')
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', choices=['gpu', 'cpu'], default='gpu')
    parser.add_argument('--out', default=None,
                        help='JSON path (default: bench/results/gpu_models.json on the GPU, '
                        'gpu_models_cpu.json in the temporary folder on the CPU)')
    parser.add_argument('--only', default='',
                        help='comma-separated workload keys (default: all)')
    parser.add_argument('--no-profile', dest='profile', action='store_false',
                        help='leave out the launch counts (PyTorch profiler, GPU only)')
    parser.add_argument('--scale', type=float, default=1.0,
                        help='multiply the repeat counts')
    args = parser.parse_args()

    if args.out is None:
        args.out = (os.path.join(ROOT, 'bench', 'results', 'gpu_models.json')
                    if args.device == 'gpu'
                    else os.path.join(tempfile.gettempdir(), 'gpu_models_cpu.json'))
    import torch
    dev = Device(args.device, torch)
    dev.profile = args.profile
    if dev.gpu:
        # float32 on both sides (TF32 would round PyTorch's products to 10 bits)
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    # (warm-up, timed) steps per workload
    if dev.gpu:
        reps = {'small_mlp': (30, 400), 'mnist_mlp': (30, 300), 'cnn': (20, 100),
                'per_op': (20, 200)}
    else:
        reps = {'small_mlp': (5, 60), 'mnist_mlp': (3, 20), 'cnn': (2, 8),
                'per_op': (5, 40)}
    reps = {k: (w, max(4, int(n * args.scale))) for k, (w, n) in reps.items()}

    jobs = [('small_mlp', lambda: run_step(dev, 'small_mlp', reps)),
            ('small_mlp_graph', lambda: run_graph(dev, 'small_mlp', reps)),
            ('mnist_mlp', lambda: run_step(dev, 'mnist_mlp', reps)),
            ('mnist_mlp_graph', lambda: run_graph(dev, 'mnist_mlp', reps)),
            ('cnn', lambda: run_step(dev, 'cnn', reps)),
            ('cnn_graph', lambda: run_graph(dev, 'cnn', reps)),
            ('per_op', lambda: run_per_op(dev, reps))]
    only = [k for k in args.only.split(',') if k]
    run = {'meta': meta(dev, args), 'targets': TARGETS, 'repeats': reps, 'workloads': {}}
    t_start = time.time()
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    for key, job in jobs:
        if only and key not in only:
            continue
        t0 = time.time()
        if key.endswith('_graph') and not dev.gpu:
            res = {'not_available': 'CUDA graphs need a GPU (--device cpu)'}
        else:
            try:
                res = job()
            except NotAvailable as e:
                res = {'not_available': str(e)}
            except Exception:
                res = {'error': traceback.format_exc()}
        res['seconds'] = round(time.time() - t0, 2)
        run['workloads'][key] = res
        run['meta']['elapsed_s'] = round(time.time() - t_start, 2)
        with open(args.out, 'w') as f:
            json.dump(run, f, indent=1)
        state = ('error' if 'error' in res else 'not available' if 'not_available' in res
                 else 'ratio {:.2f}'.format(res['ratio']) if 'ratio' in res else 'done')
        print('[{:6.1f}s] {}: {} ({:.1f}s)'.format(time.time() - t_start, key, state,
                                                   res['seconds']), flush=True)
        if 'error' in res:
            print(res['error'], flush=True)
    m = run['meta']
    print()
    if dev.gpu:
        print('{} (sm_{}), CuPy {}, CUDA runtime {}, torch {} (CUDA {}, cuDNN {}), {}'.format(
            m['gpu'], m['compute_capability'], m['cupy'], m['cuda_runtime'], m['torch'],
            m['torch_cuda'], m['cudnn'], m['timer']))
    else:
        print('CPU ({}), torch {} ({} threads), numpy {}, {}'.format(
            m['cpu'], m['torch'], m['torch_threads'], m['numpy'], m['timer']))
    print(table(run))
    print('wrote', args.out)


if __name__ == '__main__':
    main()
