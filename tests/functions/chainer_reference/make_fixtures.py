"""Write the fixtures: forward values and input gradients computed by a real
Chainer 7.8.1 on the cases of a cases module.  Run where Chainer is installed
(NumPy < 2, Python 3.11):

    python tests/functions/chainer_reference/make_fixtures.py [TOPIC]

reads ``cases.py`` and writes ``fixtures.npz``, or with TOPIC reads
``cases_TOPIC.py`` and writes ``fixtures_TOPIC.npz`` (one pair per family of
ops, so families are added without touching each other's files).  CI only
reads the files."""
import importlib
import os
import sys

import chainer
import chainer.functions as F
import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main(topic=None):
    suffix = '' if topic is None else '_' + topic
    cases = importlib.import_module('cases' + suffix)
    out = {}
    for name, case in sorted(cases.cases(F).items()):
        fn, inputs, n_diff = case[:3]
        xs = [chainer.Variable(a.copy()) if i < n_diff else a.copy()
              for i, a in enumerate(inputs)]
        y = fn(*xs)
        gy = numpy.asarray(numpy.random.RandomState(1000).randn(*y.shape))
        y.grad = gy
        y.backward()
        out[name + '/y'] = y.array
        for i in range(n_diff):
            out['{}/gx{}'.format(name, i)] = xs[i].grad
    metric_cases = getattr(cases, 'metric_cases', lambda F: {})
    for name, (fn, _) in sorted(metric_cases(F).items()):
        for i, v in enumerate(fn()):
            out['{}/{}'.format(name, i)] = v.array
    numpy.savez_compressed(os.path.join(HERE, 'fixtures{}.npz'.format(suffix)), **out)
    print('wrote', len(out), 'arrays with Chainer', chainer.__version__)


if __name__ == '__main__':
    main(*sys.argv[1:2])
