"""Every optimizer: Chainer 7.8.1's defaults and signatures, two steps against
a float64 NumPy reference written from the published update formulas,
in-place updates, shapes, dtypes, hooks and pickling."""
import inspect
import math
import pickle

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Parameter, optimizer, optimizers

ALL_OPTIMIZERS = {
    'AdaBound', 'AdaDelta', 'AdaGrad', 'Adam', 'AdamW', 'AMSBound', 'AMSGrad',
    'CorrectedMomentumSGD', 'MomentumSGD', 'MSVAG', 'NesterovAG', 'RMSprop',
    'RMSpropGraves', 'SGD', 'SMORMS3'}

ADAM_DEFAULTS = dict(alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8, eta=1.0,
                     weight_decay_rate=0, amsgrad=False, adabound=False,
                     final_lr=0.1, gamma=1e-3)

# Chainer 7.8.1: constructor arguments in order, with their defaults, and the
# resulting hyperparameters.
SIGNATURES = {
    'SGD': [('lr', 0.01)],
    'MomentumSGD': [('lr', 0.01), ('momentum', 0.9)],
    'NesterovAG': [('lr', 0.01), ('momentum', 0.9)],
    'CorrectedMomentumSGD': [('lr', 0.01), ('momentum', 0.9)],
    'AdaGrad': [('lr', 0.001), ('eps', 1e-8)],
    'AdaDelta': [('rho', 0.95), ('eps', 1e-6)],
    'RMSprop': [('lr', 0.01), ('alpha', 0.99), ('eps', 1e-8),
                ('eps_inside_sqrt', False)],
    'RMSpropGraves': [('lr', 1e-4), ('alpha', 0.95), ('momentum', 0.9),
                      ('eps', 1e-4)],
    'SMORMS3': [('lr', 0.001), ('eps', 1e-16)],
    'MSVAG': [('lr', 0.1), ('beta', 0.9), ('eta', 1.0), ('weight_decay_rate', 0)],
    'Adam': list(ADAM_DEFAULTS.items()),
    'AdamW': [('alpha', 0.001), ('beta1', 0.9), ('beta2', 0.999), ('eps', 1e-8),
              ('eta', 1.0), ('weight_decay_rate', 0)],
    'AMSGrad': [('alpha', 0.001), ('beta1', 0.9), ('beta2', 0.999), ('eps', 1e-8),
                ('eta', 1.0)],
    'AdaBound': [('alpha', 0.001), ('beta1', 0.9), ('beta2', 0.999),
                 ('final_lr', 0.1), ('gamma', 1e-3), ('eps', 1e-8), ('eta', 1.0)],
    'AMSBound': [('alpha', 0.001), ('beta1', 0.9), ('beta2', 0.999),
                 ('final_lr', 0.1), ('gamma', 1e-3), ('eps', 1e-8), ('eta', 1.0)],
}
FLAGS = {'AMSGrad': dict(amsgrad=True), 'AdaBound': dict(adabound=True),
         'AMSBound': dict(amsgrad=True, adabound=True),
         'AdamW': dict(amsgrad=False, adabound=False)}


def test_all_fifteen_optimizers_are_exported():
    exported = {n for n, v in vars(optimizers).items()
                if isinstance(v, type) and issubclass(v, optimizer.Optimizer)}
    assert exported == ALL_OPTIMIZERS
    assert set(SIGNATURES) == ALL_OPTIMIZERS


@pytest.mark.parametrize('name', sorted(ALL_OPTIMIZERS))
def test_signature_and_default_hyperparameters(name):
    cls = getattr(optimizers, name)
    params = list(inspect.signature(cls).parameters.values())
    assert [(p.name, p.default) for p in params] == SIGNATURES[name]
    opt = cls()
    expected = dict(SIGNATURES[name])
    if name in ('AdamW', 'AMSGrad', 'AdaBound', 'AMSBound'):
        expected = dict(ADAM_DEFAULTS, **dict(SIGNATURES[name]), **FLAGS[name])
    assert opt.hyperparam.get_dict() == expected
    for key, value in expected.items():
        assert getattr(opt, key) == value          # HyperparameterProxy


