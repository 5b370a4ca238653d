"""Sequential: Chainer 7's list-like model of Links and plain callables."""
import copy
import functools
import pickle

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Chain, ChainList, Link, Parameter, Sequential, initializers


class Affine(Link):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.n_in = n_in
        self.n_out = n_out
        with self.init_scope():
            self.W = Parameter(initializers.Normal(1.0), None if n_in is None
                               else (n_out, n_in))
            self.b = Parameter(0, (n_out,))

    @property
    def printable_specs(self):
        yield 'n_in', self.n_in
        yield 'n_out', self.n_out

    def forward(self, x):
        if self.W.array is None:
            self.W.initialize((self.n_out, x.shape[1]))
        return F.linear(x, self.W, self.b)


class Pair(Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.a = Affine(2, 2)

    def forward(self, x):
        return self.a(x)


def double(x):
    return x * 2


def split2(x):
    return x, x


def add2(a, b):
    return a + b


def _x(n=2, k=3):
    return numpy.arange(n * k, dtype=numpy.float32).reshape(n, k) / 10


def _names(seq):
    return [n for n, _ in seq.namedparams()]


# -- forward ---------------------------------------------------------------------

def test_forward_links_and_functions():
    numpy.random.seed(0)
    l1, l2 = Affine(3, 4), Affine(4, 2)
    s = Sequential(l1, F.relu, l2)
    x = _x()
    y = s(x)
    expected = l2(F.relu(l1(x)))
    numpy.testing.assert_allclose(y.array, expected.array)
    s.cleargrads()
    F.sum(y).backward()
    assert l1.W.grad is not None and l2.b.grad is not None


def test_forward_lambda_and_partial():
    s = Sequential(lambda x: x + 1, functools.partial(numpy.multiply, 3))
    assert s(1) == 6


def test_forward_tuple_output_is_splatted():
    s = Sequential(split2, add2, double)
    assert s(3) == 12


def test_forward_multiple_inputs():
    s = Sequential(add2, double)
    assert s(1, 2) == 6


def test_forward_empty_raises():
    with pytest.raises(RuntimeError, match='does not have any layer'):
        Sequential()(1)


def test_nested_sequential_forward():
    numpy.random.seed(0)
    inner = Sequential(Affine(3, 3), F.relu)
    s = Sequential(inner, Affine(3, 2))
    assert s(_x()).shape == (2, 2)
    assert _names(s) == ['/0/0/W', '/0/0/b', '/1/W', '/1/b']


def test_lazy_linear_in_sequential():
    import fastgrad.links as L
    numpy.random.seed(0)
    s = Sequential(L.Linear(None, 4), F.relu, L.Linear(None, 2))
    y = s(_x(5, 7))
    assert y.shape == (5, 2)
    assert s[0].W.shape == (4, 7)


# -- children and naming -------------------------------------------------------------

def test_children_are_links_only_named_by_link_order():
    a, b = Affine(3, 4), Affine(4, 2)
    s = Sequential(a, F.relu, b, double)
    assert len(s) == 4
    assert s._children == [a, b]
    assert a.name == '0' and b.name == '1'
    assert _names(s) == ['/0/W', '/0/b', '/1/W', '/1/b']
    assert [n for n, _ in s.namedlinks()] == ['/', '/0', '/1']
    assert list(s.children()) == [a, b]


def test_insert_keeps_children_order():
    a, b, c = Affine(1, 1), Affine(1, 2), Affine(1, 3)
    s = Sequential(F.relu, a, double, b)
    s.insert(2, c)
    assert list(s) == [F.relu, a, c, double, b]
    assert s._children == [a, c, b]
    assert [l.name for l in s._children] == ['0', '1', '2']
    s.insert(0, double)
    assert s[0] is double and s._children == [a, c, b]
    s.insert(-1, Affine(1, 4))
    assert type(s[-2]) is Affine and s[-2].n_out == 4
    assert [l.n_out for l in s._children] == [1, 3, 4, 2]
    n = len(s)
    s.insert(n, double)                   # the end is a valid position
    assert s[-1] is double
    for bad in (n + 2, -(n + 2)):         # beyond it is an error, as in Chainer
        with pytest.raises(IndexError, match='out of range'):
            s.insert(bad, double)
    assert len(s) == n + 1


def test_append_extend_and_add_link():
    s = Sequential()
    s.append(Affine(1, 1))
    s.add_link(Affine(1, 2))
    s.extend(Sequential(double, Affine(1, 3)))
    s.extend([F.relu])
    assert len(s) == 5 and [l.name for l in s._children] == ['0', '1', '2']


def test_not_callable_raises():
    with pytest.raises(ValueError, match='should be callable'):
        Sequential(1)
    s = Sequential(double)
    with pytest.raises(ValueError, match='should be callable'):
        s.append('x')
    with pytest.raises(ValueError, match='should be callable'):
        s[0] = 3


def test_getitem_setitem():
    a, b = Affine(1, 1), Affine(1, 2)
    s = Sequential(a, double, b)
    assert s[0] is a and s[-1] is b and s[0:2] == [a, double]
    c = Affine(1, 3)
    s[1] = c
    assert list(s) == [a, c, b] and s._children == [a, c, b]
    assert [l.name for l in s._children] == ['0', '1', '2']
    s[0] = F.relu
    assert list(s) == [F.relu, c, b] and s._children == [c, b]
    assert c.name == '0'
    s[-1] = double
    assert list(s) == [F.relu, c, double] and s._children == [c]
    s[1] = c                   # same object: no change
    assert list(s) == [F.relu, c, double]
    with pytest.raises(ValueError, match='should be less than'):
        s[3] = double


def test_setitem_slice():
    a, b, c = Affine(1, 1), Affine(1, 2), Affine(1, 3)
    s = Sequential(a, double, b)
    s[0:2] = [c, F.relu, double]
    assert list(s) == [c, F.relu, double, b]
    assert s._children == [c, b] and c.name == '0' and b.name == '1'


def test_delitem():
    a, b, c = Affine(1, 1), Affine(1, 2), Affine(1, 3)
    s = Sequential(a, double, b, F.relu, c)
    del s[1]
    assert list(s) == [a, b, F.relu, c] and s._children == [a, b, c]
    del s[1]
    assert list(s) == [a, F.relu, c] and s._children == [a, c]
    assert c.name == '1'
    del s[-1]
    assert list(s) == [a, F.relu] and s._children == [a]
    del s[:]
    assert len(s) == 0 and s._children == []
    with pytest.raises(IndexError):
        del s[0]


def test_delitem_same_link_twice():
    a = Affine(1, 1)
    s = Sequential(a, double, a)
    del s[2]
    assert list(s) == [a, double] and s._children == [a]


def test_remove_pop_index_count_contains_clear():
    a, b = Affine(1, 1), Affine(1, 2)
    s = Sequential(a, double, b, double)
    assert s.index(double) == 1
    assert s.index(double, 2) == 3
    assert s.count(double) == 2 and s.count(a) == 1
    assert double in s and F.relu not in s
    s.remove(double)
    assert list(s) == [a, b, double]
    with pytest.raises(ValueError, match='There is no layer'):
        s.remove(F.relu)
    with pytest.raises(ValueError):
        s.index(F.relu)
    assert s.pop() is double
    assert s.pop(0) is a and list(s) == [b] and b.name == '0'
    s.clear()
    assert len(s) == 0 and list(s.params()) == []


def test_remove_and_count_by_layer_type():
    s = Sequential(Affine(1, 1), F.relu, Affine(1, 1), double, F.relu)
    assert s.count_by_layer_type('Affine') == 2
    assert s.count_by_layer_type('relu') == 2
    s.remove_by_layer_type('relu')
    assert len(s) == 3 and s.count_by_layer_type('relu') == 0
    s.remove_by_layer_type('Affine')
    assert list(s) == [double] and s._children == []


def test_iter_reversed_len():
    a = Affine(1, 1)
    s = Sequential(a, double, F.relu)
    assert list(iter(s)) == [a, double, F.relu]
    assert list(reversed(s)) == [F.relu, double, a]
    assert len(s) == 3
    s.reverse()
    assert list(s) == [F.relu, double, a] and s._children == [a]


# -- combining ------------------------------------------------------------------------

def test_add_and_iadd():
    a, b = Affine(1, 1), Affine(1, 1)
    s1 = Sequential(a, F.relu)
    s2 = Sequential(b, double)
    s3 = s1 + s2
    assert list(s3) == [a, F.relu, b, double]
    assert list(s1) == [a, F.relu]             # operands unchanged
    assert s3._children == [a, b]
    s1 += s2
    assert list(s1) == [a, F.relu, b, double]
    with pytest.raises(ValueError, match='supports only objects of Sequential'):
        s1 + [double]
    with pytest.raises(ValueError):
        s1 += [double]


def test_mul_repeats_with_fresh_params():
    numpy.random.seed(0)
    s = Sequential(Affine(2, 2), F.relu)
    r = s * 3
    assert len(r) == 6 and len(r._children) == 3
    assert [type(l) for l in r][:2] == [Affine, type(F.relu)]
    assert r[1] is F.relu
    assert not numpy.array_equal(r[0].W.array, r[2].W.array)
    assert r[0] is not s[0]
    assert _names(r) == ['/0/W', '/0/b', '/1/W', '/1/b', '/2/W', '/2/b']
    assert len(2 * s) == 4
    assert len(s * 0) == 0


def test_flatten():
    a, b, c = Affine(1, 1), Affine(1, 1), Affine(1, 1)
    s = Sequential(a, Sequential(F.relu, Sequential(b, double)), c)
    f = s.flatten()
    assert list(f) == [a, F.relu, b, double, c]
    assert f._children == [a, b, c]


def test_repeat_sequential():
    s = Sequential(Affine(2, 2), F.relu)
    r = s.repeat(2)
    assert len(r) == 2 and all(isinstance(x, Sequential) for x in r)
    assert r[0][1] is F.relu


# -- copy / params ------------------------------------------------------------------

@pytest.mark.parametrize('mode', ['share', 'copy', 'init'])
def test_copy_modes_with_functions(mode):
    numpy.random.seed(0)
    lam = lambda x: x  # noqa: E731
    a = Affine(2, 2)
    s = Sequential(a, F.relu, lam, Pair())
    c = s.copy(mode)
    assert type(c) is Sequential and len(c) == 4
    assert c[1] is F.relu and c[2] is lam
    assert c[0] is not a and c[0].name == '0' and c[3].name == '1'
    assert c[3].a.name == 'a'
    shared = c[0].W.array is a.W.array
    assert shared == (mode == 'share')
    if mode == 'copy':
        numpy.testing.assert_array_equal(c[0].W.array, a.W.array)
    if mode == 'init':
        assert not numpy.array_equal(c[0].W.array, a.W.array)
    assert c(_x(1, 2)).shape == (1, 2)


def test_copy_invalid_mode():
    with pytest.raises(ValueError):
        Sequential(double).copy('deep')


def test_chain_with_sequential_child_copy():
    class Net(Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.body = Sequential(Affine(2, 2), lambda x: x * 1)

    n = Net()
    for mode in ('share', 'copy', 'init'):
        c = n.copy(mode)
        assert isinstance(c.body, Sequential) and c.body is not n.body
        assert c.body.name == 'body'
        assert (c.body[0].W.array is n.body[0].W.array) == (mode == 'share')


def test_copyparams():
    numpy.random.seed(0)
    s1 = Sequential(Affine(2, 2), F.relu, Affine(2, 3))
    s2 = Sequential(Affine(2, 2), F.relu, Affine(2, 3))
    s1.copyparams(s2)
    for p, q in zip(s1.params(), s2.params()):
        numpy.testing.assert_array_equal(p.array, q.array)
        assert p.array is not q.array
    with pytest.raises(ValueError):
        s1.copyparams(ChainList(Affine(2, 2)))


def test_addgrads_with_interleaved_functions():
    s1 = Sequential(F.relu, Affine(2, 2), double, Affine(2, 3))
    s2 = Sequential(F.relu, Affine(2, 2), double, Affine(2, 3))
    s1.cleargrads()
    for p in s2.params():
        p.grad = numpy.ones_like(p.array)
    s1.addgrads(s2)
    for p in s1.params():
        numpy.testing.assert_array_equal(p.grad, numpy.ones_like(p.array))


def test_count_params_and_serialize_keys():
    s = Sequential(Affine(2, 3), F.relu, Affine(3, 1))
    assert s.count_params() == 2 * 3 + 3 + 3 + 1
    store = {}

    class Ser(object):
        def __init__(self, prefix=''):
            self.prefix = prefix

        def __getitem__(self, k):
            return Ser(self.prefix + k + '/')

        def __call__(self, k, v):
            store[self.prefix + k] = v
            return v

    s.serialize(Ser())
    assert sorted(store) == ['0/W', '0/b', '1/W', '1/b']


def test_init_scope_link_assignment_raises():
    s = Sequential()
    with pytest.raises(TypeError):
        with s.init_scope():
            s.l = Affine(1, 1)


def test_to_device_numpy():
    s = Sequential(Affine(2, 2), F.relu)
    assert s.to_device('@numpy') is s and s.xp is numpy and s[0].xp is numpy


# -- printing / pickling ---------------------------------------------------------------

def test_str_links_functions_nested():
    s = Sequential(Affine(3, 2), F.relu, Sequential(Affine(2, 1)), Pair())
    assert str(s) == (
        'Sequential(\n'
        '  (0): Affine(n_in=3, n_out=2),\n'
        '  (1): {},\n'
        '  (2): Sequential(\n'
        '    (0): Affine(n_in=2, n_out=1),\n'
        '  ),\n'
        '  (3): Pair(\n'
        '    (a): Affine(n_in=2, n_out=2),\n'
        '  ),\n'
        ')').format(str(F.relu))
    assert str(Sequential()) == 'Sequential()'


def test_str_lambda_uses_source():
    s = Sequential(lambda x: x * 3)
    assert str(s) == 'Sequential(\n  (0): s = Sequential(lambda x: x * 3),\n)'


def test_str_partial():
    p = functools.partial(double)
    assert str(Sequential(p)) == 'Sequential(\n  (0): {},\n)'.format(str(p))


def test_pickle_roundtrip_without_lambda():
    numpy.random.seed(0)
    s = Sequential(Affine(3, 2), F.relu, functools.partial(double))
    s.cleargrads()
    s2 = pickle.loads(pickle.dumps(s))
    assert len(s2) == 3 and s2[1] is F.relu
    numpy.testing.assert_array_equal(s2[0].W.array, s[0].W.array)
    numpy.testing.assert_allclose(s2(_x()).array, s(_x()).array)
    assert s2._children == [s2[0]]


def test_pickle_with_lambda_raises():
    s = Sequential(lambda x: x)
    with pytest.raises(ValueError, match='lambda'):
        pickle.dumps(s)


def test_deepcopy():
    s = Sequential(Affine(2, 2), F.relu)
    s.cleargrads()
    c = copy.deepcopy(s)
    assert c[0] is not s[0] and c[1] is F.relu and c._children == [c[0]]


def test_import_as_chainer_sequential():
    import fastgrad as chainer
    import fastgrad.links as L
    numpy.random.seed(0)
    model = chainer.Sequential(L.Linear(3, 5), F.relu, L.Linear(5, 2))
    x = numpy.ones((4, 3), dtype=numpy.float32)
    t = numpy.zeros((4, 2), dtype=numpy.float32)
    first = None
    for _ in range(10):
        model.cleargrads()
        loss = F.mean_squared_error(model(x), t)
        loss.backward()
        for p in model.params():
            p.array -= 0.1 * p.grad
        first = float(loss.array) if first is None else first
    assert float(loss.array) < first
    assert isinstance(model, fastgrad.ChainList)
