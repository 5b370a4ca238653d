"""Write tests/links/fixtures_nstep.npz with a real Chainer 7.8.1 (NumPy < 2):

    /work/venvs/chainer/bin/python tests/links/make_nstep_fixtures.py

For each NStep link: its parameters as Chainer's serializer writes them
(``<Link>/0/w0`` ...), the outputs for an unsorted batch of sequences with
given initial states, and the parameter gradients of the sum of the outputs.
CI only reads the file (tests/links/test_n_step_rnn.py)."""
import os

import chainer
import chainer.functions as F
import chainer.links as L
import numpy
from chainer import serializers

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = ['NStepLSTM', 'NStepBiLSTM', 'NStepGRU', 'NStepBiGRU', 'NStepRNNTanh',
         'NStepRNNReLU', 'NStepBiRNNTanh', 'NStepBiRNNReLU']
LENGTHS = (2, 4, 1, 4)


def main():
    out = {}
    for name in NAMES:
        numpy.random.seed(0)
        link = getattr(L, name)(2, 3, 4, 0.0, initial_bias=chainer.initializers.Normal(0.5))
        link.to_device('@numpy')
        link = link.copy(mode='copy')
        for p in link.params():
            p.array = p.array.astype(numpy.float64)
        rng = numpy.random.RandomState(1)
        xs = [rng.randn(n, 3) for n in LENGTHS]
        dirs = 2 if 'Bi' in name else 1
        hx = rng.randn(2 * dirs, len(xs), 4)
        cx = rng.randn(2 * dirs, len(xs), 4)
        ser = serializers.DictionarySerializer(out, path=name + '/')
        ser.save(link)
        if 'LSTM' in name:
            hy, cy, ys = link(hx, cx, xs)
            outs = [hy, cy] + list(ys)
        else:
            hy, ys = link(hx, xs)
            outs = [hy] + list(ys)
        loss = sum(F.sum(o * o) for o in outs)
        link.cleargrads()
        loss.backward()
        for i, x in enumerate(xs):
            out['{}/in/x{}'.format(name, i)] = x
        out[name + '/in/hx'] = hx
        out[name + '/in/cx'] = cx
        for i, o in enumerate(outs):
            out['{}/out/{}'.format(name, i)] = o.array
        for path, p in link.namedparams():
            out['{}/grad{}'.format(name, path)] = p.grad
    numpy.savez_compressed(os.path.join(HERE, 'fixtures_nstep.npz'), **out)
    print('wrote', len(out), 'arrays with Chainer', chainer.__version__)


if __name__ == '__main__':
    main()
