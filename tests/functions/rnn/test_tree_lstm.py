"""F.tree_lstm: forward against NumPy (gates in consecutive blocks a, i, o,
f_1..f_N), 1 to 3 children and trailing axes, backward with either output,
double backward, dtypes and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _ref(*inputs):
    cs = [c.astype(numpy.float64) for c in inputs[:-1]]
    x = inputs[-1].astype(numpy.float64)
    n = cs[0].shape[1]
    blocks = [x[:, k * n:(k + 1) * n] for k in range(3 + len(cs))]
    a, i, o = numpy.tanh(blocks[0]), _sigmoid(blocks[1]), _sigmoid(blocks[2])
    c = a * i + sum(_sigmoid(f) * ck for f, ck in zip(blocks[3:], cs))
    return c, o * numpy.tanh(c)


# (number of children, c shape)
CASES = [(1, (3, 4)), (2, (3, 4)), (3, (2, 3)), (2, (2, 3, 2))]
TOL = {numpy.float16: dict(rtol=5e-3, atol=5e-3),
       numpy.float32: dict(rtol=1e-6, atol=1e-6),
       numpy.float64: dict(rtol=1e-14, atol=1e-14)}


def _inputs(case, dtype=numpy.float64, seed=0):
    n, c_shape = case
    rng = numpy.random.RandomState(seed)
    x_shape = (c_shape[0], (3 + n) * c_shape[1]) + c_shape[2:]
    return [rng.randn(*c_shape).astype(dtype) for _ in range(n)] + \
        [rng.randn(*x_shape).astype(dtype)]


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(case, dtype):
    xs = _inputs(case, dtype)
    copies = [a.copy() for a in xs]
    c, h = F.tree_lstm(*xs)
    rc, rh = _ref(*xs)
    assert c.dtype == h.dtype == dtype and c.shape == h.shape == case[1]
    numpy.testing.assert_allclose(c.array.astype('d'), rc, **TOL[dtype])
    numpy.testing.assert_allclose(h.array.astype('d'), rh, **TOL[dtype])
    for a, b in zip(xs, copies):
        numpy.testing.assert_array_equal(a, b)


def test_block_layout():
    """x = [a | i | o | f1 | f2] in blocks of the cell size."""
    x = numpy.array([[0.5, 100, -100, -100, 100]])     # o = 0 -> h = 0; f1 = 0, f2 = 1
    c, h = F.tree_lstm(numpy.full((1, 1), 7.0), numpy.full((1, 1), 2.0), x)
    numpy.testing.assert_allclose(c.array, [[numpy.tanh(0.5) + 2.0]], rtol=1e-12)
    numpy.testing.assert_allclose(h.array, [[0.0]], atol=1e-40)


@pytest.mark.parametrize('case', CASES)
def test_backward(case):
    xs = _inputs(case)
    rng = numpy.random.RandomState(1)
    gc, gh = rng.randn(*case[1]), rng.randn(*case[1])
    check_backward(F.tree_lstm, xs, (gc, gh))
    check_backward(F.tree_lstm, xs, (None, gh))
    check_backward(F.tree_lstm, xs, (gc, None))


@pytest.mark.parametrize('case', CASES)
def test_double_backward(case):
    xs = _inputs(case)
    rng = numpy.random.RandomState(2)
    gys = rng.randn(*case[1]), rng.randn(*case[1])
    ggs = [rng.randn(*a.shape) for a in xs]
    check_double_backward(F.tree_lstm, xs, gys, ggs)
    check_double_backward(lambda *a: F.tree_lstm(*a)[1], xs, gys[1], ggs)
    check_double_backward(lambda *a: F.tree_lstm(*a)[0], xs, gys[0], ggs)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(dtype):
    xs = _inputs(CASES[2], dtype)
    rng = numpy.random.RandomState(3)
    gc, gh = (rng.randn(*CASES[2][1]).astype(dtype) for _ in range(2))
    grads = []
    for double in (False, True):
        vs = [Variable(a.copy()) for a in xs]
        c, h = F.tree_lstm(*vs)
        (F.sum(c * gc) + F.sum(h * gh)).backward(enable_double_backprop=double)
        grads.append([v.grad for v in vs])
    for g, s in zip(*grads):
        assert g.dtype == s.dtype == dtype
        numpy.testing.assert_allclose(g.astype('d'), s.astype('d'), **TOL[dtype])


def test_errors():
    c = numpy.zeros((2, 3), numpy.float32)
    x = numpy.zeros((2, 15), numpy.float32)
    with pytest.raises(InvalidType, match='TreeLSTM') as e:
        F.tree_lstm(c)
    assert 'len(xs) >= 2' in str(e.value)
    with pytest.raises(InvalidType, match=r'xs\[-1\].shape\[1\] == \(len\(xs\) \+ 2\)'):
        F.tree_lstm(c, x)              # one child needs 4 * 3 columns
    with pytest.raises(InvalidType, match=r'xs\[-1\].shape\[0\] == xs\[0\].shape\[0\]'):
        F.tree_lstm(c, c, x[:1])
    with pytest.raises(InvalidType, match=r'c.shape for c in xs'):
        F.tree_lstm(c, c[:, :2], x)
    with pytest.raises(InvalidType, match='dtype'):
        F.tree_lstm(c, c, x.astype(numpy.float64))
    with pytest.raises(InvalidType, match="xs\\[0\\].dtype.kind == 'f'"):
        F.tree_lstm(c.astype(numpy.int32), c.astype(numpy.int32), x.astype(numpy.int32))
    with pytest.raises(InvalidType, match=r'xs\[0\].ndim >= 2'):
        F.tree_lstm(c[0], c[0], x[0])
