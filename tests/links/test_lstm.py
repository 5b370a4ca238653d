"""L.LSTM: Chainer's parameter layout and initialization, state across steps,
reset_state/set_state, lazy in_size, shrinking batches, gradients."""
import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad import Variable
from fastgrad.gradient_check import check_backward


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _step(link, x, c, h):
    """One float64 LSTM step from the link's weights (gates interleaved:
    rows 4k..4k+3 of unit k are cell input, input, forget, output)."""
    z = x @ link.upward.W.array.T.astype('d') + link.upward.b.array
    if h is not None:
        z = z + h @ link.lateral.W.array.T.astype('d')
    a = numpy.tanh(z[:, 0::4])
    i = _sigmoid(z[:, 1::4])
    f = _sigmoid(z[:, 2::4])
    o = _sigmoid(z[:, 3::4])
    c = a * i + f * (0 if c is None else c)
    return c, o * numpy.tanh(c)


def test_parameter_layout_and_defaults():
    lstm = L.LSTM(3, 2)
    assert [n for n, _ in lstm.namedparams()] == ['/lateral/W', '/upward/W', '/upward/b']
    assert lstm.upward.W.shape == (8, 3) and lstm.lateral.W.shape == (8, 2)
    assert lstm.lateral.b is None and lstm.state_size == 2
    numpy.testing.assert_array_equal(lstm.upward.b.array, [0, 0, 1, 0, 0, 0, 1, 0])
    assert lstm.c is None and lstm.h is None


def test_initialization_order_follows_chainer():
    numpy.random.seed(0)
    lstm = L.LSTM(3, 2)
    numpy.random.seed(0)
    lat = numpy.empty((8, 2))
    up = numpy.empty((8, 3))
    for k in range(0, 8, 2):
        lat[k:k + 2] = numpy.random.normal(0, numpy.sqrt(1. / 2), (2, 2))
        up[k:k + 2] = numpy.random.normal(0, numpy.sqrt(1. / 3), (2, 3))
    numpy.testing.assert_allclose(lstm.lateral.W.array, lat.astype('f'), rtol=1e-6)
    numpy.testing.assert_allclose(lstm.upward.W.array, up.astype('f'), rtol=1e-6)


def test_initializer_arguments():
    lstm = L.LSTM(3, 2, lateral_init=0.5, upward_init=1.5, bias_init=0.25,
                  forget_bias_init=2.0)
    numpy.testing.assert_array_equal(lstm.lateral.W.array, numpy.full((8, 2), 0.5))
    numpy.testing.assert_array_equal(lstm.upward.W.array, numpy.full((8, 3), 1.5))
    numpy.testing.assert_array_equal(lstm.upward.b.array,
                                     [0.25, 0.25, 2, 0.25] * 2)


def test_state_across_steps_and_reset():
    lstm = L.LSTM(3, 4)
    lstm.upward.b.array[...] = numpy.random.randn(16)
    xs = [numpy.random.randn(2, 3).astype(numpy.float32) for _ in range(3)]
    c = h = None
    for x in xs:
        y = lstm(x)
        c, h = _step(lstm, x.astype('d'), c, h)
        assert y.shape == (2, 4) and y.dtype == numpy.float32
        numpy.testing.assert_allclose(y.array, h, rtol=1e-5, atol=1e-6)
        numpy.testing.assert_allclose(lstm.c.array, c, rtol=1e-5, atol=1e-6)
        assert lstm.h is y
    lstm.reset_state()
    assert lstm.c is None and lstm.h is None
    _, h0 = _step(lstm, xs[0].astype('d'), None, None)
    numpy.testing.assert_allclose(lstm(xs[0]).array, h0, rtol=1e-5, atol=1e-6)


def test_set_state():
    lstm = L.LSTM(3, 2)
    c = numpy.random.randn(2, 2).astype(numpy.float32)
    h = numpy.random.randn(2, 2).astype(numpy.float32)
    lstm.set_state(Variable(c), Variable(h))
    x = numpy.random.randn(2, 3).astype(numpy.float32)
    y = lstm(x)
    _, ref = _step(lstm, x.astype('d'), c.astype('d'), h.astype('d'))
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError):
        lstm.set_state(c, Variable(h))


@pytest.mark.parametrize('make', [lambda: L.LSTM(4), lambda: L.LSTM(None, 4)])
def test_lazy_in_size(make):
    numpy.random.seed(0)
    lstm = make()
    assert lstm.upward.W.array is None and lstm.lateral.W.shape == (16, 4)
    numpy.testing.assert_array_equal(lstm.lateral.W.array, numpy.zeros((16, 4)))
    y = lstm(numpy.random.randn(2, 3).astype(numpy.float32))
    assert lstm.upward.W.shape == (16, 3) and y.shape == (2, 4)
    assert numpy.all(lstm.lateral.W.array != 0)
    numpy.testing.assert_array_equal(lstm.upward.b.array, [0, 0, 1, 0] * 4)


def test_shrinking_batch_carries_the_rest_through():
    lstm = L.LSTM(3, 2)
    x1 = numpy.random.randn(3, 3).astype(numpy.float32)
    x2 = numpy.random.randn(2, 3).astype(numpy.float32)
    lstm(x1)
    c1 = lstm.c.array.copy()
    h1 = lstm.h.array.copy()
    y2 = lstm(x2)
    c2, h2 = _step(lstm, x2.astype('d'), c1[:2].astype('d'), h1[:2].astype('d'))
    numpy.testing.assert_allclose(y2.array, h2, rtol=1e-5, atol=1e-6)
    assert lstm.h.shape == (3, 2) and lstm.c.shape == (3, 2)
    numpy.testing.assert_allclose(lstm.h.array[:2], h2, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_array_equal(lstm.h.array[2], h1[2])
    numpy.testing.assert_array_equal(lstm.c.array[2], c1[2])
    with pytest.raises(TypeError, match='batch size'):
        lstm(numpy.zeros((4, 3), numpy.float32))


def test_backward_through_two_steps_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        lstm = L.LSTM(3, 2)
    lstm.upward.b.array[...] = numpy.random.randn(8)

    def f(x1, x2):
        lstm.reset_state()
        lstm(x1)
        return lstm(x2)

    x1 = numpy.random.randn(4, 3)
    x2 = numpy.random.randn(4, 3)
    check_backward(f, (x1, x2), numpy.random.randn(4, 2), params=tuple(lstm.params()))


def test_printed_form():
    assert str(L.LSTM(3, 2)) == (
        'LSTM(\n'
        '  (lateral): Linear(in_size=2, out_size=8, nobias=True),\n'
        '  (upward): Linear(in_size=3, out_size=8, nobias=False),\n'
        ')')


def test_empty_batch_keeps_the_state():
    lstm = L.LSTM(3, 2)
    lstm(numpy.random.randn(2, 3).astype(numpy.float32))
    h, c = lstm.h.array.copy(), lstm.c.array.copy()
    y = lstm(numpy.zeros((0, 3), numpy.float32))
    assert y.shape == (0, 2)
    numpy.testing.assert_array_equal(lstm.h.array, h)
    numpy.testing.assert_array_equal(lstm.c.array, c)


def test_gradient_flows_into_the_carried_rows():
    lstm = L.LSTM(3, 2)
    x1 = fastgrad.Variable(numpy.random.randn(3, 3).astype(numpy.float32))
    lstm(x1)
    lstm(numpy.random.randn(2, 3).astype(numpy.float32))
    fastgrad.functions.sum(lstm.h).backward()
    # Row 2 of x1 reaches the final h only through the carried-over rows.
    assert numpy.abs(x1.grad[2]).sum() > 0
