"""The recurrent cell links (GRU, MGU, StatelessLSTM, peephole and zoneout
LSTMs, the Tree-LSTMs) against NumPy formulas from their own weights; state
handling (reset_state, set_state, the state visited by to_device); parameter
names (Chainer's npz keys); gradients through parameters and state; errors."""
import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad import Variable
from fastgrad.gradient_check import check_backward

IN, OUT, B = 3, 4, 2
TOL = dict(rtol=1e-5, atol=1e-6)


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _lin(link, x):
    y = x @ link.W.array.T.astype('d')
    return y if link.b is None else y + link.b.array


def _randomize(link, seed=0):
    rng = numpy.random.RandomState(seed)
    for _, p in sorted(link.namedparams()):
        p.array[...] = rng.uniform(-1, 1, p.shape)
    return link


def _x(seed, *shape):
    return numpy.random.RandomState(seed).uniform(-1, 1, shape).astype(numpy.float32)


def _names(link):
    return sorted(n for n, _ in link.namedparams())


# ---------------------------------------------------------------- GRU
def _gru(link, h, x):
    r = _sigmoid(_lin(link.W_r, x) + _lin(link.U_r, h))
    z = _sigmoid(_lin(link.W_z, x) + _lin(link.U_z, h))
    h_bar = numpy.tanh(_lin(link.W, x) + _lin(link.U, r * h))
    return z * h_bar + (1 - z) * h


def test_gru_parameters():
    names = ['/U/W', '/U/b', '/U_r/W', '/U_r/b', '/U_z/W', '/U_z/b',
             '/W/W', '/W/b', '/W_r/W', '/W_r/b', '/W_z/W', '/W_z/b']
    for cls in (L.StatelessGRU, L.StatefulGRU, L.GRU):
        link = cls(IN, OUT)
        assert _names(link) == names
        assert link.W_r.W.shape == (OUT, IN) and link.U_r.W.shape == (OUT, OUT)
        numpy.testing.assert_array_equal(link.W.b.array, numpy.zeros(OUT))
    link = L.StatefulGRU(IN, OUT, init=0.5, inner_init=0.25, bias_init=1.5)
    assert (link.W_z.W.array == 0.5).all() and (link.U.W.array == 0.25).all()
    assert (link.U_r.b.array == 1.5).all() and link.state_size == OUT


def test_stateless_gru_forward_and_lazy_in_size():
    link = _randomize(L.StatelessGRU(IN, OUT))
    h, x = _x(1, B, OUT), _x(2, B, IN)
    numpy.testing.assert_allclose(link(h, x).array, _gru(link, h.astype('d'), x.astype('d')),
                                  **TOL)
    lazy = L.StatelessGRU(None, OUT)
    assert lazy(h, x).shape == (B, OUT) and lazy.W_r.W.shape == (OUT, IN)


@pytest.mark.parametrize('cls', [L.StatefulGRU, L.GRU])
def test_stateful_gru_steps_reset_and_set_state(cls):
    link = _randomize(cls(IN, OUT))
    xs = [_x(k, B, IN).astype('d') for k in range(3)]
    assert link.h is None
    h = None
    for x in xs:
        y = link(x.astype(numpy.float32))
        if h is None:   # no state yet: W_r unused, h_new = z * h_bar
            h = (_sigmoid(_lin(link.W_z, x)) * numpy.tanh(_lin(link.W, x)))
        else:
            h = _gru(link, h, x)
        numpy.testing.assert_allclose(y.array, h, **TOL)
        assert link.h is y
    link.reset_state()
    assert link.h is None
    h0 = _x(5, B, OUT)
    link.set_state(Variable(h0))
    numpy.testing.assert_allclose(link(xs[0].astype('f')).array,
                                  _gru(link, h0.astype('d'), xs[0]), **TOL)
    with pytest.raises(TypeError, match='set_state: h must be a Variable'):
        link.set_state(h0)


def test_gru_alias_rejects_the_stateless_call():
    link = L.GRU(IN, OUT)
    assert isinstance(link, L.StatefulGRU)
    with pytest.raises(ValueError, match='StatelessGRU'):
        link(_x(0, B, OUT), _x(1, B, IN))
    with pytest.raises(ValueError, match='one argument'):
        link()


