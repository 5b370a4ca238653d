"""LSTMGrad and SLSTMGrad: the cells' gradients as ops of their own (Chainer's
names).  Their outputs equal the cells' backward; their own gradients are
checked numerically in float64, on both backward paths and again (double)."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad.functions.rnn import lstm, slstm
from fastgrad.gradient_check import check_backward, check_double_backward


def _u(rng, shape):
    return rng.uniform(-1, 1, shape)


@pytest.mark.parametrize('batch', [3, 2, 0])
def test_lstm_grad_equals_the_cells_backward(batch):
    rng = numpy.random.RandomState(0)
    c_prev, x = _u(rng, (3, 2, 4)), _u(rng, (batch, 8, 4))
    gc, gh = _u(rng, (3, 2, 4)), _u(rng, (batch, 2, 4))
    cv, xv = fastgrad.Variable(c_prev), fastgrad.Variable(x)
    c, h = F.lstm(cv, xv)
    fastgrad.backward([c, h], [gc, gh])
    gc_prev, gx = lstm.LSTMGrad().apply((c_prev, x, c.array, gc, gh))
    numpy.testing.assert_allclose(gc_prev.array, cv.grad, rtol=1e-12, atol=1e-14)
    numpy.testing.assert_allclose(gx.array, xv.grad, rtol=1e-12, atol=1e-14)
    # Chainer's old-style call
    assert [v.shape for v in lstm.LSTMGrad()(c_prev, x, c.array, gc, gh)] == \
        [c_prev.shape, x.shape]


@pytest.mark.parametrize('batch', [3, 2])
def test_lstm_grad_gradients(batch):
    rng = numpy.random.RandomState(1)
    # c is an input of its own here, not tied to c_prev and x
    inputs = (_u(rng, (3, 2, 4)), _u(rng, (batch, 8, 4)), _u(rng, (3, 2, 4)),
              _u(rng, (3, 2, 4)), _u(rng, (batch, 2, 4)))
    gys = (_u(rng, (3, 2, 4)), _u(rng, (batch, 8, 4)))
    ggs = tuple(_u(rng, a.shape) for a in inputs)

    def f(*xs):
        return lstm.LSTMGrad().apply(xs)
    check_backward(f, inputs, gys)
    check_double_backward(f, inputs, gys, ggs)


def test_slstm_grad_equals_the_cells_backward_and_gradients():
    rng = numpy.random.RandomState(2)
    c1, c2 = _u(rng, (3, 2, 4)), _u(rng, (3, 2, 4))
    x1, x2 = _u(rng, (3, 8, 4)), _u(rng, (3, 8, 4))
    gc, gh = _u(rng, (3, 2, 4)), _u(rng, (3, 2, 4))
    vs = [fastgrad.Variable(a) for a in (c1, c2, x1, x2)]
    c, h = F.slstm(*vs)
    fastgrad.backward([c, h], [gc, gh])
    outs = slstm.SLSTMGrad()(c1, c2, x1, x2, c.array, gc, gh)
    for out, v in zip(outs, vs):
        numpy.testing.assert_allclose(out.array, v.grad, rtol=1e-12, atol=1e-14)

    inputs = (c1, c2, x1, x2, _u(rng, (3, 2, 4)), gc, gh)
    gys = tuple(_u(rng, a.shape) for a in (c1, c2, x1, x2))
    ggs = tuple(_u(rng, a.shape) for a in inputs)

    def f(*xs):
        return slstm.SLSTMGrad().apply(xs)
    check_backward(f, inputs, gys)
    check_double_backward(f, inputs, gys, ggs)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32])
def test_lstm_grad_keeps_the_dtype(dtype):
    rng = numpy.random.RandomState(3)
    inputs = [a.astype(dtype) for a in (_u(rng, (2, 3)), _u(rng, (2, 12)), _u(rng, (2, 3)),
                                        _u(rng, (2, 3)), _u(rng, (2, 3)))]
    outs = lstm.LSTMGrad().apply(inputs)
    assert [o.dtype for o in outs] == [dtype, dtype]


def test_lstm_grad_rejects_a_mismatched_dtype():
    from fastgrad.utils.type_check import InvalidType
    a = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(InvalidType, match='LSTMGrad'):
        lstm.LSTMGrad().apply((a, numpy.zeros((2, 12), numpy.float64), a, a, a))


def test_package_attributes_are_the_modules():
    import types

    import fastgrad.functions.rnn as rnn
    assert isinstance(rnn.lstm, types.ModuleType) and isinstance(rnn.slstm, types.ModuleType)
    assert F.lstm is lstm.lstm and F.slstm is slstm.slstm
