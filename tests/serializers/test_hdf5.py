"""save_hdf5 / load_hdf5: round trips, Chainer's files (fixtures_hdf5/, made by
a real Chainer 7.8.1 with make_chainer_hdf5_fixtures.py), and all-or-nothing
loading."""
import importlib.util
import os

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import optimizers, serializers

h5py = pytest.importorskip('h5py')

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, 'fixtures')
FIX5 = os.path.join(HERE, 'fixtures_hdf5')

spec = importlib.util.spec_from_file_location(
    'fixture_model', os.path.join(HERE, 'fixture_model.py'))
_mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(_mod)
Model, Lazy = _mod.define(fastgrad, L, F)


def _same_params(a, b):
    pa, pb = dict(a.namedparams()), dict(b.namedparams())
    assert pa.keys() == pb.keys()
    for k in pa:
        numpy.testing.assert_array_equal(pa[k].array, pb[k].array)


def test_chainer_model_file_loads_like_its_npz():
    from_h5, from_npz = Model(), Model()
    serializers.load_hdf5(os.path.join(FIX5, 'chainer_model.h5'), from_h5)
    serializers.load_npz(os.path.join(FIX, 'chainer_model.npz'), from_npz)
    _same_params(from_h5, from_npz)
    assert from_h5.child.count == 7 and type(from_h5.child.count) is int
    numpy.testing.assert_array_equal(from_h5.child.avg, [0.5, -1.5])


def test_chainer_adam_file():
    model = Model()
    serializers.load_hdf5(os.path.join(FIX5, 'chainer_model.h5'), model)
    opt = optimizers.Adam(alpha=0.01).setup(model)
    serializers.load_hdf5(os.path.join(FIX5, 'chainer_adam.h5'), opt)
    assert (opt.t, opt.epoch) == (2, 1)
    with numpy.load(os.path.join(FIX, 'chainer_adam.npz')) as f:
        for path, p in model.namedparams():
            for s in ('m', 'v'):
                numpy.testing.assert_array_equal(p.update_rule.state[s],
                                                 f[path.lstrip('/') + '/' + s])


def test_chainer_lazy_file_keeps_none():
    lazy = Lazy()
    serializers.load_hdf5(os.path.join(FIX5, 'chainer_lazy.h5'), lazy)
    assert lazy.lazy.W.array is None


def test_layout_matches_chainer(tmp_path):
    # Same groups, datasets, shapes and dtypes as the file Chainer wrote.
    model = Model()
    serializers.load_npz(os.path.join(FIX, 'chainer_model.npz'), model)
    out = tmp_path / 'm.h5'
    serializers.save_hdf5(out, model)

    def layout(path):
        items = {}
        with h5py.File(path, 'r') as f:
            f.visititems(lambda name, obj: items.__setitem__(
                name, (obj.dtype.str, obj.shape) if isinstance(obj, h5py.Dataset)
                else 'group'))
        return items
    assert layout(out) == layout(os.path.join(FIX5, 'chainer_model.h5'))


def test_round_trip_with_optimizer_and_none(tmp_path):
    model = Model()
    x = numpy.random.RandomState(0).rand(5, 4).astype(numpy.float32)
    t = numpy.array([0, 1, 1, 0, 1], numpy.int32)
    opt = optimizers.Adam().setup(model)
    opt.update(lambda: F.softmax_cross_entropy(model(x), t))
    serializers.save_hdf5(tmp_path / 'm.h5', model)
    serializers.save_hdf5(tmp_path / 'o.h5', opt)
    model2 = Model()
    opt2 = optimizers.Adam().setup(model2)
    serializers.load_hdf5(tmp_path / 'm.h5', model2)
    serializers.load_hdf5(tmp_path / 'o.h5', opt2)
    _same_params(model, model2)
    assert opt2.t == 1
    lazy = Lazy()
    serializers.save_hdf5(tmp_path / 'lazy.h5', lazy)
    lazy2 = Lazy()
    serializers.load_hdf5(tmp_path / 'lazy.h5', lazy2)
    assert lazy2.lazy.W.array is None


def test_load_is_all_or_nothing(tmp_path):
    src = L.Linear(3, 2)
    serializers.save_hdf5(tmp_path / 'l.h5', src)
    with h5py.File(tmp_path / 'l.h5', 'a') as f:
        del f['b']
        f['b'] = numpy.zeros(5, numpy.float32)      # wrong shape, read last
    dst = L.Linear(3, 2)
    before = dst.W.array.copy()
    with pytest.raises(ValueError, match='shape mismatch'):
        serializers.load_hdf5(tmp_path / 'l.h5', dst)
    numpy.testing.assert_array_equal(dst.W.array, before)


def test_strict_and_missing_keys(tmp_path):
    serializers.save_hdf5(tmp_path / 'l.h5', L.Linear(3, 2, nobias=True))
    dst = L.Linear(3, 2)
    with pytest.raises(KeyError, match="'b'"):
        serializers.load_hdf5(tmp_path / 'l.h5', dst)
    b = dst.b.array.copy()
    serializers.load_hdf5(tmp_path / 'l.h5', dst, strict=False)
    numpy.testing.assert_array_equal(dst.b.array, b)


def test_path_selects_a_group(tmp_path):
    chain = fastgrad.Chain()
    with chain.init_scope():
        chain.inner = L.Linear(3, 2)
    serializers.save_hdf5(tmp_path / 'c.h5', chain)
    inner = L.Linear(3, 2)
    serializers.load_hdf5(tmp_path / 'c.h5', inner, path='inner')
    numpy.testing.assert_array_equal(inner.W.array, chain.inner.W.array)


def test_save_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / 'm.h5'
    serializers.save_hdf5(target, L.Linear(3, 2))
    good = target.read_bytes()

    class Broken(L.Linear):
        def serialize(self, serializer):
            super().serialize(serializer)
            raise RuntimeError('disk full')
    with pytest.raises(RuntimeError, match='disk full'):
        serializers.save_hdf5(target, Broken(3, 2))
    assert target.read_bytes() == good
    assert os.listdir(tmp_path) == ['m.h5']


def test_save_hdf5_of_a_dict_loads_into_a_link(tmp_path):
    """As Chainer's: a dict of arrays is written key by key (how Chainer's own
    tests write an old model's file)."""
    path = str(tmp_path / 'd.h5')
    serializers.save_hdf5(path, {'avg_mean': numpy.arange(2, dtype=numpy.float32),
                                 '/avg_projection': numpy.eye(2, dtype=numpy.float32),
                                 'N': numpy.array(4)})
    link = L.DecorrelatedBatchNormalization(2, groups=1)
    serializers.load_hdf5(path, link)
    numpy.testing.assert_array_equal(link.avg_mean, [[0, 1]])
    numpy.testing.assert_array_equal(link.avg_projection, [numpy.eye(2)])
    assert link.N == 4
    with pytest.raises(TypeError, match='dict of arrays'):
        serializers.save_hdf5(path, [1, 2])


class _Named(object):
    def __init__(self, name):
        self.name = name

    def serialize(self, serializer):
        self.name = serializer('name', self.name)


def test_strings_round_trip_and_h5py_strings_load(tmp_path):
    path = str(tmp_path / 's.h5')
    serializers.save_hdf5(path, _Named('abc é'))
    got = _Named('')
    serializers.load_hdf5(path, got)
    assert got.name == 'abc é'
    with h5py.File(path, 'w') as f:       # a string written by h5py itself
        f.create_dataset('name', data='xyz')
    serializers.load_hdf5(path, got)
    assert got.name == 'xyz'