# ---------------------------------------------------------------- MGU
def _mgu(link, h, x):
    f = _sigmoid(_lin(link.W_f, numpy.concatenate([h, x], axis=1)))
    h_bar = numpy.tanh(_lin(link.W_h, numpy.concatenate([f * h, x], axis=1)))
    return f * h_bar + (1 - f) * h


def test_mgu_parameters_and_stateless_forward():
    link = _randomize(L.StatelessMGU(IN, OUT))
    assert _names(link) == ['/W_f/W', '/W_f/b', '/W_h/W', '/W_h/b']
    assert link.W_f.W.shape == (OUT, OUT + IN)
    h, x = _x(1, B, OUT), _x(2, B, IN)
    numpy.testing.assert_allclose(link(h, x).array, _mgu(link, h.astype('d'), x.astype('d')),
                                  **TOL)
    with pytest.raises(TypeError, match='in_size must be given'):
        L.StatelessMGU(None, OUT)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_stateful_mgu_state_in_the_configured_dtype(dtype):
    with fastgrad.using_config('dtype', dtype):
        link = _randomize(L.StatefulMGU(IN, OUT))
        x = _x(3, B, IN).astype(dtype)
        y1, y2 = link(x), link(x)
    assert y1.dtype == y2.dtype == dtype
    h1 = _mgu(link, numpy.zeros((B, OUT)), x.astype('d'))
    tol = dict(rtol=5e-3, atol=5e-3) if dtype == numpy.float16 else TOL
    numpy.testing.assert_allclose(y1.array.astype('d'), h1, **tol)
    numpy.testing.assert_allclose(y2.array.astype('d'), _mgu(link, h1, x.astype('d')), **tol)
    link.reset_state()
    assert link.h is None


def test_stateful_mgu_set_state():
    link = _randomize(L.StatefulMGU(IN, OUT))
    h0, x = _x(4, B, OUT), _x(5, B, IN)
    link.set_state(Variable(h0))
    numpy.testing.assert_allclose(link(x).array, _mgu(link, h0.astype('d'), x.astype('d')),
                                  **TOL)
    with pytest.raises(TypeError, match='StatefulMGU.set_state'):
        link.set_state(h0)


# ---------------------------------------------------------------- LSTMs
def _lstm_gates(z):
    return (z[:, k::4] for k in range(4))


def test_stateless_lstm():
    link = L.StatelessLSTM(IN, OUT)
    assert _names(link) == ['/lateral/W', '/upward/W', '/upward/b']
    numpy.testing.assert_array_equal(link.upward.b.array, [0, 0, 1, 0] * OUT)
    _randomize(link)
    c, h, x = _x(1, B, OUT), _x(2, B, OUT), _x(3, B, IN)
    c_new, h_new = link(c, h, x)
    a, i, f, o = _lstm_gates(_lin(link.upward, x.astype('d')) + _lin(link.lateral, h.astype('d')))
    rc = numpy.tanh(a) * _sigmoid(i) + _sigmoid(f) * c
    numpy.testing.assert_allclose(c_new.array, rc, **TOL)
    numpy.testing.assert_allclose(h_new.array, _sigmoid(o) * numpy.tanh(rc), **TOL)
    # no state: c = 0 and no lateral term
    c0, h0 = link(None, None, x)
    a, i, f, o = _lstm_gates(_lin(link.upward, x.astype('d')))
    numpy.testing.assert_allclose(c0.array, numpy.tanh(a) * _sigmoid(i), **TOL)
    assert c0.dtype == numpy.float32
    # lazy in_size from the first input (its flattened size)
    lazy = L.StatelessLSTM(OUT)
    assert lazy(None, None, numpy.zeros((B, 2, 3), numpy.float32))[1].shape == (B, OUT)
    assert lazy.upward.W.shape == (4 * OUT, 6)


def _peephole_step(link, x, c, h):
    z = _lin(link.upward, x) + (0 if h is None else _lin(link.lateral, h))
    a, i, f, o = _lstm_gates(z)
    i = _sigmoid(i + _lin(link.peep_i, c))
    f = _sigmoid(f + _lin(link.peep_f, c))
    c = numpy.tanh(a) * i + f * c
    return c, _sigmoid(o + _lin(link.peep_o, c)) * numpy.tanh(c)