@pytest.mark.parametrize('name', sorted(ALL_OPTIMIZERS))
def test_constructor_hyperparameters_reach_the_rule(name):
    cls = getattr(optimizers, name)
    kwargs = {k: (v * 0.5 if isinstance(v, float) else v)
              for k, v in SIGNATURES[name]}
    opt = cls(**kwargs)
    link = fastgrad.Link()
    with link.init_scope():
        link.p = Parameter(numpy.ones(3, numpy.float32))
    opt.setup(link)
    rule = link.p.update_rule
    assert isinstance(rule, optimizer.UpdateRule)
    for k, v in kwargs.items():
        assert getattr(rule.hyperparam, k) == v
        assert rule._hp()[k] == v


# -- float64 references, written from the formulas ---------------------------------

def ref_sgd(p, g, s, hp, t):
    return p - hp['lr'] * g


def ref_momentum_sgd(p, g, s, hp, t):
    s['v'] = hp['momentum'] * s['v'] - hp['lr'] * g
    return p + s['v']


def ref_corrected_momentum_sgd(p, g, s, hp, t):
    s['v'] = hp['momentum'] * s['v'] - g
    return p + hp['lr'] * s['v']


def ref_nesterov_ag(p, g, s, hp, t):
    mu, lr = hp['momentum'], hp['lr']
    s['v'] = mu * s['v'] - lr * g
    return p + mu * mu * s['v'] - (1 + mu) * lr * g


def ref_adagrad(p, g, s, hp, t):
    s['h'] = s['h'] + g * g
    return p - hp['lr'] * g / (numpy.sqrt(s['h']) + hp['eps'])


def ref_adadelta(p, g, s, hp, t):
    rho, eps = hp['rho'], hp['eps']
    s['msg'] = rho * s['msg'] + (1 - rho) * g * g
    dx = numpy.sqrt((s['msdx'] + eps) / (s['msg'] + eps)) * g
    s['msdx'] = rho * s['msdx'] + (1 - rho) * dx * dx
    return p - dx


def ref_rmsprop(p, g, s, hp, t):
    a = hp['alpha']
    s['ms'] = a * s['ms'] + (1 - a) * g * g
    if hp['eps_inside_sqrt']:
        denom = numpy.sqrt(s['ms'] + hp['eps'])
    else:
        denom = numpy.sqrt(s['ms']) + hp['eps']
    return p - hp['lr'] * g / denom


def ref_rmsprop_graves(p, g, s, hp, t):
    a = hp['alpha']
    s['n'] = a * s['n'] + (1 - a) * g * g
    s['g'] = a * s['g'] + (1 - a) * g
    s['delta'] = (hp['momentum'] * s['delta']
                  - hp['lr'] * g / numpy.sqrt(s['n'] - s['g'] ** 2 + hp['eps']))
    return p + s['delta']


def ref_smorms3(p, g, s, hp, t):
    r = 1 / (s['mem'] + 1)
    s['g'] = (1 - r) * s['g'] + r * g
    s['g2'] = (1 - r) * s['g2'] + r * g * g
    x = s['g'] ** 2 / (s['g2'] + hp['eps'])
    p = p - g * numpy.minimum(x, hp['lr']) / (numpy.sqrt(s['g2']) + hp['eps'])
    s['mem'] = 1 + s['mem'] * (1 - x)
    return p


def ref_adam(p, g, s, hp, t):
    b1, b2 = hp['beta1'], hp['beta2']
    s['m'] = b1 * s['m'] + (1 - b1) * g
    s['v'] = b2 * s['v'] + (1 - b2) * g * g
    vhat = s['v']
    if hp['amsgrad']:
        s['vhat'] = numpy.maximum(s['vhat'], s['v'])
        vhat = s['vhat']
    alpha_t = hp['alpha'] * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    step = alpha_t / (numpy.sqrt(vhat) + hp['eps'])
    if hp['adabound']:
        final_lr = hp['final_lr']          # alpha unchanged: alpha/initial = 1
        lower = final_lr * (1 - 1 / (hp['gamma'] * t + 1))
        upper = final_lr * (1 + 1 / (hp['gamma'] * t))
        step = numpy.clip(step, lower, upper)
    return p - hp['eta'] * (step * s['m'] + hp['weight_decay_rate'] * p)


