"""Misuses of the graph API that used to give silent wrong answers (issue #9)."""
import numpy
import pytest

import fastgrad
from fastgrad.functions.array.split_axis import SplitAxis
from fastgrad.functions.math.basic_math import Mul


def test_a_function_node_is_applied_once():
    f = Mul()
    a = fastgrad.Variable(numpy.ones(2))
    b = fastgrad.Variable(numpy.full(2, 3.0))
    y, = f.apply((a, b))
    # a second apply used to rewire the node, and the first y's backward then
    # gave a.grad = None
    # named by its class: its label, Chainer's, is the expression '_ * _'
    with pytest.raises(RuntimeError, match=r'^Mul\.apply: this instance is already'):
        f.apply((b, a))
    y.grad = numpy.ones(2)
    y.backward()
    numpy.testing.assert_array_equal(a.grad, [3.0, 3.0])


def test_reapplying_once_the_first_graph_is_gone_is_allowed():
    # Chainer's gradient checks apply one instance again and again; with the
    # first outputs collected no backward can reach the node any more
    f = Mul()
    a = fastgrad.Variable(numpy.ones(2))
    b = fastgrad.Variable(numpy.full(2, 3.0))
    y, = f.apply((a, b))
    del y
    z, = f.apply((b, fastgrad.Variable(numpy.full(2, 5.0))))
    assert z.creator_node is f
    z.grad = numpy.ones(2)
    z.backward()
    numpy.testing.assert_array_equal(b.grad, [5.0, 5.0])
    assert a.grad is None


def test_reapplying_while_one_of_several_outputs_lives_raises():
    x = fastgrad.Variable(numpy.arange(4.0))
    f = SplitAxis(2, 0)
    y0, y1 = f.apply((x,))
    del y0
    with pytest.raises(RuntimeError, match='already part of a graph'):
        f.apply((x,))
    y1.grad = numpy.ones(2)
    y1.backward()
    numpy.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0, 1.0])


def test_reapplying_outside_a_recorded_graph_is_allowed():
    f = Mul()
    with fastgrad.no_backprop_mode():
        f.apply((numpy.ones(2), numpy.ones(2)))
    y, = f.apply((fastgrad.Variable(numpy.ones(2)), fastgrad.Variable(numpy.ones(2))))
    assert y.creator_node is f


class _Double(fastgrad.Function):
    def forward(self, xs):
        return xs[0] * 2,

    def backward(self, xs, gys):
        return gys[0] * 2,


@pytest.mark.parametrize('how', ['set_creator', 'set_creator_node', 'creator', 'node'])
def test_an_old_style_function_can_be_set_as_creator(how):
    # Chainer accepts a Function wherever a creator is set
    v = fastgrad.Variable(numpy.ones(2))
    f = _Double()
    if how == 'creator':
        v.creator = f
    elif how == 'node':
        v.node.set_creator(f)
    else:
        getattr(v, how)(f)
    assert v.creator_node is f.node
    assert v.creator is f
