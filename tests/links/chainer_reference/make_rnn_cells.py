"""Write rnn_cells.npz with real Chainer 7.8.1 (NumPy < 2, Python 3.11):

    python tests/links/chainer_reference/make_rnn_cells.py

the recurrent cell links of rnn_cells_scenario.py in float64: their
parameters under ``model/`` (Chainer's npz keys, so fastgrad loads them with
load_npz), every output under ``out/``, and the gradients of the scenario's
loss for the inputs (``gx/``) and the parameters (``gW/``).  CI only reads
the file."""
import os
import sys

import chainer
import chainer.functions as F
import chainer.links as L
import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rnn_cells_scenario as S  # NOQA


def main():
    with chainer.using_config('dtype', numpy.float64):
        model = S.build(L, chainer.Chain)
        S.randomize(model)
        store = {}
        chainer.serializers.DictionarySerializer(store, 'model/').save(model)
        v = {k: chainer.Variable(a) for k, a in S.inputs().items()}
        out = S.run(model, v, lambda: numpy.random.seed(11))
        S.loss(out, F).backward()
    for k, y in out.items():
        store['out/' + k] = y.array
    for k, x in v.items():
        store['gx/' + k] = x.grad
    for k, p in model.namedparams():
        store['gW' + k] = p.grad
    numpy.savez_compressed(os.path.join(HERE, 'rnn_cells.npz'), **store)
    print('wrote', len(store), 'arrays with Chainer', chainer.__version__)


if __name__ == '__main__':
    main()
