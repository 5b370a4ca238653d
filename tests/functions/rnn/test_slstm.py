"""F.slstm: forward against NumPy (gates interleaved as in lstm), both
outputs or one of them in backward, double backward, dtypes and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _ref(c1, c2, x1, x2):
    c1, c2, x1, x2 = (a.astype(numpy.float64) for a in (c1, c2, x1, x2))
    a1, i1, f1, o1 = (x1[:, k::4] for k in range(4))
    a2, i2, f2, o2 = (x2[:, k::4] for k in range(4))
    c = (numpy.tanh(a1) * _sigmoid(i1) + numpy.tanh(a2) * _sigmoid(i2)
         + _sigmoid(f1) * c1 + _sigmoid(f2) * c2)
    return c, _sigmoid(o1 + o2) * numpy.tanh(c)


# c shape, x shape
CASES = [((3, 4), (3, 16)), ((1, 1), (1, 4)), ((2, 3, 2), (2, 12, 2))]
TOL = {numpy.float16: dict(rtol=5e-3, atol=5e-3),
       numpy.float32: dict(rtol=1e-6, atol=1e-6),
       numpy.float64: dict(rtol=1e-14, atol=1e-14)}


def _inputs(case, dtype=numpy.float64, seed=0):
    rng = numpy.random.RandomState(seed)
    c_shape, x_shape = case
    return [rng.randn(*s).astype(dtype) for s in (c_shape, c_shape, x_shape, x_shape)]


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(case, dtype):
    xs = _inputs(case, dtype)
    copies = [a.copy() for a in xs]
    c, h = F.slstm(*xs)
    rc, rh = _ref(*xs)
    assert c.dtype == h.dtype == dtype and c.shape == h.shape == case[0]
    numpy.testing.assert_allclose(c.array.astype(numpy.float64), rc, **TOL[dtype])
    numpy.testing.assert_allclose(h.array.astype(numpy.float64), rh, **TOL[dtype])
    for a, b in zip(xs, copies):
        numpy.testing.assert_array_equal(a, b)


def test_gate_layout():
    """Unit 0 gets x1[:, 0:4] = (a, i, f, o); the output gate sums o1 + o2."""
    x1, x2 = numpy.zeros((1, 4)), numpy.zeros((1, 4))
    x1[0] = [0.5, 100, -100, 50]
    x2[0] = [0.0, -100, 100, -50]       # a2 contributes nothing (i2 = 0), f2 = 1
    c, h = F.slstm(numpy.full((1, 1), 7.0), numpy.full((1, 1), 3.0), x1, x2)
    numpy.testing.assert_allclose(c.array, [[numpy.tanh(0.5) + 3.0]], rtol=1e-12)
    numpy.testing.assert_allclose(h.array, [[0.5 * numpy.tanh(numpy.tanh(0.5) + 3.0)]],
                                  rtol=1e-12)


def test_extreme_inputs_stay_finite():
    x = numpy.array([[1e4, -1e4, 1e4, -1e4]], numpy.float32)
    with numpy.errstate(all='raise'):
        c, h = F.slstm(numpy.zeros((1, 1), numpy.float32), numpy.zeros((1, 1), numpy.float32),
                       x, -x)
    assert numpy.isfinite(c.array).all() and numpy.isfinite(h.array).all()


@pytest.mark.parametrize('case', CASES)
def test_backward(case):
    xs = _inputs(case)
    rng = numpy.random.RandomState(1)
    gc, gh = rng.randn(*case[0]), rng.randn(*case[0])
    check_backward(F.slstm, xs, (gc, gh))
    check_backward(F.slstm, xs, (None, gh))
    check_backward(F.slstm, xs, (gc, None))


@pytest.mark.parametrize('case', CASES)
def test_double_backward(case):
    xs = _inputs(case)
    rng = numpy.random.RandomState(2)
    gys = rng.randn(*case[0]), rng.randn(*case[0])
    ggs = [rng.randn(*a.shape) for a in xs]
    check_double_backward(F.slstm, xs, gys, ggs)
    check_double_backward(lambda *a: F.slstm(*a)[1], xs, gys[1], ggs)
    check_double_backward(lambda *a: F.slstm(*a)[0], xs, gys[0], ggs)


@pytest.mark.parametrize('use', ['both', 'c', 'h'])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(use, dtype):
    xs = _inputs(CASES[0], dtype)
    rng = numpy.random.RandomState(3)
    gc, gh = (rng.randn(*CASES[0][0]).astype(dtype) for _ in range(2))
    grads = []
    for double in (False, True):
        vs = [Variable(a.copy()) for a in xs]
        c, h = F.slstm(*vs)
        loss = {'both': F.sum(c * gc) + F.sum(h * gh), 'c': F.sum(c * gc),
                'h': F.sum(h * gh)}[use]
        loss.backward(enable_double_backprop=double)
        grads.append([v.grad for v in vs])
    for g, s in zip(*grads):
        assert g.dtype == s.dtype == dtype
        numpy.testing.assert_allclose(g.astype('d'), s.astype('d'), **TOL[dtype])


def test_errors():
    c = numpy.zeros((2, 3), numpy.float32)
    x = numpy.zeros((2, 12), numpy.float32)
    with pytest.raises(InvalidType, match='SLSTM') as e:
        F.slstm(c, c, x, numpy.zeros((3, 12), numpy.float32))
    assert 'x2.shape[0] == c_prev1.shape[0]' in str(e.value)
    with pytest.raises(InvalidType, match=r'x1.shape\[1\] == 4 \* c_prev1.shape\[1\]'):
        F.slstm(c, c, x[:, :8], x)
    with pytest.raises(InvalidType, match='c_prev2.shape == c_prev1.shape'):
        F.slstm(c, c[:1], x, x)
    with pytest.raises(InvalidType, match='x2.dtype == c_prev1.dtype'):
        F.slstm(c, c, x, x.astype(numpy.float64))
    with pytest.raises(InvalidType, match='c_prev1.ndim >= 2'):
        F.slstm(c[0], c[0], x[0], x[0])
    with pytest.raises(InvalidType, match="c_prev1.dtype.kind == 'f'"):
        F.slstm(*(a.astype(numpy.int32) for a in (c, c, x, x)))
    with pytest.raises(InvalidType, match=r'x1.shape\[2:\] == c_prev1.shape\[2:\]'):
        c3 = numpy.zeros((2, 3, 2), numpy.float32)
        x3 = numpy.zeros((2, 12, 3), numpy.float32)
        F.slstm(c3, c3, x3, x3)