def ref_msvag(p, g, s, hp, t):
    beta = hp['beta']
    bp = beta ** t
    rho = min((1 - beta) ** 2 * (1 - bp ** 2) / ((1 - bp) ** 2 * (1 - beta ** 2)),
              0.9999)
    s['m'] = beta * s['m'] + (1 - beta) * g
    s['v'] = beta * s['v'] + (1 - beta) * g * g
    mt = s['m'] / (1 - bp)
    vt = s['v'] / (1 - bp)
    var = (vt - mt ** 2) / (1 - rho)
    with numpy.errstate(invalid='ignore', divide='ignore'):
        factor = numpy.clip(mt ** 2 / (mt ** 2 + rho * var), 0, 1)
    factor[numpy.isnan(factor)] = 0
    return p - hp['eta'] * (hp['lr'] * mt * factor + hp['weight_decay_rate'] * p)


# (case id, class, constructor kwargs, reference, state names and initial values)
CASES = [
    ('SGD', 'SGD', dict(lr=0.1), ref_sgd, {}),
    ('MomentumSGD', 'MomentumSGD', dict(lr=0.1, momentum=0.8), ref_momentum_sgd,
     {'v': 0}),
    ('CorrectedMomentumSGD', 'CorrectedMomentumSGD', dict(lr=0.1, momentum=0.8),
     ref_corrected_momentum_sgd, {'v': 0}),
    ('NesterovAG', 'NesterovAG', dict(lr=0.1, momentum=0.8), ref_nesterov_ag,
     {'v': 0}),
    ('AdaGrad', 'AdaGrad', dict(lr=0.1), ref_adagrad, {'h': 0}),
    ('AdaDelta', 'AdaDelta', dict(rho=0.9, eps=1e-3), ref_adadelta,
     {'msg': 0, 'msdx': 0}),
    ('RMSprop', 'RMSprop', dict(lr=0.1, alpha=0.9), ref_rmsprop, {'ms': 0}),
    ('RMSprop_inside', 'RMSprop', dict(lr=0.1, alpha=0.9, eps=1e-3,
                                       eps_inside_sqrt=True), ref_rmsprop, {'ms': 0}),
    ('RMSpropGraves', 'RMSpropGraves', dict(lr=0.1, alpha=0.9, momentum=0.5),
     ref_rmsprop_graves, {'n': 0, 'g': 0, 'delta': 0}),
    ('SMORMS3', 'SMORMS3', dict(lr=0.1), ref_smorms3, {'mem': 1, 'g': 0, 'g2': 0}),
    ('Adam', 'Adam', dict(alpha=0.1), ref_adam, {'m': 0, 'v': 0}),
    ('Adam_defaults', 'Adam', dict(), ref_adam, {'m': 0, 'v': 0}),
    ('Adam_wd_eta', 'Adam', dict(alpha=0.1, weight_decay_rate=0.2, eta=0.5),
     ref_adam, {'m': 0, 'v': 0}),
    ('AdamW', 'AdamW', dict(alpha=0.1, weight_decay_rate=0.1), ref_adam,
     {'m': 0, 'v': 0}),
    ('AMSGrad', 'AMSGrad', dict(alpha=0.1), ref_adam, {'m': 0, 'v': 0, 'vhat': 0}),
    ('AdaBound', 'AdaBound', dict(alpha=0.1, final_lr=0.05, gamma=0.1), ref_adam,
     {'m': 0, 'v': 0}),
    ('AMSBound', 'AMSBound', dict(alpha=0.1, final_lr=0.05, gamma=0.1), ref_adam,
     {'m': 0, 'v': 0, 'vhat': 0}),
    ('MSVAG', 'MSVAG', dict(lr=0.1, beta=0.8), ref_msvag, {'m': 0, 'v': 0}),
    ('MSVAG_wd', 'MSVAG', dict(lr=0.1, weight_decay_rate=0.1, eta=0.5), ref_msvag,
     {'m': 0, 'v': 0}),
]


