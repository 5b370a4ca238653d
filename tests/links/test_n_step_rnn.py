"""L.NStepLSTM / BiLSTM / GRU / BiGRU / RNNTanh / RNNReLU / BiRNNTanh /
BiRNNReLU: Chainer's parameter names and shapes, unsorted batches equal to
each sequence run alone, given initial states, gradients, npz round trip."""
import io

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import serializers

# name -> (n weights, has a cell state, directions)
LINKS = {
    'NStepLSTM': (8, True, 1), 'NStepBiLSTM': (8, True, 2),
    'NStepGRU': (6, False, 1), 'NStepBiGRU': (6, False, 2),
    'NStepRNNTanh': (2, False, 1), 'NStepRNNReLU': (2, False, 1),
    'NStepBiRNNTanh': (2, False, 2), 'NStepBiRNNReLU': (2, False, 2),
}


def _run(link, cell, hx, cx, xs):
    if cell:
        return link(hx, cx, xs)
    hy, ys = link(hx, xs)
    return hy, None, ys


@pytest.mark.parametrize('name', sorted(LINKS))
def test_parameters(name):
    n_w, _, dirs = LINKS[name]
    link = getattr(L, name)(2, 3, 4, 0.1)
    assert len(link) == 2 * dirs
    params = dict(link.namedparams())
    assert len(params) == 2 * dirs * 2 * n_w
    for k in range(2 * dirs):
        for j in range(n_w):
            w_in = 4 if j >= n_w // 2 else (3 if k < dirs else 4 * dirs)
            assert params['/%d/w%d' % (k, j)].shape == (4, w_in)
            assert params['/%d/b%d' % (k, j)].shape == (4,)
            numpy.testing.assert_array_equal(params['/%d/b%d' % (k, j)].array, 0)
    assert link.ws[0][0] is link[0].w0 and link.bs[-1][-1] is getattr(link[-1], 'b%d' % (n_w - 1))
    assert link.n_cells == (2 if name.endswith('LSTM') else 1)


