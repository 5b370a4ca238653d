"""Misuses of the graph API that used to give silent wrong answers (issue #9)."""
import numpy
import pytest

import fastgrad
from fastgrad.functions.math.basic_math import Mul


def test_a_function_node_is_applied_once():
    f = Mul()
    a = fastgrad.Variable(numpy.ones(2))
    b = fastgrad.Variable(numpy.full(2, 3.0))
    y, = f.apply((a, b))
    # a second apply used to rewire the node, and the first y's backward then
    # gave a.grad = None
    with pytest.raises(RuntimeError, match=r'Mul\.apply: this instance is already'):
        f.apply((b, a))
    y.grad = numpy.ones(2)
    y.backward()
    numpy.testing.assert_array_equal(a.grad, [3.0, 3.0])


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
