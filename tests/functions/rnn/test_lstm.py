"""F.lstm: Chainer's interleaved gate layout, forward against NumPy,
shrinking batches, gradients (c and h, or only one of them) on both paths,
double backward, dtypes and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _ref(c_prev, x):
    """Gate k of unit u is x[:, 4 * u + k] (a, i, f, o), as Chainer lays it out."""
    c_prev = c_prev.astype(numpy.float64)
    x = x.astype(numpy.float64)
    batch, units = x.shape[0], c_prev.shape[1]
    a = numpy.tanh(x[:, 0::4])
    i = _sigmoid(x[:, 1::4])
    f = _sigmoid(x[:, 2::4])
    o = _sigmoid(x[:, 3::4])
    assert a.shape[1] == units
    c = c_prev.copy()
    c[:batch] = a * i + f * c_prev[:batch]
    h = o * numpy.tanh(c[:batch])
    return c, h


# (c_prev shape, x shape)
CASES = [((3, 4), (3, 16)), ((5, 2), (3, 8)), ((2, 3, 2), (2, 12, 2)),
         ((4, 1, 2, 2), (1, 4, 2, 2))]
TOL = {numpy.float16: dict(rtol=5e-3, atol=5e-3),
       numpy.float32: dict(rtol=1e-6, atol=1e-6),
       numpy.float64: dict(rtol=1e-14, atol=1e-14)}


def _inputs(case, dtype=numpy.float64, seed=0):
    rng = numpy.random.RandomState(seed)
    return rng.randn(*case[0]).astype(dtype), rng.randn(*case[1]).astype(dtype)


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(case, dtype):
    c_prev, x = _inputs(case, dtype)
    copies = c_prev.copy(), x.copy()
    c, h = F.lstm(c_prev, x)
    rc, rh = _ref(c_prev, x)
    assert c.dtype == h.dtype == dtype
    assert c.shape == c_prev.shape and h.shape == (x.shape[0],) + c_prev.shape[1:]
    numpy.testing.assert_allclose(c.array.astype(numpy.float64), rc, **TOL[dtype])
    numpy.testing.assert_allclose(h.array.astype(numpy.float64), rh, **TOL[dtype])
    numpy.testing.assert_array_equal(c_prev, copies[0])
    numpy.testing.assert_array_equal(x, copies[1])


def test_gate_layout_is_chainers():
    """Unit 0 only gets input through x[:, 0:4] = (a, i, f, o)."""
    x = numpy.zeros((1, 8))
    x[0, :4] = [0.5, 100, -100, 100]        # a = tanh(.5), i = 1, f = 0, o = 1
    c, h = F.lstm(numpy.full((1, 2), 7.0), x)
    numpy.testing.assert_allclose(c.array[0, 0], numpy.tanh(0.5), rtol=1e-12)
    numpy.testing.assert_allclose(h.array[0, 0], numpy.tanh(numpy.tanh(0.5)), rtol=1e-12)
    # unit 1: all gates 0 -> a = 0, i = f = o = 0.5: c = 3.5
    numpy.testing.assert_allclose(c.array[0, 1], 3.5, rtol=1e-12)


def test_extreme_inputs_stay_finite():
    x = numpy.array([[1e4, -1e4, 1e4, -1e4]], numpy.float32)
    with numpy.errstate(all='raise'):
        c, h = F.lstm(numpy.zeros((1, 1), numpy.float32), x)
    assert numpy.isfinite(c.array).all() and numpy.isfinite(h.array).all()


@pytest.mark.parametrize('case', CASES)
def test_backward(case):
    c_prev, x = _inputs(case)
    c, h = F.lstm(c_prev, x)
    gc, gh = numpy.random.randn(*c.shape), numpy.random.randn(*h.shape)
    check_backward(F.lstm, (c_prev, x), (gc, gh))
    check_backward(F.lstm, (c_prev, x), (None, gh))
    check_backward(F.lstm, (c_prev, x), (gc, None))


@pytest.mark.parametrize('case', CASES)
def test_double_backward(case):
    c_prev, x = _inputs(case)
    c, h = F.lstm(c_prev, x)
    gys = numpy.random.randn(*c.shape), numpy.random.randn(*h.shape)
    ggs = numpy.random.randn(*c_prev.shape), numpy.random.randn(*x.shape)
    check_double_backward(F.lstm, (c_prev, x), gys, ggs)
    # only one output used
    check_double_backward(lambda c, x: F.lstm(c, x)[1], (c_prev, x), gys[1], ggs)
    check_double_backward(lambda c, x: F.lstm(c, x)[0], (c_prev, x), gys[0], ggs)


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('use', ['both', 'c', 'h'])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(case, use, dtype):
    c_prev, x = _inputs(case, dtype)
    c, h = F.lstm(c_prev, x)
    gc = numpy.random.randn(*c.shape).astype(dtype)
    gh = numpy.random.randn(*h.shape).astype(dtype)
    grads = []
    for double in (False, True):
        vc, vx = Variable(c_prev.copy()), Variable(x.copy())
        c, h = F.lstm(vc, vx)
        if use == 'both':
            loss = F.sum(c * gc) + F.sum(h * gh)
        elif use == 'c':
            loss = F.sum(c * gc)
        else:
            loss = F.sum(h * gh)
        loss.backward(enable_double_backprop=double)
        grads.append((vc.grad, vx.grad))
    for g, s in zip(*grads):
        assert g.dtype == s.dtype == dtype
        numpy.testing.assert_allclose(g.astype(numpy.float64), s.astype(numpy.float64),
                                      **TOL[dtype])


def test_carried_rows_get_their_gradient():
    c_prev, x = _inputs(CASES[1])
    vc = Variable(c_prev)
    c, h = F.lstm(vc, x)
    c.grad = numpy.ones(c.shape)
    h.grad = numpy.zeros(h.shape)
    F.sum(c).backward()
    numpy.testing.assert_array_equal(vc.grad[3:], 1)


def test_non_contiguous_inputs():
    c_prev, x = _inputs(CASES[0])
    xt = numpy.asfortranarray(x)
    ct = numpy.asfortranarray(c_prev)
    c, h = F.lstm(ct, xt)
    rc, rh = _ref(c_prev, x)
    numpy.testing.assert_allclose(c.array, rc, rtol=1e-14)
    numpy.testing.assert_allclose(h.array, rh, rtol=1e-14)
    gys = numpy.random.randn(*rc.shape), numpy.random.randn(*rh.shape)
    check_backward(F.lstm, (ct, xt), gys)


def test_errors():
    c = numpy.zeros((2, 3), numpy.float32)
    x = numpy.zeros((2, 12), numpy.float32)
    with pytest.raises(InvalidType, match='LSTM') as e:
        F.lstm(c, numpy.zeros((3, 12), numpy.float32))
    assert 'x.shape[0] <= c.shape[0]' in str(e.value)
    with pytest.raises(InvalidType, match='x.shape\\[1\\] == 4 \\* c.shape\\[1\\]'):
        F.lstm(c, x[:, :8])
    with pytest.raises(InvalidType, match='x.dtype == c.dtype'):
        F.lstm(c, x.astype(numpy.float64))
    with pytest.raises(InvalidType, match='c.ndim == x.ndim'):
        F.lstm(c, x[:, :, None])
    with pytest.raises(InvalidType, match='c.ndim >= 2'):
        F.lstm(c[0], x[0])
    with pytest.raises(InvalidType, match="c.dtype.kind == 'f'"):
        F.lstm(c.astype(numpy.int32), x.astype(numpy.int32))
    with pytest.raises(InvalidType, match='x.shape\\[2:\\] == c.shape\\[2:\\]'):
        F.lstm(numpy.zeros((2, 3, 2), numpy.float32), numpy.zeros((2, 12, 3), numpy.float32))
