"""fastgrad.optimizer: Hyperparameter, UpdateRule, Optimizer, GradientMethod
(Chainer 7's test_optimizer.py behaviours plus fastgrad's own)."""
import copy
import io
import pickle
import warnings
from unittest import mock

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import Parameter, Variable, optimizer, optimizer_hooks, optimizers, serializers

# -- Hyperparameter ---------------------------------------------------------------

def test_hyperparameter_parent_lookup_and_override():
    parent = optimizer.Hyperparameter()
    parent.x = 1
    parent.y = 2
    child = optimizer.Hyperparameter(parent)
    child.y = 3
    child.z = 4
    assert (child.x, child.y, child.z) == (1, 3, 4)
    assert child.parent is parent and parent.parent is None
    assert child.get_dict() == {'x': 1, 'y': 3, 'z': 4}
    assert parent.get_dict() == {'x': 1, 'y': 2}
    parent.x = 10          # the child sees later changes of the parent
    assert child.x == 10
    with pytest.raises(AttributeError):
        child.missing
    with pytest.raises(AttributeError):
        parent.missing


def test_hyperparameter_repr():
    parent = optimizer.Hyperparameter()
    parent.b = 2
    parent.a = 1
    child = optimizer.Hyperparameter(parent)
    child.c = 3
    assert repr(parent) == 'Hyperparameter(a=1, b=2)'
    assert repr(child) == 'Hyperparameter(a=1, b=2, c=3)'


def test_hyperparameter_deepcopy_and_pickle():
    parent = optimizer.Hyperparameter()
    parent.x = 1
    child = optimizer.Hyperparameter(parent)
    child.y = 2
    for clone in (copy.deepcopy(child), pickle.loads(pickle.dumps(child))):
        assert clone.get_dict() == {'x': 1, 'y': 2}
        assert clone.parent is not parent
        clone.parent.x = 5
        assert clone.x == 5 and child.x == 1


def test_hyperparameter_proxy():
    opt = optimizers.MomentumSGD(lr=0.5, momentum=0.25)
    assert isinstance(type(opt).lr, optimizer.HyperparameterProxy)
    assert opt.lr == 0.5 and opt.hyperparam.lr == 0.5
    opt.lr = 0.125
    assert opt.hyperparam.lr == 0.125


# -- UpdateRule -----------------------------------------------------------------