def test_peephole_lstm_steps_and_reset():
    link = _randomize(L.StatefulPeepholeLSTM(IN, OUT))
    assert _names(link) == ['/lateral/W', '/peep_f/W', '/peep_i/W', '/peep_o/W',
                            '/upward/W', '/upward/b']
    c, h = numpy.zeros((B, OUT)), None
    for k in range(3):
        x = _x(k, B, IN)
        y = link(x)
        c, h = _peephole_step(link, x.astype('d'), c, h)
        numpy.testing.assert_allclose(y.array, h, **TOL)
        numpy.testing.assert_allclose(link.c.array, c, **TOL)
        assert link.h is y
    link.reset_state()
    assert link.c is None and link.h is None


def _zoneout_step(link, x, c, h, seed_state):
    """One step with the masks drawn as the link draws them (c's, then h's)."""
    z = _lin(link.upward, x) + _lin(link.lateral, h)
    a, i, f, o = _lstm_gates(z)
    c_tmp = numpy.tanh(a) * _sigmoid(i) + _sigmoid(f) * c
    keep_x_c = seed_state.rand(*c.shape) >= link.c_ratio
    keep_x_h = seed_state.rand(*h.shape) >= link.h_ratio
    return (numpy.where(keep_x_c, c_tmp, c),
            numpy.where(keep_x_h, _sigmoid(o) * numpy.tanh(c_tmp), h))


@pytest.mark.parametrize('ratios', [(0.5, 0.5), (0.3, 0.7), (0.0, 0.0), (1.0, 1.0)])
def test_zoneout_lstm_train(ratios):
    link = _randomize(L.StatefulZoneoutLSTM(IN, OUT, c_ratio=ratios[0], h_ratio=ratios[1]))
    assert _names(link) == ['/lateral/W', '/upward/W', '/upward/b']
    numpy.random.seed(3)
    rng = numpy.random.RandomState(3)
    c, h = numpy.zeros((B, OUT)), numpy.zeros((B, OUT))
    for k in range(3):
        x = _x(k, B, IN)
        y = link(x)
        c, h = _zoneout_step(link, x.astype('d'), c, h, rng)
        numpy.testing.assert_allclose(y.array, h, **TOL)
        numpy.testing.assert_allclose(link.c.array, c, **TOL)
    if ratios == (1.0, 1.0):    # every unit keeps its zero state
        assert (link.h.array == 0).all() and (link.c.array == 0).all()


def test_zoneout_lstm_test_mode_is_a_plain_lstm_step():
    link = _randomize(L.StatefulZoneoutLSTM(IN, OUT))
    x = _x(0, B, IN)
    with fastgrad.using_config('train', False):
        y = link(x)
    a, i, f, o = _lstm_gates(_lin(link.upward, x.astype('d')))
    c = numpy.tanh(a) * _sigmoid(i)
    numpy.testing.assert_allclose(y.array, _sigmoid(o) * numpy.tanh(c), **TOL)


def test_zoneout_lstm_state_and_arguments():
    link = L.StatefulZoneoutLSTM(IN, OUT)
    c, h = Variable(_x(1, B, OUT)), Variable(_x(2, B, OUT))
    link.set_state(c, h)
    assert link.c is c and link.h is h
    with pytest.raises(TypeError, match='set_state: h must be a Variable'):
        link.set_state(c, h.array)
    link.reset_state()
    assert link.c is None and link.h is None
    with pytest.raises(ValueError, match='train argument'):
        L.StatefulZoneoutLSTM(IN, OUT, train=True)
    with pytest.raises(TypeError, match='unexpected'):
        L.StatefulZoneoutLSTM(IN, OUT, ratio=0.1)


