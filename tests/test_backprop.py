"""fastgrad.backward (several outputs) and fastgrad.grad (no side effects)."""

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable


def _x(*values):
    return Variable(numpy.array(values, dtype=numpy.float64))


def test_backward_several_outputs_into_a_shared_input():
    calls = []

    class Split(fastgrad.FunctionNode):
        def forward(self, inputs):
            x, = inputs
            return x * 2, x * 3

        def backward(self, indexes, grad_outputs):
            calls.append(1)
            g0, g1 = grad_outputs
            return g0 * 2 + g1 * 3,

    x = _x(1, 2)
    y0, y1 = Split().apply((x,))
    fastgrad.backward([y0, y1], [numpy.ones(2), numpy.full(2, 10.0)])
    numpy.testing.assert_array_equal(x.grad, [32, 32])
    assert len(calls) == 1


def test_backward_uses_and_clears_output_grads():
    x = _x(1, 2)
    y0, y1 = x * 2, x * 3
    y0.grad = numpy.ones(2)
    y1.grad = numpy.ones(2)
    fastgrad.backward([y0, y1])
    numpy.testing.assert_array_equal(x.grad, [5, 5])
    assert y0.grad is None and y1.grad is None


def test_backward_missing_grad_warns():
    x = _x(1, 2)
    y0, y1 = x * 2, x * 3
    y0.grad = numpy.ones(2)
    with pytest.warns(RuntimeWarning):
        fastgrad.backward([y0, y1])
    numpy.testing.assert_array_equal(x.grad, [2, 2])


def test_backward_duplicate_outputs_warn_and_count_once():
    x = _x(1, 2)
    y = x * 2
    with pytest.warns(RuntimeWarning):
        fastgrad.backward([y, y], [numpy.ones(2), numpy.ones(2)])
    numpy.testing.assert_array_equal(x.grad, [2, 2])


def test_backward_argument_errors():
    x = _x(1, 2)
    with pytest.raises(TypeError):
        fastgrad.backward(x * 2)
    with pytest.raises(ValueError):
        fastgrad.backward([x * 2], [numpy.ones(2), numpy.ones(2)])


def test_grad_does_not_touch_grads():
    x, w = _x(1, 2), _x(3, 4)
    y = F.sum(x * w)
    gx, = fastgrad.grad([y], [x])
    numpy.testing.assert_array_equal(gx.array, [3, 4])
    assert x.grad is None and w.grad is None and y.grad is None


