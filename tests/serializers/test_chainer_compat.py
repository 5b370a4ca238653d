"""Files written by a real Chainer 7.8.1 (fixtures/, made by
make_chainer_fixtures.py) load into the same model built with fastgrad, and
fastgrad writes files with exactly Chainer's keys, dtypes and shapes.  (That
Chainer reads fastgrad's files was checked by hand with
chainer_reads_fastgrad.py; CI has no Chainer.)"""
import importlib.util
import io
import os

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import optimizers, serializers

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, 'fixtures')


def _fixture_model():
    spec = importlib.util.spec_from_file_location(
        'fixture_model', os.path.join(HERE, 'fixture_model.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


Model, Lazy = _fixture_model().define(fastgrad, L, F)


@pytest.fixture(scope='module')
def expected():
    with numpy.load(os.path.join(FIX, 'chainer_expected.npz')) as f:
        return dict(f)


def _layout(path):
    with numpy.load(path, allow_pickle=True) as f:
        return {k: (f[k].dtype.str, f[k].shape) for k in f.files}


def test_fixtures_are_small():
    total = sum(os.path.getsize(os.path.join(FIX, f)) for f in os.listdir(FIX))
    assert total < 50 * 1024


@pytest.mark.parametrize('n_in', [4, None], ids=['eager', 'lazy'])
def test_load_chainer_model(expected, n_in):
    model = Model(n_in=n_in)
    serializers.load_npz(os.path.join(FIX, 'chainer_model.npz'), model)
    names = [k for k, _ in model.namedparams()]
    assert len(names) == 7
    for path, p in model.namedparams():
        numpy.testing.assert_array_equal(p.array, expected['adam_model/' + path.lstrip('/')])
        assert p.dtype == numpy.float32
    assert model.l1.W.shape == (3, 4)
    assert model.child.count == 7 and type(model.child.count) is int
    numpy.testing.assert_array_equal(model.child.avg, [0.5, -1.5])


def test_load_chainer_adam_and_continue(expected):
    model = Model()
    serializers.load_npz(os.path.join(FIX, 'chainer_model.npz'), model)
    opt = optimizers.Adam(alpha=0.01).setup(model)
    serializers.load_npz(os.path.join(FIX, 'chainer_adam.npz'), opt)
    assert (opt.t, opt.epoch) == (2, 1)
    with numpy.load(os.path.join(FIX, 'chainer_adam.npz')) as f:
        for path, p in model.namedparams():
            key = path.lstrip('/')
            assert p.update_rule.t == 2
            for s in ('m', 'v'):
                numpy.testing.assert_array_equal(p.update_rule.state[s], f[key + '/' + s])


def test_chainer_adam_steps_are_reproduced(expected):
    # Start from Chainer's initial float32 parameters, do the same two Adam
    # steps: the result matches Chainer's saved model to float32 rounding.
    model = Model()
    for path, p in model.namedparams():
        p.array[...] = expected['init/' + path.lstrip('/')]
    opt = optimizers.Adam(alpha=0.01).setup(model)
    x, t = expected['x'], expected['t']
    for _ in range(2):
        opt.update(lambda: F.softmax_cross_entropy(model(x), t))
    reference = Model()
    serializers.load_npz(os.path.join(FIX, 'chainer_model.npz'), reference)
    for (path, p), (_, q) in zip(model.namedparams(), reference.namedparams()):
        numpy.testing.assert_allclose(p.array, q.array, rtol=1e-5, atol=1e-6)
    with numpy.load(os.path.join(FIX, 'chainer_adam.npz')) as f:
        for path, p in model.namedparams():
            numpy.testing.assert_allclose(p.update_rule.state['m'],
                                          f[path.lstrip('/') + '/m'], rtol=1e-5, atol=1e-7)


def test_load_chainer_momentum_sgd(expected):
    model = Model()
    for path, p in model.namedparams():
        p.array[...] = expected['init/' + path.lstrip('/')]
    opt = optimizers.MomentumSGD(lr=0.1).setup(model)
    x, t = expected['x'], expected['t']
    for _ in range(2):
        opt.update(lambda: F.softmax_cross_entropy(model(x), t))
    for path, p in model.namedparams():
        numpy.testing.assert_allclose(
            p.array, expected['momentum_model/' + path.lstrip('/')], rtol=1e-5, atol=1e-6)
    other = Model()
    opt2 = optimizers.MomentumSGD(lr=0.1).setup(other)
    serializers.load_npz(os.path.join(FIX, 'chainer_momentum_sgd.npz'), opt2)
    assert (opt2.t, opt2.epoch) == (2, 0)
    for (path, p), (_, q) in zip(model.namedparams(), other.namedparams()):
        numpy.testing.assert_allclose(q.update_rule.state['v'], p.update_rule.state['v'],
                                      rtol=1e-5, atol=1e-7)


def test_load_chainer_lazy_link(expected):
    model = Lazy()
    serializers.load_npz(os.path.join(FIX, 'chainer_lazy.npz'), model)
    assert model.lazy.W.array is None          # Chainer stored None
    numpy.testing.assert_array_equal(model.dense.W.array, expected['lazy_dense_W'])


def _write(obj, compression=True):
    f = io.BytesIO()
    serializers.save_npz(f, obj, compression=compression)
    f.seek(0)
    return f


def test_fastgrad_files_have_chainer_layout():
    model = Model()
    x = numpy.ones((2, 4), numpy.float32)
    t = numpy.array([0, 1], numpy.int32)
    adam = optimizers.Adam(alpha=0.01).setup(model)
    for _ in range(2):
        adam.update(lambda: F.softmax_cross_entropy(model(x), t))
    adam.new_epoch()
    assert _layout(_write(model)) == _layout(os.path.join(FIX, 'chainer_model.npz'))
    assert _layout(_write(adam)) == _layout(os.path.join(FIX, 'chainer_adam.npz'))
    msgd = optimizers.MomentumSGD().setup(Model())
    for p in msgd.target.params():
        p.grad = numpy.ones_like(p.array)
    msgd.update()
    assert _layout(_write(msgd, compression=False)) == \
        _layout(os.path.join(FIX, 'chainer_momentum_sgd.npz'))
    lazy_layout = _layout(_write(Lazy()))
    assert lazy_layout == _layout(os.path.join(FIX, 'chainer_lazy.npz'))
    assert lazy_layout['lazy/W'] == ('|O', ())