# ---------------------------------------------------------------- Tree-LSTMs
def _tree_cell(z, cs, units):
    blocks = [z[:, k * units:(k + 1) * units] for k in range(z.shape[1] // units)]
    a, i, o = numpy.tanh(blocks[0]), _sigmoid(blocks[1]), _sigmoid(blocks[2])
    c = a * i + sum(_sigmoid(f) * ck for f, ck in zip(blocks[3:], cs))
    return c, o * numpy.tanh(c)


def _child_sum(link, cs, hs, x):
    zx = _lin(link.W_x, x)
    if not hs:
        return _tree_cell(zx[:, :3 * OUT], [], OUT)
    aio = zx[:, :3 * OUT] + _lin(link.W_h_aio, sum(hs))
    fs = [zx[:, 3 * OUT:] + _lin(link.W_h_f, h) for h in hs]
    return _tree_cell(numpy.concatenate([aio] + fs, axis=1), cs, OUT)


def _nary(link, cs, hs, x):
    z = _lin(link.W_x, x) + sum(_lin(getattr(link, 'W_h{}'.format(k + 1)), h)
                                for k, h in enumerate(hs))
    return _tree_cell(z, cs, OUT)


@pytest.mark.parametrize('n', [0, 1, 2, 3])
def test_child_sum_tree_lstm(n):
    link = _randomize(L.ChildSumTreeLSTM(IN, OUT))
    assert _names(link) == ['/W_h_aio/W', '/W_h_f/W', '/W_x/W', '/W_x/b']
    cs = [_x(k, B, OUT).astype('d') for k in range(n)]
    hs = [_x(10 + k, B, OUT).astype('d') for k in range(n)]
    x = _x(20, B, IN).astype('d')
    with fastgrad.using_config('dtype', numpy.float64):
        link = _randomize(L.ChildSumTreeLSTM(IN, OUT))
    c, h = link(*(cs + hs + [x]))
    rc, rh = _child_sum(link, cs, hs, x)
    numpy.testing.assert_allclose(c.array, rc, rtol=1e-12, atol=1e-13)
    numpy.testing.assert_allclose(h.array, rh, rtol=1e-12, atol=1e-13)
    if n >= 2:   # order of the children does not matter
        c2, h2 = link(*(cs[::-1] + hs[::-1] + [x]))
        numpy.testing.assert_allclose(c2.array, rc, rtol=1e-12, atol=1e-13)
        # None children count as zeros; x None as zeros
        c3, _ = link(*([None] + cs[1:] + [None] + hs[1:] + [None]))
        zero = numpy.zeros((B, OUT))
        r3, _ = _child_sum(link, [zero] + cs[1:], [zero] + hs[1:], numpy.zeros((B, IN)))
        numpy.testing.assert_allclose(c3.array, r3, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize('n_ary', [1, 2, 3])
def test_nary_tree_lstm(n_ary):
    with fastgrad.using_config('dtype', numpy.float64):
        link = _randomize(L.NaryTreeLSTM(IN, OUT, n_ary=n_ary))
    assert _names(link) == sorted(['/W_x/W', '/W_x/b'] +
                                  ['/W_h{}/W'.format(k + 1) for k in range(n_ary)])
    assert link.W_h1.W.shape == ((3 + n_ary) * OUT, OUT) and link.W_h1.b is None
    cs = [_x(k, B, OUT).astype('d') for k in range(n_ary)]
    hs = [_x(10 + k, B, OUT).astype('d') for k in range(n_ary)]
    x = _x(20, B, IN).astype('d')
    c, h = link(*(cs + hs + [x]))
    rc, rh = _nary(link, cs, hs, x)
    numpy.testing.assert_allclose(c.array, rc, rtol=1e-12, atol=1e-13)
    numpy.testing.assert_allclose(h.array, rh, rtol=1e-12, atol=1e-13)
    # a missing child: zero c, no W_h term
    c2, _ = link(*([None] + cs[1:] + [None] + hs[1:] + [x]))
    zero = numpy.zeros((B, OUT))
    r2, _ = _tree_cell(_lin(link.W_x, x) + sum(
        _lin(getattr(link, 'W_h{}'.format(k + 1)), hs[k]) for k in range(1, n_ary)),
        [zero] + cs[1:], OUT)
    numpy.testing.assert_allclose(c2.array, r2, rtol=1e-12, atol=1e-13)


def test_tree_lstm_errors():
    cs_link, nary = L.ChildSumTreeLSTM(IN, OUT), L.NaryTreeLSTM(IN, OUT, n_ary=2)
    c = _x(0, B, OUT)
    with pytest.raises(ValueError, match='all inputs'):
        cs_link(None, None, None)
    with pytest.raises(ValueError, match='all inputs'):
        nary(None, None, None, None, None)
    with pytest.raises(ValueError, match='odd number'):
        cs_link(c, c)
    with pytest.raises(ValueError, match='expected 5 arguments'):
        nary(c, c, _x(1, B, IN))
    with pytest.raises(ValueError, match='n_ary must be at least 1'):
        L.NaryTreeLSTM(IN, OUT, n_ary=0)


# ---------------------------------------------------------------- shared
STATEFUL = [
    (lambda: L.StatefulGRU(IN, OUT), ('h',)),
    (lambda: L.GRU(IN, OUT), ('h',)),
    (lambda: L.StatefulMGU(IN, OUT), ('h',)),
    (lambda: L.StatefulPeepholeLSTM(IN, OUT), ('c', 'h')),
    (lambda: L.StatefulZoneoutLSTM(IN, OUT), ('c', 'h')),
]


class _Recorder(object):
    def __init__(self):
        self.variables = []

    def visit_device_resident(self, link):
        pass

    def visit_variable(self, v):
        self.variables.append(v)

    def visit_array(self, x):
        return x


@pytest.mark.parametrize('make, state', STATEFUL)
def test_state_is_a_device_resident(make, state):
    link = make()
    link(_x(0, B, IN))
    recorder = _Recorder()
    link.device_resident_accept(recorder)
    for name in state:
        assert any(v is getattr(link, name) for v in recorder.variables), name
    link.to_device('@numpy')
    assert all(isinstance(getattr(link, n).array, numpy.ndarray) for n in state)
    link.reset_state()
    assert all(getattr(link, n) is None for n in state)
    link.device_resident_accept(_Recorder())     # no state: nothing to visit


@pytest.mark.parametrize('make, state', STATEFUL)
def test_gradient_through_two_steps_float64(make, state):
    with fastgrad.using_config('dtype', numpy.float64):
        link = _randomize(make())

    def f(x1, x2):
        numpy.random.seed(0)    # the zoneout masks: the same at every call
        link.reset_state()
        with fastgrad.using_config('dtype', numpy.float64):   # MGU's zero state
            link(x1)
            return link(x2)

    x1, x2 = (numpy.random.RandomState(k).randn(B, IN) for k in (1, 2))
    check_backward(f, (x1, x2), numpy.random.RandomState(3).randn(B, OUT),
                   params=tuple(link.params()))


@pytest.mark.parametrize('make', [
    lambda: L.StatelessGRU(IN, OUT), lambda: L.StatelessMGU(IN, OUT),
    lambda: L.StatelessLSTM(IN, OUT)])
def test_stateless_gradients_float64(make):
    with fastgrad.using_config('dtype', numpy.float64):
        link = _randomize(make())
    rng = numpy.random.RandomState(4)
    h, x = rng.randn(B, OUT), rng.randn(B, IN)
    if isinstance(link, L.StatelessLSTM):
        c = rng.randn(B, OUT)
        gys = rng.randn(B, OUT), rng.randn(B, OUT)
        check_backward(link, (c, h, x), gys, params=tuple(link.params()))
    else:
        check_backward(link, (h, x), rng.randn(B, OUT), params=tuple(link.params()))


@pytest.mark.parametrize('make, n', [(lambda: L.ChildSumTreeLSTM(IN, OUT), 2),
                                     (lambda: L.NaryTreeLSTM(IN, OUT, n_ary=3), 3)])
def test_tree_gradients_float64(make, n):
    with fastgrad.using_config('dtype', numpy.float64):
        link = _randomize(make())
    rng = numpy.random.RandomState(5)
    inputs = [rng.randn(B, OUT) for _ in range(2 * n)] + [rng.randn(B, IN)]
    check_backward(link, inputs, (rng.randn(B, OUT), rng.randn(B, OUT)),
                   params=tuple(link.params()))
