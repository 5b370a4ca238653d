"""Time one optimizer step (not a test; run by hand)::

    python tests/optimizers/bench_adam_update.py

1. Adam on a 784-1000-1000-10 MLP (float32, grads already computed):
   ``optimizer.update()`` against a hand-written NumPy Adam over the same
   arrays (the plain expression form, and a preallocated in-place form).
2. The per-parameter Python overhead: the same total size split into many
   small parameters, so the arithmetic is negligible.
"""
import math
import os
import sys
import time

import numpy

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))

import fastgrad  # NOQA
import fastgrad.links as L  # NOQA
from fastgrad import optimizers  # NOQA


def timeit(f, repeat=50, warmup=5):
    for _ in range(warmup):
        f()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2]


def numpy_adam_expr(params, grads, ms, vs, t, alpha=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    at = alpha * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    for p, g, m, v in zip(params, grads, ms, vs):
        m += (1 - b1) * (g - m)
        v += (1 - b2) * (g * g - v)
        p -= at * m / (numpy.sqrt(v) + eps)


def numpy_adam_inplace(params, grads, ms, vs, bufs, t, alpha=1e-3, b1=0.9, b2=0.999,
                       eps=1e-8):
    at = alpha * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    for p, g, m, v, b in zip(params, grads, ms, vs, bufs):
        numpy.subtract(g, m, out=b)
        b *= 1 - b1
        m += b
        numpy.multiply(g, g, out=b)
        b -= v
        b *= 1 - b2
        v += b
        numpy.sqrt(v, out=b)
        b += eps
        numpy.divide(m, b, out=b)
        b *= at
        p -= b


def bench_model(model, label):
    rng = numpy.random.default_rng(0)
    params = list(model.params())
    for p in params:
        p.grad = rng.standard_normal(p.shape).astype(p.dtype)
    n = sum(p.size for p in params)
    opt = optimizers.Adam().setup(model)
    t_opt = timeit(opt.update)

    arrays = [p.array.copy() for p in params]
    grads = [p.grad.copy() for p in params]
    ms = [numpy.zeros_like(a) for a in arrays]
    vs = [numpy.zeros_like(a) for a in arrays]
    bufs = [numpy.empty_like(a) for a in arrays]
    step = [0]

    def expr():
        step[0] += 1
        numpy_adam_expr(arrays, grads, ms, vs, step[0])

    def inplace():
        step[0] += 1
        numpy_adam_inplace(arrays, grads, ms, vs, bufs, step[0])

    t_expr = timeit(expr)
    step[0] = 0
    t_inplace = timeit(inplace)
    print('{}: {} params, {:,} scalars'.format(label, len(params), n))
    print('  fastgrad Adam optimizer.update()      {:8.3f} ms'.format(t_opt * 1e3))
    print('  hand-written NumPy Adam (expressions) {:8.3f} ms'.format(t_expr * 1e3))
    print('  hand-written NumPy Adam (in place)    {:8.3f} ms'.format(t_inplace * 1e3))
    print('  per parameter: fastgrad {:.2f} us, NumPy expr {:.2f} us'.format(
        t_opt / len(params) * 1e6, t_expr / len(params) * 1e6))


class MLP(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(784, 1000)
            self.l2 = L.Linear(1000, 1000)
            self.l3 = L.Linear(1000, 10)


class Many(fastgrad.ChainList):
    def __init__(self, n, size):
        super().__init__(*[L.Linear(size, 1, nobias=True) for _ in range(n)])


if __name__ == '__main__':
    print('numpy', numpy.__version__)
    bench_model(MLP(), 'MLP 784-1000-1000-10')
    bench_model(Many(200, 10), '200 params of 10 scalars (overhead)')