def _one_param_link(array):
    link = fastgrad.Link()
    with link.init_scope():
        link.p = Parameter(array)
    return link


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_three_steps_match_the_float64_reference(case, dtype):
    _, cls_name, kwargs, ref, state_init = case
    rng = numpy.random.RandomState(0)
    p0 = rng.uniform(-1, 1, (3, 4))
    grads = [rng.uniform(-1, 1, (3, 4)) for _ in range(3)]
    grads[1][0, 0] = 0.0                   # a zero gradient entry
    opt = getattr(optimizers, cls_name)(**kwargs)
    link = _one_param_link(p0.astype(dtype))
    opt.setup(link)
    param = link.p
    array = param.array
    hp = opt.hyperparam.get_dict()

    p_ref = p0.copy()
    s_ref = {k: numpy.full((3, 4), float(v)) for k, v in state_init.items()}
    tol = dict(rtol=1e-12, atol=1e-14) if dtype == numpy.float64 else \
        dict(rtol=2e-5, atol=2e-6)
    if cls_name == 'MSVAG' and dtype == numpy.float32:
        # vt - mt**2 cancels (it is exactly 0 at t=1), so the variance
        # factor is ill-conditioned in float32; float64 is checked tightly.
        tol = dict(rtol=1e-3, atol=1e-4)
    states = None
    for t, g in enumerate(grads, 1):
        param.grad = g.astype(dtype)
        opt.update()
        p_ref = ref(p_ref, g, s_ref, hp, t)
        assert param.array is array                # updated in place
        assert param.array.dtype == dtype
        numpy.testing.assert_allclose(param.array, p_ref, **tol)
        rule = param.update_rule
        assert set(rule.state) == set(state_init) and rule.t == t
        for k in state_init:
            assert rule.state[k].dtype == dtype
            numpy.testing.assert_allclose(rule.state[k], s_ref[k], **tol)
        if states is None:
            states = {k: rule.state[k] for k in state_init}
        else:                                      # states updated in place
            assert all(rule.state[k] is states[k] for k in state_init)
    # the grad is left alone
    numpy.testing.assert_array_equal(param.grad, grads[-1].astype(dtype))


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_non_contiguous_parameter(case):
    _, cls_name, kwargs, ref, state_init = case
    rng = numpy.random.RandomState(1)
    base = rng.uniform(-1, 1, (4, 6))
    view = base.T[::2]                            # (3, 4), not contiguous
    assert not view.flags.c_contiguous
    g = rng.uniform(-1, 1, (3, 4))
    link = _one_param_link(view)
    opt = getattr(optimizers, cls_name)(**kwargs).setup(link)
    link.p.grad = numpy.ascontiguousarray(g)
    expected = ref(view.copy(), g,
                   {k: numpy.full((3, 4), float(v)) for k, v in state_init.items()},
                   opt.hyperparam.get_dict(), 1)
    opt.update()
    assert link.p.array is view
    numpy.testing.assert_allclose(base.T[::2], expected, rtol=1e-12, atol=1e-14)


def test_adabound_final_lr_follows_alpha():
    # bounds are scaled by alpha / initial_alpha (lr schedules move them)
    opt = optimizers.AdaBound(alpha=0.1, final_lr=0.05, gamma=0.1)
    link = _one_param_link(numpy.zeros(2))
    opt.setup(link)
    link.p.grad = numpy.array([1.0, -1.0])
    opt.update()
    rule = link.p.update_rule
    lo, up = rule.bounds
    assert lo == pytest.approx(0.05 * (1 - 1 / 1.1))
    assert up == pytest.approx(0.05 * (1 + 1 / 0.1))
    opt.alpha = 0.2
    lo2, up2 = rule.bounds
    assert (lo2, up2) == (pytest.approx(2 * lo), pytest.approx(2 * up))


