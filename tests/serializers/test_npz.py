"""save_npz / load_npz, DictionarySerializer, NpzDeserializer: Chainer's key
layout, None handling, strict / path / ignore_names, safe scalar casts, lazy
parameters, and all-or-nothing loading with errors that name the key."""
import io
import os
import pathlib
import zipfile

import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad import Parameter, optimizers, serializers
from fastgrad.serializers import DictionarySerializer, NpzDeserializer, load_npz, save_npz


class Child(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.linear = L.Linear(2, 3)
            self.Wc = Parameter(numpy.arange(6, dtype=numpy.float32).reshape(2, 3))
        self.add_persistent('count', 3)
        self.add_persistent('avg', numpy.array([1.5, 2.5], numpy.float32))
        self.add_persistent('nothing', None)


class Parent(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.child = Child()
            self.Wp = Parameter(numpy.full((2,), 7, numpy.float32))
            self.lazy = L.Linear(None, 2)


KEYS = {'Wp', 'child/Wc', 'child/count', 'child/avg', 'child/nothing',
        'child/linear/W', 'child/linear/b', 'lazy/W', 'lazy/b'}


def _values(link):
    out = {p: v.array.copy() for p, v in link.namedparams() if v.array is not None}
    out['count'] = link.child.count
    out['avg'] = link.child.avg.copy()
    return out


def _scramble(link):
    for p in link.params():
        if p.array is not None:
            p.array[...] = -123
    link.child.count = -1
    link.child.avg[...] = -1


def _same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        numpy.testing.assert_array_equal(a[k], b[k])


def test_dictionary_serializer_key_layout():
    link = Parent()
    s = DictionarySerializer()
    s.save(link)
    assert set(s.target) == KEYS
    numpy.testing.assert_array_equal(s.target['Wp'], link.Wp.array)
    assert s.target['lazy/W'].dtype == object and s.target['lazy/W'][()] is None
    assert s.target['child/nothing'][()] is None
    assert s.target['child/count'] == 3
    # sub-serializers strip slashes and prefix the path
    sub = s['/a/b/']
    assert sub.path == 'a/b/' and sub.target is s.target
    assert sub('/x', 1) == 1 and 'a/b/x' in s.target
    assert serializers.serialize(link).keys() == KEYS


@pytest.mark.parametrize('compression', [True, False])
@pytest.mark.parametrize('kind', ['str', 'pathlib', 'bytesio'])
def test_round_trip(tmp_path, kind, compression):
    a = Parent()
    b = Parent()
    expected = _values(a)
    _scramble(b)
    path = tmp_path / 'model.npz'
    if kind == 'bytesio':
        f = io.BytesIO()
        save_npz(f, a, compression=compression)
        f.seek(0)
        load_npz(f, b)
    else:
        target = str(path) if kind == 'str' else path
        save_npz(target, a, compression=compression)
        with numpy.load(path, allow_pickle=True) as npz:
            assert set(npz.files) == KEYS
            compressed = zipfile.ZipFile(path).infolist()[0].compress_type
            assert (compressed == zipfile.ZIP_DEFLATED) == compression
        load_npz(target, b)
    _same(_values(b), expected)
    assert type(b.child.count) is int
    assert b.lazy.W.array is None                # stored None: left alone
    assert b.child.nothing is None


def test_save_a_dict():
    f = io.BytesIO()
    save_npz(f, {'a': numpy.arange(3), 'b/c': numpy.float32(2)})
    f.seek(0)
    with numpy.load(f) as npz:
        assert set(npz.files) == {'a', 'b/c'}


def test_save_something_without_serialize():
    with pytest.raises(TypeError, match='serialize'):
        save_npz(io.BytesIO(), 42)


def test_loading_into_an_uninitialized_parameter_initializes_it():
    a = Parent()
    a.lazy(numpy.ones((1, 5), numpy.float32))     # now initialized (2, 5)
    f = io.BytesIO()
    save_npz(f, a)
    f.seek(0)
    b = Parent()
    assert b.lazy.W.array is None
    load_npz(f, b)
    assert b.lazy.W.shape == (2, 5) and b.lazy.W.dtype == numpy.float32
    numpy.testing.assert_array_equal(b.lazy.W.array, a.lazy.W.array)
    assert b.lazy.W.array is not a.lazy.W.array


def test_path_argument_and_sub_deserializer():
    a = Parent()
    f = io.BytesIO()
    save_npz(f, {'model/' + k: v for k, v in serializers.serialize(a).items()})
    b = Parent()
    _scramble(b)
    f.seek(0)
    load_npz(f, b, path='model/')
    _same(_values(b), _values(a))
    f.seek(0)
    c = Child()
    _scramble_child = c.Wc.array.copy()
    with numpy.load(f, allow_pickle=True) as npz:
        NpzDeserializer(npz)['/model/child/'].load(c)
    numpy.testing.assert_array_equal(c.Wc.array, a.child.Wc.array)
    assert not numpy.array_equal(_scramble_child, -123)


def _file_without(link, *drop):
    d = serializers.serialize(link)
    for k in drop:
        del d[k]
    f = io.BytesIO()
    save_npz(f, d)
    f.seek(0)
    return f


def test_missing_key_strict_raises_naming_it_and_loads_nothing():
    a = Parent()
    f = _file_without(a, 'child/linear/b')
    b = Parent()
    _scramble(b)
    before = _values(b)
    with pytest.raises(KeyError, match='child/linear/b'):
        load_npz(f, b)
    _same(_values(b), before)                    # nothing half-loaded


def test_missing_key_non_strict_keeps_the_value():
    a = Parent()
    f = _file_without(a, 'child/linear/b', 'child/count')
    b = Parent()
    _scramble(b)
    b_bias = b.child.linear.b.array.copy()
    load_npz(f, b, strict=False)
    numpy.testing.assert_array_equal(b.child.linear.b.array, b_bias)
    assert b.child.count == -1
    numpy.testing.assert_array_equal(b.Wp.array, a.Wp.array)


@pytest.mark.parametrize('ignore', [
    'child/linear/b',
    ['child/linear/b', 'Wp'],
    lambda key: key.endswith('/b') or key == 'Wp',
    ('Wp', lambda key: key == 'child/linear/b'),
])
def test_ignore_names(ignore):
    a = Parent()
    f = _file_without(a, 'child/linear/b')       # an ignored key may be missing
    b = Parent()
    _scramble(b)
    wp = b.Wp.array.copy()
    load_npz(f, b, ignore_names=ignore)
    numpy.testing.assert_array_equal(b.child.linear.b.array, -123)
    numpy.testing.assert_array_equal(b.child.Wc.array, a.child.Wc.array)
    if not isinstance(ignore, str):
        numpy.testing.assert_array_equal(b.Wp.array, wp)


def test_bad_ignore_names():
    f = _file_without(Parent())
    with pytest.raises(ValueError, match='ignore_names'):
        load_npz(f, Parent(), ignore_names=[1])


def test_shape_mismatch_names_the_key_and_loads_nothing():
    a = Parent()
    d = serializers.serialize(a)
    d['child/linear/W'] = numpy.zeros((4, 2), numpy.float32)
    f = io.BytesIO()
    save_npz(f, d)
    f.seek(0)
    b = Parent()
    _scramble(b)
    before = _values(b)
    with pytest.raises(ValueError, match=r"child/linear/W.*\(4, 2\).*\(3, 2\)"):
        load_npz(f, b)
    _same(_values(b), before)


def test_dtype_that_cannot_be_cast_names_the_key():
    d = serializers.serialize(Parent())
    d['Wp'] = numpy.array([1 + 2j, 3j], numpy.complex64)
    b = Parent()
    before = _values(b)
    with pytest.raises(TypeError, match="'Wp'.*complex64.*float32"):
        NpzDeserializer(d).load(b)
    _same(_values(b), before)


def test_float64_file_into_float32_params_is_cast():
    a = Parent()
    d = {k: (v.astype(numpy.float64) if v.dtype == numpy.float32 else v)
         for k, v in serializers.serialize(a).items()}
    b = Parent()
    _scramble(b)
    NpzDeserializer(d).load(b)
    assert b.Wp.dtype == numpy.float32
    _same(_values(b), _values(a))


@pytest.mark.parametrize('stored,target,expected', [
    (numpy.int64(5), 0, 5),
    (numpy.int32(5), 0, 5),
    (numpy.uint64(5), 0, 5),              # any integer into a Python int
    (numpy.int64(5), 0.0, 5.0),
    (numpy.float32(1.5), 0.0, 1.5),
    (numpy.bool_(True), False, True),
    (numpy.float32(1.5), numpy.float32(0), numpy.float32(1.5)),
    (numpy.asarray('text'), 'x', 'text'),
])
def test_scalar_safe_cast(stored, target, expected):
    d = NpzDeserializer({'k': numpy.asarray(stored)})
    value = d('k', target)
    assert value == expected and type(value) is type(target)


@pytest.mark.parametrize('stored,target', [
    (numpy.float32(1.5), 0),
    (numpy.float64(1.5), numpy.float32(0)),
    (numpy.int64(1), numpy.int8(0)),
])
def test_scalar_unsafe_cast_is_a_type_error(stored, target):
    d = NpzDeserializer({'key/x': numpy.asarray(stored)})
    with pytest.raises(TypeError, match='Cannot safely deserialize.*key/x'):
        d('key/x', target)


def test_unsafe_scalar_cast_in_load_leaves_everything():
    d = serializers.serialize(Parent())
    d['child/count'] = numpy.float32(2.5)
    b = Parent()
    _scramble(b)
    before = _values(b)
    with pytest.raises(TypeError, match='child/count'):
        NpzDeserializer(d).load(b)
    _same(_values(b), before)


def test_deserialize_none_returns_none():
    d = NpzDeserializer({'a': numpy.asarray(None), 'b': numpy.ones(2)})
    assert d('a', numpy.zeros(2)) is None
    out = d('b', None)
    numpy.testing.assert_array_equal(out, [1, 1])
    arr = numpy.zeros(2)
    assert d('b', arr) is arr
    numpy.testing.assert_array_equal(arr, [1, 1])


def test_not_an_npz_file(tmp_path):
    p = tmp_path / 'junk.npz'
    p.write_bytes(b'this is not a zip file at all')
    with pytest.raises(ValueError, match='not an npz'):
        load_npz(str(p), Parent())
    q = tmp_path / 'array.npy'
    numpy.save(q, numpy.ones(3))
    with pytest.raises(ValueError, match='not an npz'):
        load_npz(str(q), Parent())
    with pytest.raises(FileNotFoundError):
        load_npz(str(tmp_path / 'missing.npz'), Parent())


def test_truncated_file(tmp_path):
    f = io.BytesIO()
    save_npz(f, Parent())
    p = tmp_path / 'cut.npz'
    p.write_bytes(f.getvalue()[:len(f.getvalue()) // 2])
    b = Parent()
    before = _values(b)
    with pytest.raises(ValueError, match='cut.npz'):
        load_npz(str(p), b)
    _same(_values(b), before)


def test_corrupt_member_names_the_key_and_loads_nothing(tmp_path):
    a = Parent()
    p = tmp_path / 'corrupt.npz'
    save_npz(str(p), a, compression=False)
    raw = bytearray(p.read_bytes())
    # flip bytes inside the data of 'child/linear/W' (CRC check fails)
    info = {i.filename: i for i in zipfile.ZipFile(p).infolist()}['child/linear/W.npy']
    start = info.header_offset + 30 + len(info.filename) + 130
    raw[start:start + 4] = bytes(255 - x for x in raw[start:start + 4])
    p.write_bytes(bytes(raw))
    b = Parent()
    _scramble(b)
    before = _values(b)
    with pytest.raises(ValueError, match='child/linear/W'):
        load_npz(str(p), b)
    _same(_values(b), before)


def test_optimizer_keys_and_round_trip(tmp_path):
    link = Parent()
    link.lazy(numpy.ones((1, 4), numpy.float32))
    opt = optimizers.AdaDelta().setup(link)
    for p in link.params():
        p.grad = numpy.ones_like(p.array)
    opt.update()
    path = tmp_path / 'opt.npz'
    save_npz(path, opt)
    with numpy.load(path) as npz:
        files = set(npz.files)
    params = {k.lstrip('/') for k, _ in link.namedparams()}
    assert files == ({'t', 'epoch'} | {p + '/t' for p in params}
                     | {p + '/msg' for p in params} | {p + '/msdx' for p in params})
    other = Parent()
    other.lazy(numpy.ones((1, 4), numpy.float32))
    opt2 = optimizers.AdaDelta().setup(other)
    load_npz(path, opt2)
    assert opt2.t == 1 and type(opt2.t) is int
    for (k, p), (_, q) in zip(link.namedparams(), other.namedparams()):
        assert q.update_rule.t == 1
        for s in ('msg', 'msdx'):
            numpy.testing.assert_array_equal(q.update_rule.state[s],
                                             p.update_rule.state[s])


def test_optimizer_state_shape_mismatch_loads_nothing():
    link = Parent()
    link.lazy(numpy.ones((1, 4), numpy.float32))
    opt = optimizers.MomentumSGD().setup(link)
    for p in link.params():
        p.grad = numpy.ones_like(p.array)
    opt.update()
    d = {k: numpy.array(v, copy=True) for k, v in serializers.serialize(opt).items()}
    d['t'] = numpy.asarray(9)
    d['lazy/W/v'] = numpy.zeros((5, 5), numpy.float32)
    v_before = link.Wp.update_rule.state['v'].copy()
    with pytest.raises(ValueError, match='lazy/W/v'):
        NpzDeserializer(d).load(opt)
    assert opt.t == 1
    numpy.testing.assert_array_equal(link.Wp.update_rule.state['v'], v_before)


def test_serializer_base_classes():
    from fastgrad.serializers import AbstractSerializer, Deserializer, Serializer
    assert issubclass(DictionarySerializer, Serializer)
    assert issubclass(NpzDeserializer, Deserializer)
    assert issubclass(Serializer, AbstractSerializer)
    with pytest.raises(NotImplementedError):
        AbstractSerializer()('k', 1)
    with pytest.raises(NotImplementedError):
        AbstractSerializer()['k']


def test_saving_does_not_touch_the_model(tmp_path):
    a = Parent()
    before = _values(a)
    save_npz(os.path.join(str(tmp_path), 'm.npz'), a)
    _same(_values(a), before)
    assert pathlib.Path(tmp_path, 'm.npz').stat().st_size > 0
