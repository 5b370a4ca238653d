"""Quick per-op overhead check: F.relu forward and one backward step vs raw NumPy.

    python bench/overhead.py

Not the benchmark suite (that compares against Chainer and PyTorch); a quick
look at what the graph machinery adds per op on a tiny array, where the
arithmetic itself costs almost nothing.
"""
import statistics
import timeit

import numpy as np

import fastgrad
import fastgrad.functions as F


def median_us(fn, number, repeat=15):
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def main():
    a = np.random.standard_normal((1, 8)).astype(np.float32)
    x = fastgrad.Variable(a)
    n = 20000

    t_np_fwd = median_us(lambda: np.maximum(a, 0, dtype=a.dtype), n)
    t_fwd = median_us(lambda: F.relu(x), n)
    with fastgrad.no_backprop_mode():
        t_fwd_nograd = median_us(lambda: F.relu(x), n)

    # One backward step: the relu node's backward inside a 100-op chain.
    depth = 100
    gy = np.ones_like(a)

    def chain():
        h = x
        for _ in range(depth):
            h = F.relu(h)
        return h

    def chain_fwd_bwd():
        h = chain()
        h.grad = gy
        h.backward()

    m = 500
    t_chain_fwd = median_us(chain, m) / depth
    t_chain_fb = median_us(chain_fwd_bwd, m) / depth
    t_np_bwd = median_us(lambda: gy * (a > 0), n)

    rows = [
        ('F.relu forward (graph recorded)', t_fwd, t_np_fwd),
        ('F.relu forward (no_backprop_mode)', t_fwd_nograd, t_np_fwd),
        ('one backward step (relu, in a 100-op chain)', t_chain_fb - t_chain_fwd, t_np_bwd),
        ('forward + backward per op (100-op relu chain)', t_chain_fb, t_np_fwd + t_np_bwd),
    ]
    print('{:<48} {:>10} {:>10} {:>7}'.format('(1, 8) float32, medians', 'fastgrad', 'NumPy', 'ratio'))
    for name, t, base in rows:
        print('{:<48} {:>8.2f}us {:>8.2f}us {:>6.1f}x'.format(name, t, base, t / base))


if __name__ == '__main__':
    main()