def test_adam_alpha_t_and_errors_before_the_first_step():
    opt = optimizers.Adam(alpha=0.1)
    with pytest.raises(RuntimeError, match='learning rate'):
        opt.alpha_t
    rule = opt.create_update_rule()
    with pytest.raises(RuntimeError, match='learning rate'):
        rule.alpha_t
    with pytest.raises(RuntimeError, match='bounds'):
        rule.bounds
    opt.t = rule.t = 2
    expected = 0.1 * math.sqrt(1 - 0.999 ** 2) / (1 - 0.9 ** 2)
    assert opt.alpha_t == pytest.approx(expected)
    assert rule.alpha_t == pytest.approx(expected)
    with pytest.warns(DeprecationWarning):
        assert opt.lr == pytest.approx(expected)
    with pytest.warns(DeprecationWarning):
        assert rule.lr == pytest.approx(expected)


def test_eps_too_small_for_float16():
    link = _one_param_link(numpy.ones(3, numpy.float16))
    link.p.grad = numpy.ones(3, numpy.float16)
    opt = optimizers.RMSprop().setup(link)        # eps=1e-8 is 0 in float16
    with pytest.raises(ValueError, match='eps of RMSprop optimizer is too small'):
        opt.update()
    opt = optimizers.Adam(eps=1e-50).setup(link)  # 0 in float32 intermediates
    with pytest.raises(ValueError, match='eps of Adam optimizer is too small'):
        opt.update()


def test_adam_float16_uses_float32_intermediates():
    rng = numpy.random.RandomState(2)
    p0 = rng.uniform(-1, 1, 50).astype(numpy.float16)
    # |g| >= 0.3 keeps (1 - beta2) * g**2 a normal float16 number
    g = (rng.choice([-1, 1], 50) * rng.uniform(0.3, 1, 50)).astype(numpy.float16)
    g[:5] = 0                          # m = v = 0 there
    link = _one_param_link(p0.copy())
    opt = optimizers.Adam(alpha=0.01).setup(link)
    s = {'m': numpy.zeros(50), 'v': numpy.zeros(50)}
    expected = p0.astype(numpy.float64)
    for t in (1, 2):
        link.p.grad = g.copy()
        opt.update()
        expected = ref_adam(expected, g.astype(numpy.float64), s,
                            opt.hyperparam.get_dict(), t)
    rule = link.p.update_rule
    assert rule.state['m'].dtype == numpy.float16      # states stay float16
    assert link.p.array.dtype == numpy.float16
    numpy.testing.assert_allclose(link.p.array, expected, atol=2e-3)
    # eps=1e-8 is 0 in float16: computed in float16 the step would be
    # 0 / (sqrt(0) + 0) = NaN where the grad is 0; in float32 it is 0.
    numpy.testing.assert_array_equal(link.p.array[:5], p0[:5])


SHAPES = [(2, 3), (), (1, 0, 2)]


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', SHAPES, ids=str)
@pytest.mark.parametrize('name', sorted(ALL_OPTIMIZERS))
def test_update_with_lossfun_runs_for_every_shape_and_dtype(name, shape, dtype):
    kwargs = {}
    if dtype == numpy.float16:
        if name == 'RMSprop':
            kwargs = dict(eps=1e-4)
        elif name in ('AdaGrad', 'SMORMS3'):
            kwargs = dict(eps=1e-4)
    rng = numpy.random.RandomState(3)
    p0 = rng.uniform(0.5, 1.5, shape).astype(dtype)
    link = _one_param_link(p0.copy())
    opt = getattr(optimizers, name)(**kwargs).setup(link)
    x = rng.uniform(0.5, 1.5, shape).astype(dtype)
    for _ in range(2):
        opt.update(lambda: F.sum(link.p * x))
    assert opt.t == 2 and link.p.update_rule.t == 2
    assert link.p.array.dtype == dtype and link.p.array.shape == shape
    assert numpy.all(numpy.isfinite(link.p.array))
    if p0.size:
        # the loss is increasing in every entry: every method moves down
        assert numpy.all(link.p.array <= p0) and numpy.any(link.p.array < p0)