@pytest.mark.parametrize('name', sorted(LINKS))
def test_each_sequence_alone(name):
    # an unsorted batch gives what each sequence gives on its own
    n_w, cell, dirs = LINKS[name]
    numpy.random.seed(0)
    link = getattr(L, name)(2, 3, 4, 0.0)
    rng = numpy.random.RandomState(1)
    xs = [rng.randn(n, 3).astype(numpy.float32) for n in (2, 5, 1, 5, 3)]
    shape = (2 * dirs, len(xs), 4)
    hx = rng.randn(*shape).astype(numpy.float32)
    cx = rng.randn(*shape).astype(numpy.float32) if cell else None
    hy, cy, ys = _run(link, cell, hx, cx, xs)
    assert hy.shape == shape and len(ys) == len(xs)
    for i, x in enumerate(xs):
        h1, c1, y1 = _run(link, cell, hx[:, i:i + 1], None if cx is None else cx[:, i:i + 1],
                          [x])
        assert ys[i].shape == (len(x), 4 * dirs)
        numpy.testing.assert_allclose(ys[i].array, y1[0].array, rtol=1e-5, atol=1e-6)
        numpy.testing.assert_allclose(hy.array[:, i], h1.array[:, 0], rtol=1e-5, atol=1e-6)
        if cell:
            numpy.testing.assert_allclose(cy.array[:, i], c1.array[:, 0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('name', sorted(LINKS))
def test_none_states_are_zeros(name):
    n_w, cell, dirs = LINKS[name]
    link = getattr(L, name)(1, 2, 3, 0.0)
    xs = [numpy.ones((3, 2), numpy.float32), numpy.ones((4, 2), numpy.float32)]
    zeros = numpy.zeros((dirs, 2, 3), numpy.float32)
    a = _run(link, cell, None, None, xs)
    b = _run(link, cell, zeros, zeros if cell else None, xs)
    numpy.testing.assert_array_equal(a[0].array, b[0].array)
    for ya, yb in zip(a[2], b[2]):
        numpy.testing.assert_array_equal(ya.array, yb.array)


@pytest.mark.parametrize('name', sorted(LINKS))
def test_gradients_reach_every_parameter(name):
    n_w, cell, dirs = LINKS[name]
    link = getattr(L, name)(2, 3, 4, 0.0)
    xs = [fastgrad.Variable(numpy.random.randn(n, 3).astype(numpy.float32)) for n in (3, 4)]
    hy, cy, ys = _run(link, cell, None, None, xs)
    loss = F.sum(hy) + sum(F.sum(y) for y in ys)
    link.cleargrads()
    loss.backward()
    for path, p in link.namedparams():
        assert p.grad is not None and numpy.isfinite(p.grad).all(), path
    assert all(x.grad is not None for x in xs)


@pytest.mark.parametrize('name', sorted(LINKS))
def test_npz_round_trip(name):
    n_w, cell, dirs = LINKS[name]
    a = getattr(L, name)(2, 3, 4, 0.0)
    b = getattr(L, name)(2, 3, 4, 0.0)
    buf = io.BytesIO()
    serializers.save_npz(buf, a)
    buf.seek(0)
    keys = set(numpy.load(io.BytesIO(buf.getvalue())).keys())
    assert '0/w0' in keys and '%d/b%d' % (2 * dirs - 1, n_w - 1) in keys
    serializers.load_npz(buf, b)
    xs = [numpy.ones((3, 3), numpy.float32)]
    for ya, yb in zip(_run(a, cell, None, None, xs)[2], _run(b, cell, None, None, xs)[2]):
        numpy.testing.assert_array_equal(ya.array, yb.array)


def test_copy_keeps_ws_in_sync():
    link = L.NStepLSTM(1, 2, 3, 0.0)
    c = link.copy(mode='copy')
    assert c.ws[0][0] is c[0].w0 and c.ws[0][0] is not link.ws[0][0]


def test_errors():
    link = L.NStepLSTM(1, 2, 3, 0.0)
    with pytest.raises(TypeError, match='xs must be a list'):
        link(None, None, numpy.ones((3, 2), numpy.float32))
    with pytest.raises(ValueError, match='Inconsistent input size'):
        link(None, None, [numpy.ones((3, 5), numpy.float32)])
    with pytest.raises(ValueError, match='use_cudnn'):
        L.NStepLSTM(1, 2, 3, 0.0, use_cudnn=True)


FIXTURES = numpy.load(__file__.replace('test_n_step_rnn.py', 'fixtures_nstep.npz'))


@pytest.mark.parametrize('name', sorted(LINKS))
def test_matches_chainer(name):
    # parameters written by Chainer's serializer load as they are; outputs and
    # parameter gradients equal Chainer 7.8.1's (make_nstep_fixtures.py)
    n_w, cell, dirs = LINKS[name]
    link = getattr(L, name)(2, 3, 4, 0.0)
    for p in link.params():
        p.array = p.array.astype(numpy.float64)
    serializers.NpzDeserializer(FIXTURES, path=name + '/').load(link)
    xs = [FIXTURES['{}/in/x{}'.format(name, i)] for i in range(4)]
    outs = _run(link, cell, FIXTURES[name + '/in/hx'], FIXTURES[name + '/in/cx'], xs)
    outs = [outs[0]] + ([outs[1]] if cell else []) + list(outs[2])
    for i, o in enumerate(outs):
        numpy.testing.assert_allclose(o.array, FIXTURES['{}/out/{}'.format(name, i)],
                                      rtol=1e-10, atol=1e-12)
    loss = sum(F.sum(o * o) for o in outs)
    link.cleargrads()
    loss.backward()
    for path, p in link.namedparams():
        numpy.testing.assert_allclose(p.grad, FIXTURES['{}/grad{}'.format(name, path)],
                                      rtol=1e-9, atol=1e-11, err_msg=path)
