"""Graph objects and the cycle collector (fastgrad/_core/_gc_tracking.pxi).

Closed built-in ops keep their nodes off the collector; every way a reference
cycle can arise must put the objects on it back, or the cycle would leak.  Each
cycle test checks that the cycle exists (the objects survive ``del`` while the
collector is off) and that ``gc.collect()`` then frees it.
"""
import gc
import weakref

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import FunctionNode, Variable


@pytest.fixture(autouse=True)
def _collector_off():
    was = gc.isenabled()
    gc.disable()
    yield
    if was:
        gc.enable()


def _leaf(*shape):
    return Variable(numpy.random.uniform(-1, 1, shape or (3,)).astype(numpy.float64))


def _assert_cycle_freed(ref):
    assert ref() is not None, 'expected a reference cycle to keep this alive'
    gc.collect()
    assert ref() is None, 'the cycle leaked'


class KeepsOutput(FunctionNode):
    """A user op that stores its own output Variable: a cycle through itself."""

    def forward(self, inputs):
        return inputs[0] * 2,

    def backward(self, indexes, grad_outputs):
        return grad_outputs[0] * 2,


def test_closed_ops_leave_the_collector():
    x = _leaf()
    y = x * 2.0 + x
    for obj in (y, y.node, y.creator, y.creator.inputs):
        assert not gc.is_tracked(obj)
    assert gc.is_tracked(x)            # the user's own Variables stay tracked


def test_plain_graph_is_freed_by_reference_counting():
    x = _leaf()
    y = F.sum(x * 2.0 + 1.0)
    ref = weakref.ref(y.creator.inputs[0].creator)
    del y
    assert ref() is None                # no collection needed


def test_user_op_and_everything_after_it_stay_tracked():
    x = _leaf()
    y, = KeepsOutput().apply((x,))
    z = y * 3.0
    assert gc.is_tracked(y.creator) and gc.is_tracked(y) and gc.is_tracked(y.node)
    assert gc.is_tracked(z.creator) and gc.is_tracked(z) and gc.is_tracked(z.node)


def test_user_op_holding_its_output_is_collected():
    x = _leaf()
    f = KeepsOutput()
    y, = f.apply((x,))
    f.kept = y
    ref = weakref.ref(f)
    del f, y
    _assert_cycle_freed(ref)


def test_user_op_holding_a_later_result_is_collected():
    # f -> list -> h -> h's creator (a closed op) -> y's node -> f
    x = _leaf()
    f = KeepsOutput()
    y, = f.apply((x,))
    h = y * 2.0
    f.kept = [h]
    ref = weakref.ref(h.creator)
    del f, y, h
    _assert_cycle_freed(ref)


def test_double_backprop_cycle_is_collected():
    # x.grad_var's graph reads x's node: x.node -> grad_var -> ... -> x.node
    x = _leaf()
    y = F.sum(x * x * x)
    y.backward(enable_double_backprop=True)
    numpy.testing.assert_allclose(x.grad, 3 * x.array ** 2)
    refs = [weakref.ref(y.creator), weakref.ref(x.grad_var.creator)]
    del y
    x_node = weakref.ref(x.node)
    del x
    assert x_node() is not None
    gc.collect()
    assert x_node() is None and all(r() is None for r in refs)


def test_grad_with_double_backprop_cycle_is_collected():
    x = _leaf()
    y = F.sum(F.tanh(x) * x)
    gx, = fastgrad.grad([y], [x], enable_double_backprop=True)
    ggx, = fastgrad.grad([F.sum(gx)], [x])
    assert ggx.shape == x.shape
    ref = weakref.ref(gx.creator)
    del x, y, gx, ggx
    gc.collect()
    assert ref() is None


def test_grad_var_that_reads_its_own_node_is_collected():
    x = _leaf()
    y = x * 2.0
    y.grad_var = y * 3.0               # y.node -> grad_var -> MulConstant -> y.node
    ref = weakref.ref(y.grad_var.creator)
    del y
    _assert_cycle_freed(ref)


def test_set_creator_node_closes_no_leaking_cycle():
    x = _leaf()
    y = x * 2.0
    f = KeepsOutput()
    f.kept = y                         # f -> y, then y.node -> f
    y.node.set_creator_node(f)
    ref = weakref.ref(f)
    del f, y
    _assert_cycle_freed(ref)


def test_graphs_after_double_backprop_stay_tracked():
    x = _leaf()
    y = F.sum(x * x)
    y.backward(enable_double_backprop=True)
    z = x * 2.0                        # x's node now holds a graph: stay visible
    assert gc.is_tracked(z.creator) and gc.is_tracked(z.node)


def test_inputs_cannot_be_rewired():
    y = _leaf() * 2.0
    with pytest.raises(AttributeError):
        y.creator.inputs = ()


def test_closed_is_not_inherited():
    from fastgrad.functions.math.basic_math import MulConstant

    class MyMul(MulConstant):
        __slots__ = ()

    x = _leaf()
    y, = MyMul(2.0).apply((x,))
    assert gc.is_tracked(y.creator) and gc.is_tracked(y.node)
