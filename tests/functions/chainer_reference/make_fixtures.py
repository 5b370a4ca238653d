"""Write fixtures.npz: forward values and input gradients computed by a real
Chainer 7.8.1 on the cases of cases.py.  Run where Chainer is installed
(NumPy < 2, Python 3.11):  python tests/functions/chainer_reference/make_fixtures.py
CI only reads the file."""
import os
import sys

import numpy

import chainer
import chainer.functions as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cases  # NOQA: E402


def main():
    out = {}
    for name, (fn, inputs, n_diff) in sorted(cases.cases(F).items()):
        xs = [chainer.Variable(a.copy()) if i < n_diff else a.copy()
              for i, a in enumerate(inputs)]
        y = fn(*xs)
        gy = numpy.asarray(numpy.random.RandomState(1000).randn(*y.shape))
        y.grad = gy
        y.backward()
        out[name + '/y'] = y.array
        for i in range(n_diff):
            out['{}/gx{}'.format(name, i)] = xs[i].grad
    for name, (fn, _) in sorted(cases.metric_cases(F).items()):
        for i, v in enumerate(fn()):
            out['{}/{}'.format(name, i)] = v.array
    numpy.savez_compressed(os.path.join(HERE, 'fixtures.npz'), **out)
    print('wrote', len(out), 'arrays with Chainer', chainer.__version__)


if __name__ == '__main__':
    main()
