"""Link, Chain, ChainList: Chainer 7's registration, traversal, copying,
serialization, device and printing behaviour."""
import copy
import pickle
import warnings

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Chain, ChainList, Link, Parameter, Sequential, initializers

# -- small links that hold their parameters directly ---------------------------

class Affine(Link):
    """y = x W^T + b, with lazily initialized W when n_in is None."""

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


class Holder(Link):
    """Parameters registered out of alphabetical order, plus a persistent."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.z = Parameter(numpy.arange(3, dtype=numpy.float32))
            self.a = Parameter(numpy.ones((2, 2), dtype=numpy.float32))
        self.add_persistent('mean', numpy.zeros(3, dtype=numpy.float32))
        self.add_persistent('count', 0)


class Two(Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l2 = Affine(3, 2)
            self.l1 = Affine(4, 3)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


class Outer(Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.p = Parameter(initializers.Zero(), (2,))
            self.inner = Two()
            self.head = Affine(None, 5)


class FakeRule(object):
    def __init__(self, enabled=True):
        self.enabled = enabled


class FakeSerializer(object):
    """Records saves; when loading, returns the stored array for a key."""

    def __init__(self, store=None, path='', load=False):
        self.store = {} if store is None else store
        self.path = path
        self.load = load

    def __getitem__(self, key):
        return FakeSerializer(self.store, self.path + key + '/', self.load)

    def __call__(self, key, value):
        full = self.path + key
        if self.load:
            loaded = self.store[full]
            if value is None or numpy.isscalar(value):
                return loaded
            numpy.copyto(value, loaded)
            return value
        self.store[full] = copy.deepcopy(value)
        return value


def _x(n=2, k=4):
    return numpy.arange(n * k, dtype=numpy.float32).reshape(n, k) / 10


# -- registration -------------------------------------------------------------

def test_param_registered_in_init_scope_only():
    link = Link()
    with link.init_scope():
        link.w = Parameter(numpy.zeros(3, dtype=numpy.float32))
    link.v = Parameter(numpy.zeros(2, dtype=numpy.float32))
    assert link._params == ['w']
    assert link.w.name == 'w'
    assert link.v.name is None
    assert [p for p in link.params()] == [link.w]
    assert not link.within_init_scope


def test_within_init_scope_flag_and_nesting():
    link = Link()
    assert link.within_init_scope is False
    with link.init_scope():
        assert link.within_init_scope is True
        with link.init_scope():
            assert link.within_init_scope is True
        assert link.within_init_scope is True
    assert link.within_init_scope is False


def test_init_scope_flag_restored_on_error():
    link = Link()
    with pytest.raises(ValueError):
        with link.init_scope():
            raise ValueError
    assert not link.within_init_scope


def test_missing_super_init_raises():
    class Bad(Link):
        def __init__(self):
            with self.init_scope():
                self.w = Parameter(numpy.zeros(1, dtype=numpy.float32))

    with pytest.raises(RuntimeError, match=r'Link.__init__\(\) has not been called.'):
        Bad()


def test_missing_super_init_on_call_raises():
    class Bad(Link):
        def __init__(self):
            pass

        def forward(self, x):
            return x

    with pytest.raises(RuntimeError, match='has not been called'):
        Bad()(1)


def test_attributes_before_super_init_are_fine():
    class Early(Chain):
        def __init__(self):
            self.units = 3
            super().__init__()
            with self.init_scope():
                self.l = Affine(2, self.units)

    e = Early()
    assert e.units == 3 and e._children == ['l']


def test_legacy_kwargs_params():
    link = Link(x=(2, 3), y=((4,), 'd'), z=None, s=5)
    assert link._params == ['s', 'x', 'y', 'z']
    assert link.x.shape == (2, 3) and link.x.dtype == numpy.float32
    assert numpy.isnan(link.x.array).all()
    assert link.y.shape == (4,) and link.y.dtype == numpy.float64
    assert link.z.array is None
    assert link.s.shape == (5,)
    assert link.x.name == 'x'


def test_add_param_variants():
    link = Link()
    link.add_param('a', (2, 3))
    link.add_param('b', (2,), dtype=numpy.float64)
    link.add_param('c', (3,), initializer=initializers.Constant(2.0))
    link.add_param('d')
    assert numpy.isnan(link.a.array).all() and link.a.dtype == numpy.float32
    assert link.b.dtype == numpy.float64
    numpy.testing.assert_array_equal(link.c.array, [2, 2, 2])
    assert link.d.array is None and not link.d.is_initialized
    assert isinstance(link.a, Parameter)
    assert link._params == ['a', 'b', 'c', 'd']


def test_add_param_existing_attribute_raises():
    link = Link()
    link.add_param('a', (1,))
    with pytest.raises(AttributeError, match='attribute exists'):
        link.add_param('a', (1,))
    link.other = 1
    with pytest.raises(AttributeError):
        link.add_param('other', (1,))


def test_add_persistent_and_register_persistent():
    link = Link()
    link.add_persistent('s', 3)
    assert link.s == 3
    link.t = numpy.ones(2)
    link.register_persistent('t')
    assert link._persistent == ['s', 't']
    with pytest.raises(AttributeError, match='attribute exists'):
        link.add_persistent('s', 4)
    with pytest.raises(AttributeError, match='non-existent'):
        link.register_persistent('nothing')


def test_register_persistent_turns_param_into_persistent():
    link = Holder()
    link.register_persistent('a')
    assert link._params == ['z']
    assert 'a' in link._persistent
    assert [p.name for p in link.params()] == ['z']


def test_param_reassigned_in_scope_drops_persistent():
    link = Link()
    link.add_persistent('w', 1)
    with link.init_scope():
        link.w = Parameter(numpy.zeros(1, dtype=numpy.float32))
    assert link._params == ['w'] and link._persistent == []


def test_delattr_unregisters():
    link = Holder()
    del link.a
    del link.mean
    assert link._params == ['z']
    assert link._persistent == ['count']
    assert not hasattr(link, 'a')
    c = Two()
    del c.l1
    assert c._children == ['l2']
    assert [n for n, _ in c.namedparams()] == ['/l2/W', '/l2/b']


def test_parameter_registration_is_sorted_no_duplicates():
    link = Link()
    with link.init_scope():
        for name in ('c', 'a', 'b', 'a'):
            setattr(link, name, Parameter(numpy.zeros(1, dtype=numpy.float32)))
    assert link._params == ['a', 'b', 'c']


# -- calling ------------------------------------------------------------------

def test_call_dispatches_to_forward_with_kwargs():
    class L2(Link):
        def forward(self, x, scale=1):
            return x * scale

    assert L2()(3, scale=2) == 6


def test_user_defined_call_wins():
    class WithCall(Link):
        def __call__(self, x):
            return 'call', x

        def forward(self, x):
            return 'forward', x

    assert WithCall()(1) == ('call', 1)


def test_no_forward_attribute_error():
    with pytest.raises(AttributeError):
        Link()(1)
    with pytest.raises(AttributeError):
        Chain()(1)


def test_mixin_call_takes_priority_over_forward():
    class Mixin(object):
        def __call__(self, x):
            return 'mixin', x

    class M(Link, Mixin):
        def forward(self, x):
            return 'forward', x

    assert M()(2) == ('mixin', 2)


def test_abc_mixin_with_abstract_call_chainerrl_style():
    # chainerrl: class QFunction(Chain, StateQFunction) where StateQFunction
    # is an abc.ABCMeta class with an abstract __call__.
    import abc

    class StateQFunction(object, metaclass=abc.ABCMeta):
        @abc.abstractmethod
        def __call__(self, x):
            raise NotImplementedError()

    class Own(Chain, StateQFunction):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.w = Parameter(numpy.full((2,), 3.0, numpy.float32))

        def __call__(self, x):
            return self.w * x

    class Sub(Own):
        pass

    class Fwd(Chain, StateQFunction):
        def forward(self, x):
            return 'forward', x

    for cls in (Own, Sub):
        y = cls()(numpy.ones(2, numpy.float32))
        numpy.testing.assert_array_equal(y.array, [3, 3])
    # the abstract body is never called: forward() implements it
    assert Fwd()(5) == ('forward', 5)

    class StillAbstract(Chain, StateQFunction):
        @abc.abstractmethod
        def act(self):
            pass

    with pytest.raises(TypeError, match='act'):
        StillAbstract()


def test_link_forward_with_variables_and_backward():
    numpy.random.seed(0)
    model = Two()
    x = _x()
    y = model(x)
    assert y.shape == (2, 2)
    model.cleargrads()
    F.sum(y).backward()
    for p in model.params():
        assert p.grad is not None and p.grad.shape == p.shape


def test_training_steps_reduce_loss():
    numpy.random.seed(0)
    model = Two()
    x = _x(8, 4)
    t = numpy.ones((8, 2), dtype=numpy.float32)
    losses = []
    for _ in range(20):
        model.cleargrads()
        loss = F.mean_squared_error(model(x), t)
        loss.backward()
        for p in model.params():
            p.array -= 0.1 * p.grad
        losses.append(float(loss.array))
    assert losses[-1] < losses[0]


# -- traversal -------------------------------------------------------------------

def test_params_order_own_sorted_then_children_sorted():
    o = Outer()
    names = [n for n, _ in o.namedparams()]
    assert names == ['/p', '/head/W', '/head/b', '/inner/l1/W', '/inner/l1/b',
                     '/inner/l2/W', '/inner/l2/b']
    params = list(o.params())
    assert params == [p for _, p in o.namedparams()]
    assert params[0] is o.p and params[1] is o.head.W


def test_params_is_an_iterator():
    o = Outer()
    it = o.params()
    assert next(it) is o.p


def test_params_include_uninit():
    o = Outer()
    assert o.head.W.array is None
    assert any(p is o.head.W for p in o.params())
    assert all(p.array is not None for p in o.params(include_uninit=False))
    assert len(list(o.params(include_uninit=False))) == len(list(o.params())) - 1
    names = [n for n, _ in o.namedparams(include_uninit=False)]
    assert '/head/W' not in names and '/head/b' in names


def test_links_and_namedlinks():
    o = Outer()
    assert list(o.links()) == [o, o.head, o.inner, o.inner.l1, o.inner.l2]
    assert list(o.links(skipself=True)) == [o.head, o.inner, o.inner.l1, o.inner.l2]
    named = list(o.namedlinks())
    assert [n for n, _ in named] == ['/', '/head', '/inner', '/inner/l1', '/inner/l2']
    assert named[3][1] is o.inner.l1
    assert [n for n, _ in o.namedlinks(skipself=True)] == [
        '/head', '/inner', '/inner/l1', '/inner/l2']
    assert list(o.children()) == [o.head, o.inner]
    assert list(Link().children()) == []
    assert list(Link().links()) != [] and list(Link().namedlinks(True)) == []


def test_overridden_params_in_child_is_honoured():
    class Hidden(Link):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.w = Parameter(numpy.zeros(1, dtype=numpy.float32))

        def params(self, include_uninit=True):
            return iter(())

    c = Chain(h=Hidden(), a=Affine(2, 2))
    assert list(c.params()) == [c.a.W, c.a.b]


def test_chainlist_traversal():
    cl = ChainList(Affine(2, 3), Two())
    assert [n for n, _ in cl.namedparams()] == [
        '/0/W', '/0/b', '/1/l1/W', '/1/l1/b', '/1/l2/W', '/1/l2/b']
    assert [n for n, _ in cl.namedlinks()] == ['/', '/0', '/1', '/1/l1', '/1/l2']
    assert list(cl.children()) == [cl[0], cl[1]]
    assert cl[0].name == '0' and cl[1].name == '1'


# -- gradients ---------------------------------------------------------------------

def test_cleargrads():
    link = Holder()
    link.a.grad = numpy.ones((2, 2), dtype=numpy.float32)
    link.cleargrads()
    assert link.a.grad is None and link.z.grad is None


def test_new_params_have_nan_grads_until_cleargrads():
    link = Affine(2, 2)
    assert numpy.isnan(link.W.grad).all()
    link.cleargrads()
    assert link.W.grad is None


def test_zerograds_warns_and_zero_fills_including_uninitialized():
    link = Affine(None, 2)
    with pytest.warns(DeprecationWarning):
        link.zerograds()
    numpy.testing.assert_array_equal(link.b.grad, [0, 0])
    link(_x(1, 3))
    numpy.testing.assert_array_equal(link.W.grad, numpy.zeros((2, 3)))


def test_cleargrads_on_uninitialized_then_lazy_init():
    link = Affine(None, 2)
    link.cleargrads()
    assert link.W.grad is None
    link(_x(1, 3))
    assert link.W.grad is None


def test_addgrads():
    a, b = Two(), Two()
    for p in a.params():
        p.grad = numpy.ones_like(p.array)
    for p in b.params():
        p.grad = numpy.full_like(p.array, 2)
    a.addgrads(b)
    for p in a.params():
        numpy.testing.assert_array_equal(p.grad, numpy.full_like(p.array, 3))
    for p in b.params():
        numpy.testing.assert_array_equal(p.grad, numpy.full_like(p.array, 2))


def test_addgrads_chainlist():
    a, b = ChainList(Affine(2, 2)), ChainList(Affine(2, 2))
    a.cleargrads()
    for p in b.params():
        p.grad = numpy.ones_like(p.array)
    a.addgrads(b)
    numpy.testing.assert_array_equal(a[0].W.grad, numpy.ones((2, 2)))


def test_copyparams_copies_data_not_grads_and_persistents():
    a, b = Holder(), Holder()
    b.a.array[...] = 7
    b.a.grad = numpy.full((2, 2), 5, dtype=numpy.float32)
    a.a.grad = None
    b.mean[...] = 3
    b.count = 9
    mean_obj = a.mean
    a.copyparams(b)
    numpy.testing.assert_array_equal(a.a.array, numpy.full((2, 2), 7))
    assert a.a.array is not b.a.array
    assert a.a.grad is None
    numpy.testing.assert_array_equal(a.mean, [3, 3, 3])
    assert a.mean is mean_obj          # arrays copied in place
    assert a.count == 9


def test_copyparams_without_persistent():
    a, b = Holder(), Holder()
    b.count = 4
    b.mean[...] = 1
    a.copyparams(b, copy_persistent=False)
    assert a.count == 0
    numpy.testing.assert_array_equal(a.mean, [0, 0, 0])


def test_copyparams_hierarchy_and_uninitialized_target():
    src, dst = Outer(), Outer()
    src.head.W.initialize((5, 2))
    dst.copyparams(src)
    for (n1, p1), (n2, p2) in zip(dst.namedparams(), src.namedparams()):
        assert n1 == n2
        numpy.testing.assert_array_equal(p1.array, p2.array)
        assert p1.array is not p2.array


# -- optimizer switches ----------------------------------------------------------

def test_enable_disable_update():
    o = Outer()
    assert o.update_enabled is False        # no update rules yet
    for p in o.params():
        p.update_rule = FakeRule()
    assert o.update_enabled is True
    o.disable_update()
    assert all(not p.update_rule.enabled for p in o.params())
    assert o.update_enabled is False
    o.inner.enable_update()
    assert o.inner.l1.W.update_rule.enabled and not o.p.update_rule.enabled
    assert o.update_enabled is True
    o.enable_update()
    assert all(p.update_rule.enabled for p in o.params())


# -- serialization -------------------------------------------------------------------

def test_serialize_saves_params_persistents_and_children():
    o = Outer()
    o.head.W.initialize((5, 2))
    o.inner.l1.add_persistent('steps', 4)
    s = FakeSerializer()
    o.serialize(s)
    assert set(s.store) == {'p', 'head/W', 'head/b', 'inner/l1/W', 'inner/l1/b',
                            'inner/l1/steps', 'inner/l2/W', 'inner/l2/b'}
    numpy.testing.assert_array_equal(s.store['inner/l2/W'], o.inner.l2.W.array)


def test_serialize_load_initializes_uninitialized_param():
    src = Outer()
    src.head.W.initialize((5, 2))
    s = FakeSerializer()
    src.serialize(s)
    dst = Outer()
    assert dst.head.W.array is None
    dst.serialize(FakeSerializer(s.store, load=True))
    assert dst.head.W.shape == (5, 2)
    for (n, p), (_, q) in zip(dst.namedparams(), src.namedparams()):
        numpy.testing.assert_array_equal(p.array, q.array)


def test_serialize_persistent_scalar_is_stored_back():
    src, dst = Holder(), Holder()
    src.count = 12
    src.mean[...] = 2
    s = FakeSerializer()
    src.serialize(s)
    mean_obj = dst.mean
    dst.serialize(FakeSerializer(s.store, load=True))
    assert dst.count == 12
    assert dst.mean is mean_obj
    numpy.testing.assert_array_equal(dst.mean, [2, 2, 2])


def test_serialize_chainlist_uses_indices():
    cl = ChainList(Affine(2, 2), Affine(2, 3))
    s = FakeSerializer()
    cl.serialize(s)
    assert set(s.store) == {'0/W', '0/b', '1/W', '1/b'}


def test_count_params_and_uninitialized_warning():
    o = Outer()
    expected = 2 + 5 + (3 * 4 + 3) + (2 * 3 + 2)
    with pytest.warns(UserWarning, match="'/head/W' has not been initialized"):
        assert o.count_params() == expected
    o.head.W.initialize((5, 2))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert o.count_params() == expected + 10


# -- devices ----------------------------------------------------------------------

def test_device_and_xp_default_cpu():
    link = Holder()
    assert link.xp is numpy
    assert link.device == fastgrad.backend.CpuDevice()
    assert Chain().xp is numpy


def test_to_device_numpy_returns_self_and_keeps_arrays():
    o = Outer()
    o.add_persistent('stat', numpy.ones(2))
    assert o.to_device('@numpy') is o
    assert isinstance(o.stat, numpy.ndarray)
    assert o.inner.l1.device.name == '@numpy'
    assert o.xp is numpy


def test_to_cpu_to_gpu_deprecated():
    link = Holder()
    with pytest.warns(DeprecationWarning, match='to_cpu is deprecated'):
        assert link.to_cpu() is link


def test_to_device_visits_params_persistents_and_children():
    calls = []

    class Rec(object):
        def visit_device_resident(self, link):
            calls.append(('link', link))

        def visit_variable(self, p):
            calls.append(('param', p.name))

        def visit_array(self, a):
            calls.append(('array', a.shape))
            return a

    c = Chain(h=Holder())
    c.device_resident_accept(Rec())
    assert calls == [('link', c), ('link', c.h), ('param', 'a'), ('param', 'z'),
                     ('array', (3,))]    # 'count' is a scalar: not visited


def test_device_resident_accept_override_is_used_by_to_device():
    class Extra(Link):
        def __init__(self):
            super().__init__()
            self.buf = numpy.ones(2)
            self.seen = []

        def device_resident_accept(self, visitor):
            super().device_resident_accept(visitor)
            self.seen.append(type(visitor).__name__)
            self.buf = visitor.visit_array(self.buf)

    c = Chain(e=Extra())
    c.to_device('@numpy')
    assert c.e.seen == ['_ToDeviceVisitor']


def test_overridden_to_cpu_of_child_is_called():
    with pytest.warns(DeprecationWarning, match='overriding to_cpu is deprecated'):
        class Legacy(Link):
            def __init__(self):
                super().__init__()
                self.called = 0

            def to_cpu(self):
                self.called += 1
                return super().to_cpu()

    c = Chain(old=Legacy())
    c.to_device('@numpy')
    assert c.old.called == 1
    with pytest.warns(DeprecationWarning):
        c.to_cpu()
    assert c.old.called == 2


def test_to_gpu_without_cupy_raises():
    try:
        import cupy  # NOQA
        pytest.skip('CuPy is installed')
    except ImportError:
        pass
    with pytest.warns(DeprecationWarning, match='to_gpu is deprecated'):
        with pytest.raises(RuntimeError):
            Holder().to_gpu()


def test_invalid_device_spec():
    with pytest.raises((ValueError, TypeError)):
        Holder().to_device('@tpu')


@pytest.mark.gpu
def test_to_device_gpu_and_back():
    import cupy
    o = Outer()
    o.add_persistent('stat', numpy.ones(2, dtype=numpy.float32))
    o.to_device('@cupy:0')
    assert o.xp is cupy and o.inner.l1.xp is cupy
    assert isinstance(o.inner.l1.W.array, cupy.ndarray)
    assert isinstance(o.stat, cupy.ndarray)
    y = o.inner(cupy.ones((2, 4), dtype=cupy.float32))
    assert isinstance(y.array, cupy.ndarray)
    o.to_device('@numpy')
    assert isinstance(o.inner.l1.W.array, numpy.ndarray)
    assert isinstance(o.stat, numpy.ndarray)
    assert o.xp is numpy


# -- copy / repeat -------------------------------------------------------------------

def test_copy_share():
    numpy.random.seed(0)
    o = Outer()
    o.name = 'root'
    c = o.copy()
    assert type(c) is Outer and c is not o
    assert c.name is None
    assert c.inner is not o.inner and c.inner.name == 'inner'
    assert c.inner.l1 is not o.inner.l1 and c.inner.l1.name == 'l1'
    for (n1, p1), (n2, p2) in zip(c.namedparams(), o.namedparams()):
        assert n1 == n2 and p1 is not p2
        assert p1.array is p2.array
        assert p1.name == p2.name
    assert c.inner.l1.W.grad is None
    assert c._params is not o._params and c._children is not o._children
    # registries are independent
    with c.init_scope():
        c.extra = Parameter(numpy.zeros(1, dtype=numpy.float32))
    assert 'extra' not in o._params


def test_copy_share_keeps_uninitialized_shared_later_not():
    o = Affine(None, 2)
    c = o.copy('share')
    assert c.W.array is None


def test_copy_copy_is_deep():
    o = Outer()
    o.head.W.initialize((5, 2))
    c = o.copy('copy')
    assert c.name is None
    for (n1, p1), (n2, p2) in zip(c.namedparams(), o.namedparams()):
        assert n1 == n2 and p1 is not p2
        assert p1.array is not p2.array
        numpy.testing.assert_array_equal(p1.array, p2.array)
    c.inner.l1.W.array[...] = 0
    assert not (o.inner.l1.W.array == 0).all()
    assert c.inner.name == 'inner' and c.inner.l2.name == 'l2'


def test_copy_copy_uninitialized_param():
    o = Outer()
    c = o.copy('copy')
    assert c.head.W.array is None and c.head.W is not o.head.W
    c.head(_x(1, 3))
    assert c.head.W.shape == (5, 3) and o.head.W.array is None


def test_copy_init_reinitializes():
    numpy.random.seed(0)
    o = Two()
    c = o.copy('init')
    assert not numpy.array_equal(c.l1.W.array, o.l1.W.array)
    assert c.l1.W.shape == o.l1.W.shape
    numpy.testing.assert_array_equal(c.l1.b.array, o.l1.b.array)   # zeros
    assert c.l1.b.array is not o.l1.b.array


def test_copy_init_keeps_uninitialized():
    o = Outer()
    c = o.copy('init')
    assert c.head.W.array is None


def test_copy_chain_own_params_and_persistents():
    import threading
    numpy.random.seed(0)
    o = Outer()
    with o.init_scope():
        o.q = Parameter(initializers.Normal(1.0), (3,))
    o.add_persistent('stat', numpy.ones(2))
    o.lock = threading.Lock()          # not deep-copyable: stays shared
    o.table = [1, 2]
    for mode in ('copy', 'init'):
        c = o.copy(mode)
        assert c.q is not o.q and c.q.array is not o.q.array
        assert c.q.name == 'q'
        assert c.stat is not o.stat
        numpy.testing.assert_array_equal(c.stat, o.stat)
        assert c.lock is o.lock and c.table is o.table
        assert c._params is not o._params
        same = numpy.array_equal(c.q.array, o.q.array)
        assert same == (mode == 'copy')
    c = o.copy('share')
    assert c.q is not o.q and c.q.array is o.q.array and c.stat is o.stat


def test_copy_plain_link_is_deep():
    link = Holder()
    link.extra = [numpy.zeros(1)]
    c = link.copy('copy')
    assert c.extra is not link.extra and c.mean is not link.mean
    assert c.a.array is not link.a.array
    c = link.copy('share')
    assert c.extra is link.extra and c.mean is link.mean
    assert c.a is not link.a and c.a.array is link.a.array


def test_copy_chainlist():
    cl = ChainList(Affine(2, 2), Affine(2, 3))
    for mode in ('share', 'copy', 'init'):
        c = cl.copy(mode)
        assert type(c) is ChainList and len(c) == 2
        assert c[0] is not cl[0] and [x.name for x in c] == ['0', '1']
        assert (c[1].W.array is cl[1].W.array) == (mode == 'share')
        assert c._children is not cl._children


def test_copy_invalid_mode():
    with pytest.raises(ValueError, match="'mode' argument"):
        Holder().copy('deep')
    with pytest.raises(ValueError):
        Two().copy('nope')


def test_copy_result_trains_independently():
    numpy.random.seed(0)
    o = Two()
    c = o.copy('copy')
    c.cleargrads()
    F.sum(c(_x())).backward()
    assert c.l1.W.grad is not None
    o.cleargrads()
    assert o.l1.W.grad is None


def test_repeat():
    numpy.random.seed(0)
    a = Affine(2, 2)
    r = a.repeat(3)
    assert isinstance(r, Sequential) and len(r) == 3
    assert all(type(x) is Affine for x in r)
    assert not numpy.array_equal(r[0].W.array, r[1].W.array)
    assert [x.name for x in r] == ['0', '1', '2']
    r = a.repeat(2, mode='share')
    assert r[0].W.array is a.W.array and r[1].W.array is a.W.array
    r = a.repeat(2, mode='copy')
    numpy.testing.assert_array_equal(r[0].W.array, a.W.array)
    assert r[0].W.array is not a.W.array
    assert len(a.repeat(0)) == 0 and len(a.repeat(-1)) == 0
    with pytest.raises(ValueError):
        a.repeat(2, mode='bad')


def test_repeat_forward():
    numpy.random.seed(0)
    r = Affine(3, 3).repeat(4)
    y = r(_x(2, 3))
    assert y.shape == (2, 3)


# -- printing ----------------------------------------------------------------------

def test_str_link():
    assert str(Link()) == 'Link()'
    assert str(Affine(2, 3)) == 'Affine(n_in=2, n_out=3)'
    assert str(Affine(None, 3)) == 'Affine(n_in=None, n_out=3)'


def test_str_chain_nested():
    expected = (
        'Outer(\n'
        '  (head): Affine(n_in=None, n_out=5),\n'
        '  (inner): Two(\n'
        '    (l1): Affine(n_in=4, n_out=3),\n'
        '    (l2): Affine(n_in=3, n_out=2),\n'
        '  ),\n'
        ')')
    assert str(Outer()) == expected
    assert str(Chain()) == 'Chain()'


def test_str_chainlist():
    cl = ChainList(Affine(1, 2), ChainList(Link()), ChainList())
    assert str(cl) == (
        'ChainList(\n'
        '  (0): Affine(n_in=1, n_out=2),\n'
        '  (1): ChainList(\n'
        '    (0): Link(),\n'
        '  ),\n'
        '  (2): ChainList(),\n'
        ')')


def test_str_with_linear():
    import fastgrad.links as L

    class MLP(Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.l1 = L.Linear(None, 3)
                self.l2 = L.Linear(None, 2)

    assert str(MLP()) == (
        'MLP(\n'
        '  (l1): Linear(in_size=None, out_size=3, nobias=False),\n'
        '  (l2): Linear(in_size=None, out_size=2, nobias=False),\n'
        ')')


# -- Chain -----------------------------------------------------------------------------

def test_chain_registration_and_names():
    c = Two()
    assert c._children == ['l1', 'l2']
    assert c.l1.name == 'l1'
    assert c['l1'] is c.l1
    c.outside = Affine(1, 1)
    assert 'outside' not in c._children and c.outside.name is None


def test_chain_kwargs_constructor():
    a, b = Affine(1, 2), Affine(2, 1)
    c = Chain(second=b, first=a)
    assert list(c.children()) == [a, b]
    assert a.name == 'first'


def test_chain_add_link():
    c = Chain()
    a = Affine(1, 1)
    c.add_link('a', a)
    assert c.a is a and a.name == 'a' and c._children == ['a']
    with pytest.raises(AttributeError, match='attribute exists'):
        c.add_link('a', Affine(1, 1))
    with pytest.raises(TypeError):
        c.add_link('x', 3)


def test_chain_reassign_link_in_scope_raises():
    c = Two()
    with pytest.raises(AttributeError, match='cannot register a new link l1'):
        with c.init_scope():
            c.l1 = Affine(1, 1)


def test_chain_getitem_missing():
    with pytest.raises(AttributeError):
        Chain()['nothing']


def test_chain_with_own_params_and_children():
    o = Outer()
    assert o._params == ['p'] and o._children == ['head', 'inner']


def test_link_assigned_to_plain_link_is_not_a_child():
    link = Link()
    with link.init_scope():
        link.sub = Affine(1, 1)
    assert list(link.children()) == []
    assert link.sub.name is None


# -- ChainList -------------------------------------------------------------------------

def test_chainlist_list_api():
    a, b, c, d = (Affine(1, i + 1) for i in range(4))
    cl = ChainList(a, b)
    assert len(cl) == 2 and list(cl) == [a, b]
    cl.append(c)
    assert c.name == '2'
    cl.insert(0, d)
    assert list(cl) == [d, a, b, c]
    assert [x.name for x in cl] == ['0', '1', '2', '3']
    del cl[1]
    assert list(cl) == [d, b, c] and [x.name for x in cl] == ['0', '1', '2']
    assert cl[-1] is c and cl[1:] == [b, c]
    assert cl.pop() is c and len(cl) == 2
    cl.remove(d)
    assert list(cl) == [b] and b.name == '0'
    assert b in cl and a not in cl
    assert cl.index(b) == 0 and cl.count(b) == 1


def test_chainlist_setitem_int_and_slice():
    a, b, c, d = (Affine(1, 1) for _ in range(4))
    cl = ChainList(a, b)
    cl[1] = c
    assert list(cl) == [a, c] and c.name == '1'
    cl[-1] = d
    assert list(cl) == [a, d] and d.name == '1'
    cl[0:1] = [b, c]
    assert list(cl) == [b, c, d] and [x.name for x in cl] == ['0', '1', '2']
    with pytest.raises(TypeError):
        cl['x'] = a


def test_chainlist_iadd_extend_reverse():
    a, b, c = (Affine(1, 1) for _ in range(3))
    cl = ChainList(a)
    cl += [b]
    cl.extend([c])
    assert list(cl) == [a, b, c]
    cl.reverse()
    assert list(cl) == [c, b, a] and [x.name for x in cl] == ['0', '1', '2']
    assert list(reversed(cl)) == [a, b, c]


def test_chainlist_add_link_and_params():
    cl = ChainList()
    cl.add_link(Affine(2, 2))
    assert len(cl) == 1 and cl[0].name == '0'
    assert len(list(cl.params())) == 2


def test_chainlist_init_scope_link_raises_but_params_ok():
    cl = ChainList()
    with pytest.raises(TypeError, match='cannot register a new link'):
        with cl.init_scope():
            cl.sub = Affine(1, 1)
    with cl.init_scope():
        cl.w = Parameter(numpy.zeros(1, dtype=numpy.float32))
    assert [n for n, _ in cl.namedparams()] == ['/w']


def test_chainlist_is_mutable_sequence():
    import collections.abc
    assert isinstance(ChainList(), collections.abc.MutableSequence)


def test_chainlist_forward_in_subclass():
    class MLP(ChainList):
        def __init__(self):
            super().__init__(Affine(4, 3), Affine(3, 2))

        def forward(self, x):
            for layer in self:
                x = layer(x)
            return x

    assert MLP()(_x()).shape == (2, 2)


# -- hooks, pickling -----------------------------------------------------------------

def test_local_link_hooks():
    events = []

    from fastgrad import LinkHook

    class Hook(LinkHook):
        name = 'rec'

        def added(self, link):
            events.append('added')

        def deleted(self, link):
            events.append('deleted')

        def forward_preprocess(self, args):
            events.append(('pre', args.forward_name, args.args))

        def forward_postprocess(self, args):
            events.append(('post', args.out))

    class Id(Link):
        def forward(self, x):
            return x + 1

    link = Id()
    assert link.add_hook(Hook()) is link
    assert link(1) == 2
    with pytest.raises(KeyError):
        link.add_hook(Hook())
    link.delete_hook('rec')
    assert link(1) == 2
    assert events == ['added', ('pre', 'forward', (1,)), ('post', 2), 'deleted']
    with pytest.raises(KeyError):
        link.delete_hook('rec')
    with pytest.raises(TypeError):
        link.add_hook(object())


def test_pickle_roundtrip():
    o = Outer()
    o.head.W.initialize((5, 2))
    o.cleargrads()
    o2 = pickle.loads(pickle.dumps(o))
    assert [n for n, _ in o2.namedparams()] == [n for n, _ in o.namedparams()]
    for (_, p), (_, q) in zip(o2.namedparams(), o.namedparams()):
        numpy.testing.assert_array_equal(p.array, q.array)
    assert o2.inner.l1.name == 'l1'
    y = o2.inner(_x())
    assert y.shape == (2, 2)


def test_deepcopy_initialized_chain():
    o = Two()
    o.cleargrads()
    c = copy.deepcopy(o)
    assert c.l1.W is not o.l1.W
    numpy.testing.assert_array_equal(c.l1.W.array, o.l1.W.array)


def test_deepcopy_and_pickle_uninitialized_link():
    link = Affine(None, 3)
    c = copy.deepcopy(link)
    assert c.W.array is None
    p = pickle.loads(pickle.dumps(link))
    assert p.W.array is None
    p(_x(1, 2))
    assert p.W.shape == (3, 2)


def test_import_as_chainer_user_code():
    import fastgrad as chainer
    import fastgrad.links as L

    class MLP(chainer.Chain):
        def __init__(self, n_units, n_out):
            super(MLP, self).__init__()
            with self.init_scope():
                self.l1 = L.Linear(None, n_units)
                self.l2 = L.Linear(None, n_units)
                self.l3 = L.Linear(None, n_out)

        def forward(self, x):
            h1 = F.relu(self.l1(x))
            h2 = F.relu(self.l2(h1))
            return self.l3(h2)

    numpy.random.seed(0)
    model = MLP(5, 3)
    y = model(numpy.ones((4, 7), dtype=numpy.float32))
    assert y.shape == (4, 3)
    assert model.count_params() == 7 * 5 + 5 + 5 * 5 + 5 + 5 * 3 + 3
    assert [n for n, _ in model.namedparams()] == [
        '/l1/W', '/l1/b', '/l2/W', '/l2/b', '/l3/W', '/l3/b']


# -- Chainer-compat behaviours (chainer_tests/test_link.py) -------------------

def test_mixin_call_that_is_a_plain_callable_object_gets_no_self():
    calls = []

    class Recorder:
        def __call__(self, *args, **kwargs):
            calls.append((args, kwargs))
            return 7

    class Mixin:
        __call__ = Recorder()      # not a function: not bound to the link

    class Injected(Link, Mixin):
        pass

    assert Injected()(1, a=2) == 7
    assert calls == [((1,), {'a': 2})]


def test_addgrads_skips_params_whose_source_grad_is_none():
    dst = Link()
    src = Link()
    with dst.init_scope():
        dst.w = Parameter(numpy.zeros(3, dtype=numpy.float32))
        dst.v = Parameter()                       # uninitialized
    with src.init_scope():
        src.w = Parameter(numpy.zeros(3, dtype=numpy.float32))
        src.v = Parameter()
    dst.w.grad = numpy.array([1., 2., 3.], dtype=numpy.float32)
    src.w.grad = numpy.array([10., 20., 30.], dtype=numpy.float32)
    src.v.cleargrad()                             # grad None: nothing to add
    dst.addgrads(src)
    numpy.testing.assert_array_equal(dst.w.grad, [11., 22., 33.])
    assert dst.v.array is None                    # not initialized by addgrads


def test_copy_init_mode_gives_nan_grads_to_reinitialized_params():
    c = ChainList(Link(), Link())
    with c[0].init_scope():
        c[0].x = Parameter(initializers.Normal(), (2, 3))
    with c[1].init_scope():
        c[1].x = Parameter(initializers.Normal(), (4,))
        c[1].u = Parameter()
    c[0].x.grad = numpy.zeros((2, 3), dtype=numpy.float32)
    c2 = c.copy(mode='init')
    for orig, new in ((c[0], c2[0]), (c[1], c2[1])):
        assert new.x.array is not orig.x.array
        assert not numpy.array_equal(new.x.array, orig.x.array)
        assert new.x.grad.shape == orig.x.shape
        assert numpy.isnan(new.x.grad).all()
    assert c2[1].u.array is None


@pytest.mark.parametrize('name', ['to_device', 'to_chx', 'from_chx'])
def test_overriding_a_final_transfer_method_is_a_type_error(name):
    with pytest.raises(TypeError, match=name + ': ' + name + ' cannot be overridden'):
        type('Bad', (Link,), {name: lambda self, device=None: self})


@pytest.mark.parametrize('name', ['to_cpu', 'to_gpu', 'to_intel64'])
def test_overriding_a_deprecated_transfer_method_warns_at_class_creation(name):
    with pytest.warns(DeprecationWarning, match='overriding ' + name):
        type('Old', (Link,), {name: lambda self, device=None: self})