@pytest.mark.parametrize('name', sorted(ALL_OPTIMIZERS))
def test_pre_and_post_hooks_see_the_weights_before_and_after(name):
    rng = numpy.random.RandomState(4)
    link = _one_param_link(rng.uniform(-1, 1, (2, 3)).astype(numpy.float32))
    opt = getattr(optimizers, name)().setup(link)
    seen = {}

    def pre(rule, param):
        seen['pre'] = param.array.copy()

    def post(rule, param):
        seen['post'] = param.array.copy()

    pre.call_for_each_param = True
    post.call_for_each_param = True
    opt.add_hook(pre, timing='pre')
    opt.add_hook(post, timing='post')
    before = link.p.array.copy()
    link.p.grad = rng.uniform(-1, 1, (2, 3)).astype(numpy.float32)
    opt.update()
    numpy.testing.assert_array_equal(seen['pre'], before)
    numpy.testing.assert_array_equal(seen['post'], link.p.array)
    assert not numpy.array_equal(before, link.p.array)


@pytest.mark.parametrize('name', sorted(ALL_OPTIMIZERS))
def test_optimizers_pickle(name):
    opt = getattr(optimizers, name)()
    clone = pickle.loads(pickle.dumps(opt))
    assert clone.hyperparam.get_dict() == opt.hyperparam.get_dict()
    link = _one_param_link(numpy.ones((2, 2), numpy.float32))
    opt.setup(link)
    link.p.grad = numpy.ones((2, 2), numpy.float32)
    opt.update()
    clone = pickle.loads(pickle.dumps(opt))
    assert clone.t == 1
    clone.target.p.grad = numpy.ones((2, 2), numpy.float32)
    clone.update()
    opt.update()
    numpy.testing.assert_array_equal(clone.target.p.array, link.p.array)


@pytest.mark.parametrize('name', sorted(ALL_OPTIMIZERS))
def test_state_follows_the_parameter_device_when_loaded(name):
    # states deserialized into a fresh rule are plain numpy arrays and are
    # used as they are on the CPU
    from fastgrad import serializers
    rng = numpy.random.RandomState(5)
    a = _one_param_link(rng.uniform(-1, 1, 4).astype(numpy.float32))
    b = _one_param_link(a.p.array.copy())
    opt_a = getattr(optimizers, name)().setup(a)
    opt_b = getattr(optimizers, name)().setup(b)
    g = rng.uniform(-1, 1, 4).astype(numpy.float32)
    a.p.grad = g
    opt_a.update()
    serializers.NpzDeserializer(
        {k: numpy.array(v, copy=True) for k, v in serializers.serialize(opt_a).items()}
    ).load(opt_b)
    b.p.array[...] = a.p.array
    a.p.grad = g
    b.p.grad = g.copy()
    opt_a.update()
    opt_b.update()
    numpy.testing.assert_array_equal(a.p.array, b.p.array)


@pytest.mark.gpu
@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_gpu_matches_the_reference(case):
    import cupy
    _, cls_name, kwargs, ref, state_init = case
    rng = numpy.random.RandomState(0)
    p0 = rng.uniform(-1, 1, (3, 4))
    grads = [rng.uniform(-1, 1, (3, 4)) for _ in range(2)]
    link = _one_param_link(cupy.asarray(p0))
    opt = getattr(optimizers, cls_name)(**kwargs).setup(link)
    hp = opt.hyperparam.get_dict()
    p_ref = p0.copy()
    s_ref = {k: numpy.full((3, 4), float(v)) for k, v in state_init.items()}
    for t, g in enumerate(grads, 1):
        link.p.grad = cupy.asarray(g)
        opt.update()
        p_ref = ref(p_ref, g, s_ref, hp, t)
        assert isinstance(link.p.array, cupy.ndarray)
        numpy.testing.assert_allclose(cupy.asnumpy(link.p.array), p_ref,
                                      rtol=1e-10, atol=1e-12)
        for k in state_init:
            assert isinstance(link.p.update_rule.state[k], cupy.ndarray)


def test_msvag_zero_moments_give_a_zero_step_without_warnings():
    import warnings
    link = _one_param_link(numpy.ones(3, numpy.float32))
    opt = optimizers.MSVAG().setup(link)
    link.p.grad = numpy.zeros(3, numpy.float32)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        opt.update()                        # factor = 0 / 0 -> 0
    numpy.testing.assert_array_equal(link.p.array, [1, 1, 1])
    assert link.p.update_rule.beta_power == pytest.approx(0.9 ** 2)