class CountingRule(optimizer.UpdateRule):
    """Records what it was called with; state 'a' is a copy of the data."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cpu_calls = []
        self.gpu_calls = []
        self.init_calls = 0

    def init_state(self, param):
        self.init_calls += 1
        self.state['a'] = numpy.zeros_like(param.array)

    def update_core_cpu(self, param):
        self.cpu_calls.append(param)

    def update_core_gpu(self, param):
        self.gpu_calls.append(param)


def _param(shape=(2, 3), grad=True, dtype=numpy.float32):
    p = Parameter(numpy.arange(numpy.prod(shape), dtype=dtype).reshape(shape))
    p.grad = numpy.ones(shape, dtype) if grad else None
    return p


def test_update_rule_dispatches_to_cpu_and_counts():
    rule = CountingRule()
    p = _param()
    rule.update(p)
    rule.update(p)
    assert rule.t == 2
    assert rule.cpu_calls == [p, p] and rule.gpu_calls == []
    assert rule.init_calls == 1 and set(rule.state) == {'a'}


def test_update_rule_state_is_lazy_and_needs_an_initialized_param():
    rule = CountingRule()
    assert rule.state is None
    p = Parameter()          # uninitialized
    rule.update(p)
    assert rule.t == 1 and rule.state is None and rule.init_calls == 0
    assert rule.cpu_calls == [p]     # update_core still runs (it skips)


def test_update_rule_disabled_does_nothing():
    rule = CountingRule()
    rule.enabled = False
    p = _param()
    rule.update(p)
    assert rule.t == 0 and rule.cpu_calls == [] and rule.state is None


def test_update_rule_base_update_core_is_abstract():
    with pytest.raises(NotImplementedError, match='update_core_cpu'):
        optimizer.UpdateRule().update(_param())


def test_update_rule_hooks_order_and_arguments():
    rule = CountingRule()
    calls = []

    def pre(r, p):
        calls.append(('pre', r, p, len(rule.cpu_calls)))

    def post(r, p):
        calls.append(('post', r, p, len(rule.cpu_calls)))

    rule.add_hook(pre)
    rule.add_hook(post, timing='post')
    p = _param()
    rule.update(p)
    assert calls == [('pre', rule, p, 0), ('post', rule, p, 1)]
    rule.remove_hook('pre')
    rule.remove_hook('post')
    rule.update(p)
    assert len(calls) == 2


def test_update_rule_hook_names():
    rule = CountingRule()

    class Named(object):
        name = 'my_hook'
        timing = 'post'

        def __call__(self, r, p):
            pass

    class Nameless(object):
        def __call__(self, r, p):
            pass

    def func_hook(r, p):
        pass

    rule.add_hook(Named())
    assert 'my_hook' in rule._hookable._post_update_hooks   # timing='auto'
    rule.add_hook(func_hook)
    assert 'func_hook' in rule._hookable._pre_update_hooks
    rule.add_hook(Nameless(), name='given')
    with pytest.raises(ValueError, match='name'):
        rule.add_hook(Nameless())
    with pytest.raises(KeyError, match='func_hook'):
        rule.add_hook(func_hook)
    with pytest.raises(KeyError):
        rule.remove_hook('not_there')
    with pytest.raises(TypeError, match='callable'):
        rule.add_hook(1, name='x')
    with pytest.raises(ValueError, match='timing'):
        rule.add_hook(func_hook, name='other', timing='during')


def test_update_rule_moves_state_to_cpu_when_set_by_hand():
    # A state entry that is not an array is left alone.
    rule = CountingRule()
    p = _param()
    rule.update(p)
    rule.state['note'] = 'text'
    rule.update(p)
    assert rule.state['note'] == 'text'


def test_update_rule_pickle_drops_hyperparameter_cache():
    opt = optimizers.SGD(lr=0.1)
    rule = opt.create_update_rule()
    assert rule._hp()['lr'] == 0.1
    clone = pickle.loads(pickle.dumps(rule))
    assert clone._hp_cache is None
    clone.hyperparam.parent.lr = 0.5
    assert clone._hp()['lr'] == 0.5 and rule._hp()['lr'] == 0.1


# -- Optimizer / GradientMethod ------------------------------------------------------

class SimpleLink(fastgrad.Link):
    def __init__(self, w, g):
        super().__init__()
        with self.init_scope():
            self.param = Parameter(numpy.array(w, numpy.float32))
        self.param.grad = numpy.array(g, numpy.float32)


class CountingMethod(optimizer.GradientMethod):
    def __init__(self):
        super().__init__()
        self.created = 0

    def create_update_rule(self):
        self.created += 1
        return CountingRule(self.hyperparam)


class Net(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(3, 4)
            self.l2 = L.Linear(4, 2)
            self.unused = L.Linear(3, 2)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


def _chain():
    return Net()


def test_setup_returns_self_and_creates_one_rule_per_param():
    net = _chain()
    opt = CountingMethod()
    assert opt.setup(net) is opt
    assert opt.created == 6 and opt.target is net
    rules = [p.update_rule for p in net.params()]
    assert all(isinstance(r, CountingRule) for r in rules)
    assert len(set(map(id, rules))) == 6
    assert all(r.hyperparam.parent is opt.hyperparam for r in rules)
    assert opt.t == 0 and opt.epoch == 0


def test_setup_needs_a_link():
    with pytest.raises(TypeError, match='link'):
        optimizers.SGD().setup(object())


def test_update_without_lossfun_increments_t_and_calls_every_rule():
    net = _chain()
    for p in net.params():
        p.grad = numpy.ones_like(p.array)
    opt = CountingMethod().setup(net)
    opt.update()
    opt.update()
    assert opt.t == 2
    for p in net.params():
        assert p.update_rule.t == 2 and p.update_rule.cpu_calls == [p, p]


def test_update_core_is_called_for_uninitialized_and_gradless_params():
    link = fastgrad.Link()
    with link.init_scope():
        link.uninit = Parameter()
        link.nograd = Parameter(numpy.zeros(3, numpy.float32))
        link.withgrad = Parameter(numpy.zeros(3, numpy.float32))
    link.cleargrads()
    link.withgrad.grad = numpy.ones(3, numpy.float32)
    opt = CountingMethod().setup(link)
    opt.update()
    for p in (link.uninit, link.nograd, link.withgrad):
        assert p.update_rule.cpu_calls == [p]
    # Chainer reallocates cleared grads of initialized params as zeros.
    numpy.testing.assert_array_equal(link.nograd.grad, numpy.zeros(3))
    assert link.uninit.grad is None


def test_update_with_lossfun_clears_grads_before_backward():
    numpy.random.seed(0)
    net = _chain()
    x = numpy.random.randn(5, 3).astype(numpy.float32)
    for p in net.params():
        p.grad = numpy.full_like(p.array, 100.0)   # stale grads
    opt = optimizers.SGD(lr=0.0).setup(net)
    opt.update(lambda x: F.sum(net(x)), x)
    ref = _chain()
    ref.copyparams(net)
    ref.cleargrads()
    F.sum(ref(x)).backward()
    for (name, p), (_, q) in zip(net.namedparams(), ref.namedparams()):
        if name.startswith('/unused'):
            # not reached by the loss: zero grad (reallocated), not None
            numpy.testing.assert_array_equal(p.grad, numpy.zeros_like(p.array))
        else:
            numpy.testing.assert_allclose(p.grad, q.grad, rtol=1e-6)
    # grads are kept after the update
    assert net.l1.W.grad is not None


def test_update_with_lossfun_kwargs():
    net = _chain()
    opt = optimizers.SGD().setup(net)
    x = numpy.ones((2, 3), numpy.float32)
    seen = {}

    def lossfun(x, scale=1.0):
        seen['scale'] = scale
        return F.sum(net(x)) * scale

    opt.update(lossfun, x, scale=2.0)
    assert seen['scale'] == 2.0 and opt.t == 1


def test_update_before_setup_is_an_error():
    with pytest.raises(RuntimeError, match='setup'):
        optimizers.SGD().update()


def test_hyperparameters_flow_to_rules_through_the_parent_chain():
    w = numpy.array([1.0, 2.0], numpy.float32)
    link = SimpleLink(w, [1.0, 1.0])
    opt = optimizers.SGD(lr=0.1).setup(link)
    opt.update()
    numpy.testing.assert_allclose(link.param.array, w - 0.1)
    opt.lr = 0.5                      # reaches the rule (cache invalidated)
    opt.update()
    numpy.testing.assert_allclose(link.param.array, w - 0.6)
    link.param.update_rule.hyperparam.lr = 0.25     # this rule only
    opt.update()
    numpy.testing.assert_allclose(link.param.array, w - 0.85)
    assert opt.lr == 0.5
    # replacing the rule's hyperparam object is seen too
    h = optimizer.Hyperparameter(opt.hyperparam)
    h.lr = 1.0
    link.param.update_rule.hyperparam = h
    opt.update()
    numpy.testing.assert_allclose(link.param.array, w - 1.85, rtol=1e-6)


def test_new_epoch():
    opt = optimizers.SGD().setup(_chain())
    opt.new_epoch()
    assert opt.epoch == 1
    with pytest.raises(RuntimeError, match='auto=True'):
        opt.new_epoch(auto=True)
    opt.use_auto_new_epoch = True
    opt.new_epoch(auto=True)
    assert opt.epoch == 2
    with pytest.raises(RuntimeError, match='duplicated'):
        opt.new_epoch()
    assert opt.epoch == 2


def test_optimizer_hooks_before_setup_and_duplicates():
    opt = optimizers.SGD()

    def h(o):
        pass

    with pytest.raises(RuntimeError, match='setup'):
        opt.add_hook(h)
    with pytest.raises(RuntimeError, match='setup'):
        opt.remove_hook('h')
    opt.setup(_chain())
    opt.add_hook(h)
    with pytest.raises(KeyError):
        opt.add_hook(h)
    opt.remove_hook('h')
    with pytest.raises(KeyError):
        opt.remove_hook('h')
    with pytest.raises(TypeError):
        opt.add_hook('not callable', name='x')


def test_optimizer_hook_kinds_and_timing():
    net = _chain()
    opt = CountingMethod().setup(net)
    calls = []

    def whole(o):
        calls.append(('whole', o, opt.t))

    class PerParam(object):
        name = 'per_param'
        call_for_each_param = True
        timing = 'post'

        def __call__(self, rule, param):
            calls.append(('each', rule, param, opt.t))

    class BadTiming(object):
        name = 'bad'
        timing = 'whenever'

        def __call__(self, o):
            calls.append(('bad', opt.t))

    opt.add_hook(whole)
    opt.add_hook(PerParam())
    with pytest.warns(UserWarning, match='timing'):
        opt.add_hook(BadTiming())         # falls back to 'pre' with a warning
    for p in net.params():
        p.grad = numpy.ones_like(p.array)
    opt.update()
    assert calls[0] == ('whole', opt, 0)
    assert calls[1] == ('bad', 0)
    each = calls[2:]
    assert len(each) == 6 and all(c[0] == 'each' and c[3] == 1 for c in each)
    assert [c[2] for c in each] == list(net.params())
    assert all(c[1] is c[2].update_rule for c in each)


def test_hook_that_clears_grads_gets_zeros_back():
    link = SimpleLink([1.0, 2.0], [1.0, 1.0])
    opt = optimizers.SGD(lr=1.0).setup(link)

    def clear(o):
        o.target.cleargrads()

    opt.add_hook(clear)
    opt.update()
    numpy.testing.assert_array_equal(link.param.array, [1.0, 2.0])
    numpy.testing.assert_array_equal(link.param.grad, [0.0, 0.0])


def test_rule_param_with_grad_none_is_skipped():
    p = _param(grad=False)
    before = p.array.copy()
    for opt in (optimizers.SGD(), optimizers.Adam(), optimizers.MomentumSGD()):
        rule = opt.create_update_rule()
        rule.update(p)
        numpy.testing.assert_array_equal(p.array, before)


def test_serialize_round_trip_and_continue_training():
    numpy.random.seed(0)
    x = numpy.random.randn(4, 3).astype(numpy.float32)

    def run(net, opt, n):
        for _ in range(n):
            opt.update(lambda: F.sum(net(x) ** 2))

    a = _chain()
    b = _chain()
    b.copyparams(a)
    opt_a = optimizers.Adam(alpha=0.01).setup(a)
    run(a, opt_a, 3)
    opt_a.new_epoch()
    buf_model, buf_opt = io.BytesIO(), io.BytesIO()
    serializers.save_npz(buf_model, a)
    serializers.save_npz(buf_opt, opt_a)
    buf_model.seek(0)
    buf_opt.seek(0)
    opt_b = optimizers.Adam(alpha=0.01).setup(b)
    serializers.load_npz(buf_model, b)
    serializers.load_npz(buf_opt, opt_b)
    assert (opt_b.t, opt_b.epoch) == (3, 1)
    for pa, pb in zip(a.params(), b.params()):
        assert pb.update_rule.t == 3
        numpy.testing.assert_array_equal(pa.array, pb.array)
        numpy.testing.assert_array_equal(pa.update_rule.state['m'],
                                         pb.update_rule.state['m'])
    run(a, opt_a, 2)
    run(b, opt_b, 2)
    for pa, pb in zip(a.params(), b.params()):
        numpy.testing.assert_array_equal(pa.array, pb.array)


def test_serialize_state_missing_from_file():
    # A file saved before the first update has no state entries.
    a = _chain()
    opt = optimizers.Adam().setup(a)
    target = serializers.DictionarySerializer()
    opt.serialize(target)
    assert 'l1/W/t' in target.target and 'l1/W/m' not in target.target
    b = _chain()
    opt_b = optimizers.Adam().setup(b)
    opt_b.t = 5
    with pytest.raises(KeyError, match='l1/W/m'):
        serializers.NpzDeserializer(target.target).load(opt_b)
    assert opt_b.t == 5                    # nothing was assigned
    serializers.NpzDeserializer(target.target, strict=False).load(opt_b)
    assert opt_b.t == 0
    assert all(p.update_rule.state is None for p in b.params())
    # a disabled rule tolerates the missing state even when strict
    for p in b.params():
        p.update_rule.enabled = False
    opt_b.t = 5
    serializers.NpzDeserializer(target.target).load(opt_b)
    assert opt_b.t == 0


def test_serialize_into_existing_state_copies_in_place():
    a = _chain()
    opt = optimizers.MomentumSGD().setup(a)
    for p in a.params():
        p.grad = numpy.ones_like(p.array)
    opt.update()
    # serialize() returns the live arrays (as Chainer's does): copy them
    saved = {k: numpy.array(v, copy=True)
             for k, v in serializers.serialize(opt).items()}
    v = a.l1.W.update_rule.state['v']
    v_before = v.copy()
    opt.update()
    serializers.NpzDeserializer(saved).load(opt)
    assert a.l1.W.update_rule.state['v'] is v
    numpy.testing.assert_array_equal(v, v_before)


def test_serialize_before_setup_is_an_error():
    with pytest.raises(RuntimeError, match='setup'):
        serializers.serialize(optimizers.SGD())


def test_optimizer_pickle_and_deepcopy_after_updates():
    net = _chain()
    x = numpy.ones((2, 3), numpy.float32)
    opt = optimizers.Adam().setup(net)
    opt.update(lambda: F.sum(net(x)))
    for clone in (pickle.loads(pickle.dumps(opt)), copy.deepcopy(opt)):
        assert clone.t == 1 and clone.target is not net
        clone.alpha = 0.5
        assert all(p.update_rule._hp()['alpha'] == 0.5 for p in clone.target.params())
        assert all(p.update_rule._hp()['alpha'] == 0.001 for p in net.params())


def test_static_loss_scaling_gives_the_unscaled_update():
    numpy.random.seed(1)
    x = numpy.random.randn(4, 3).astype(numpy.float32)
    a, b = _chain(), _chain()
    b.copyparams(a)
    opt_a = optimizers.SGD(lr=0.1).setup(a)
    opt_b = optimizers.SGD(lr=0.1).setup(b)
    opt_b.loss_scaling(scale=128.0)
    opt_b.add_hook(optimizer_hooks.WeightDecay(0.01))
    opt_a.add_hook(optimizer_hooks.WeightDecay(0.01))
    for _ in range(2):
        opt_a.update(lambda: F.sum(a(x)))
        opt_b.update(lambda: F.sum(b(x)))
    for pa, pb in zip(a.params(), b.params()):
        numpy.testing.assert_allclose(pa.array, pb.array, rtol=1e-5, atol=1e-6)
        assert getattr(pb, '_loss_scale', None) is None


def test_loss_scaling_errors():
    opt = optimizers.SGD()
    with pytest.raises(ValueError, match='interval'):
        opt.loss_scaling(interval=0)
    with pytest.raises(ValueError, match='positive'):
        opt.loss_scaling(scale=-1)


def test_dynamic_loss_scaling_skips_a_step_with_non_finite_grads():
    link = SimpleLink([1.0, 2.0], [1.0, 1.0])
    opt = optimizers.SGD(lr=0.1).setup(link)
    opt.loss_scaling(interval=2)
    assert opt._loss_scale == 1.0
    link.param.grad = numpy.array([numpy.inf, 1.0], numpy.float32)
    with pytest.warns(UserWarning, match='Non finite'):
        opt.update()
    numpy.testing.assert_array_equal(link.param.array, [1.0, 2.0])  # skipped
    assert opt.t == 1 and opt._loss_scale == 1      # max(1, 0.5)
    link.param.grad = numpy.array([1.0, 1.0], numpy.float32)
    opt.update()
    numpy.testing.assert_allclose(link.param.array, [0.9, 1.9])
    assert opt._loss_scale == pytest.approx(2 ** 0.5)


def test_use_fp32_update_keeps_a_float32_master_copy():
    w16 = numpy.array([1.0, 2.0, 3.0], numpy.float16)
    link = SimpleLink(w16.astype(numpy.float32), [0, 0, 0])
    with link.init_scope():
        link.param = Parameter(w16.copy())
    opt = optimizers.SGD(lr=1e-4).setup(link)
    opt.use_fp32_update()
    arr = link.param.array
    for _ in range(10):
        link.param.grad = numpy.ones(3, numpy.float16)
        opt.update()
    rule = link.param.update_rule
    assert rule._fp32_param.dtype == numpy.float32
    numpy.testing.assert_allclose(rule._fp32_param.array, w16.astype(numpy.float32) - 1e-3,
                                  rtol=1e-6)
    # 1e-4 steps are below float16 resolution at 1..3: only the fp32 copy
    # accumulates them, and the float16 array is rewritten in place.
    assert link.param.array is arr
    numpy.testing.assert_array_equal(
        arr, (w16.astype(numpy.float32) - 1e-3).astype(numpy.float16))


def test_deprecated_hook_aliases_warn():
    for name in ('WeightDecay', 'Lasso', 'GradientClipping', 'GradientNoise'):
        with pytest.warns(DeprecationWarning, match='optimizer_hooks.' + name):
            hook = getattr(optimizer, name)(0.1)
        assert isinstance(hook, getattr(optimizer_hooks, name))
    with pytest.warns(DeprecationWarning):
        optimizer.GradientHardClipping(-1, 1)


def test_use_cleargrads_is_deprecated():
    opt = optimizers.SGD().setup(_chain())
    with pytest.warns(DeprecationWarning):
        opt.use_cleargrads(False)
    x = numpy.ones((2, 3), numpy.float32)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        opt.update(lambda: F.sum(opt.target(x)))
    assert opt.t == 1


def test_update_rule_update_with_a_plain_variable():
    rule = optimizers.SGD(lr=0.5).create_update_rule()
    v = Variable(numpy.array([1.0, 2.0], numpy.float32))
    v.grad = numpy.array([2.0, 2.0], numpy.float32)
    rule.update(v)
    numpy.testing.assert_array_equal(v.array, [0.0, 1.0])


def test_update_rule_dispatch_uses_param_device():
    rule = CountingRule()
    p = _param()
    with mock.patch.object(CountingRule, 'update_core_gpu') as gpu:
        rule.update(p)
        gpu.assert_not_called()
    assert rule.cpu_calls == [p]


# -- Chainer-compat behaviours (chainer_tests/test_optimizer.py) --------------

def test_update_core_chainerx_is_not_called_and_says_chainerx_is_unsupported():
    class Rule(optimizer.UpdateRule):
        def update_core_cpu(self, param):
            param.array -= 1

    rule = Rule()
    p = Parameter(numpy.ones(2, dtype=numpy.float32))
    p.grad = numpy.ones(2, dtype=numpy.float32)
    with mock.patch.object(rule, 'update_core_chainerx') as chx:
        rule.update(p)
    chx.assert_not_called()
    numpy.testing.assert_array_equal(p.array, [0., 0.])
    with pytest.raises(RuntimeError, match='Rule.update_core_chainerx: ChainerX'):
        rule.update_core_chainerx(p)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32])
def test_fp32_update_of_an_uninitialized_param(dtype):
    seen = []
    rule = optimizer.UpdateRule()
    rule.update_core = lambda param: seen.append((param, param.dtype))
    rule.use_fp32_update()
    p = Parameter(fastgrad.initializers.Constant(5, dtype=dtype))
    rule.update(p)
    stand_in, seen_dtype = seen[0]
    assert seen_dtype == numpy.float32
    assert stand_in.array is None
    assert (stand_in is p) == (dtype == numpy.float32)
    # once the parameter has data, update_core gets a float32 copy of it
    p.initialize((3,))
    p.grad = numpy.full(3, 2, dtype=dtype)
    rule.update(p)
    param_, seen_dtype = seen[1]
    assert seen_dtype == numpy.float32
    numpy.testing.assert_array_equal(param_.array, [5., 5., 5.])
    assert (param_ is p) == (dtype == numpy.float32)


def test_deserialize_sees_an_init_state_that_writes_through_the_rule():
    rule = optimizer.UpdateRule()

    def init_state(param):            # a closure over the rule, not self
        rule.state['m'] = numpy.zeros(1, dtype=numpy.float32)

    rule.init_state = init_state
    saved = {'t': 4, 'm': numpy.array([3.], dtype=numpy.float32)}
    rule.serialize(serializers.NpzDeserializer(saved))
    assert rule.t == 4
    numpy.testing.assert_array_equal(rule.state['m'], [3.])