def test_grad_walks_only_the_needed_subgraph():
    calls = []

    class Spy(fastgrad.FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 1,

        def backward(self, indexes, grad_outputs):
            calls.append(1)
            return grad_outputs

    x, w = _x(1, 2), _x(3, 4)
    wspied, = Spy().apply((w,))
    y = F.sum(x * wspied)
    gx, = fastgrad.grad([y], [x])
    numpy.testing.assert_array_equal(gx.array, [3, 4])
    assert calls == []


def test_grad_of_intermediate_and_unreachable():
    x = _x(1, 2)
    h = x * 2
    y = F.sum(h * h)
    gh, gx = fastgrad.grad([y], [h, x])
    numpy.testing.assert_array_equal(gh.array, 2 * h.array)
    numpy.testing.assert_array_equal(gx.array, 4 * h.array)
    other = _x(5, 6)
    g, = fastgrad.grad([y], [other])
    assert g is None


def test_grad_with_grad_outputs_and_grad_inputs():
    x = _x(1, 2)
    y = x * 3
    gx, = fastgrad.grad([y], [x], grad_outputs=[numpy.array([1.0, 2.0])],
                        grad_inputs=[numpy.array([10.0, 10.0])])
    numpy.testing.assert_array_equal(gx.array, [13, 16])


@pytest.mark.parametrize('double', [False, True])
def test_grad_inputs_flow_on_to_the_inputs_below(double):
    """grad_inputs are initial gradients: one given to an input that lies on
    the path of another input reaches that one too (x2 = 2 x1, y = 3 x2:
    dy/dx1 = 6, plus 2 * gx2), as in Chainer."""
    x1 = _x(1, 2)
    x2 = x1 * 2
    y = x2 * 3
    gx1 = numpy.array([1000., 1000.])
    gx2 = fastgrad.Variable(numpy.array([100., 100.])) if double else numpy.array([100., 100.])
    g1, g2 = fastgrad.grad([y], [x1, x2], grad_outputs=[numpy.array([1., 1.])],
                           grad_inputs=[gx1, gx2], enable_double_backprop=double)
    numpy.testing.assert_array_equal(g2.array, [103, 103])
    numpy.testing.assert_array_equal(g1.array, [1206, 1206])
    numpy.testing.assert_array_equal(gx1, [1000, 1000])       # not written into
    with pytest.raises(ValueError, match='grad_inputs'):
        fastgrad.grad([y], [x1], grad_inputs=[numpy.ones(3)])


def test_grad_set_grad_and_retain_grad():
    x = _x(1, 2)
    h = x * 2
    y = F.sum(h * 3)
    fastgrad.grad([y], [x], set_grad=True, retain_grad=True)
    numpy.testing.assert_array_equal(x.grad, [6, 6])
    numpy.testing.assert_array_equal(h.grad, [3, 3])


@pytest.mark.parametrize('before', [None, -1.0])
def test_grad_retain_grad_keeps_every_non_leaf_gradient(before):
    """retain_grad: every non-leaf variable the pass reaches gets its total
    gradient (an earlier value is replaced), the inputs with a creator too;
    the leaf above the inputs is not reached and keeps what it had.
    v0 -> x1 = 2 v0 -> x2 = 2 x1 -> y = 3 x2, with grad_outputs 1 and
    grad_inputs 100 for x2 and 1000 for x1."""
    v0 = _x(1.0)
    x1 = v0 * 2
    x2 = x1 * 2
    y = x2 * 3
    if before is not None:
        for v in (v0, x1, x2, y):
            v.grad = numpy.array([before])
    g1, g2 = fastgrad.grad([y], [x1, x2], grad_outputs=[numpy.array([1.0])],
                           grad_inputs=[numpy.array([1000.0]), numpy.array([100.0])],
                           retain_grad=True)
    assert float(g2.array[0]) == 3 + 100          # dy/dx2 + its initial grad
    assert float(g1.array[0]) == 2 * 103 + 1000   # through x2, plus its own
    assert float(y.grad[0]) == 1
    assert float(x2.grad[0]) == 103 and float(x1.grad[0]) == 1206
    if before is None:
        assert v0.grad is None
    else:
        assert float(v0.grad[0]) == before


def test_grad_double_backprop():
    x = _x(1, 2, 3)
    y = F.sum(x * x * x)
    gx, = fastgrad.grad([y], [x], enable_double_backprop=True)
    ggx, = fastgrad.grad([F.sum(gx)], [x])
    numpy.testing.assert_allclose(ggx.array, 6 * x.array)


def test_grad_argument_errors():
    x = _x(1, 2)
    y = F.sum(x)
    with pytest.raises(TypeError):
        fastgrad.grad(y, [x])
    with pytest.raises(TypeError):
        fastgrad.grad([y], x)
    with pytest.raises(ValueError):
        fastgrad.grad([y], [x], grad_outputs=[None, None])
    with pytest.raises(ValueError):
        fastgrad.grad([y], [x], grad_inputs=[None, None])


def test_grad_then_backward_sees_no_leftovers():
    x = _x(1, 2)
    y = F.sum(x * 2)
    fastgrad.grad([y], [x])
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [2, 2])


def test_deep_chain_backward():
    x = _x(1.0)
    h = x
    for _ in range(2000):
        h = h * 1.0
    F.sum(h).backward()
    numpy.testing.assert_array_equal(x.grad, [1.0])
