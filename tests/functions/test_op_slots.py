"""The cycle-collector promise, checked at run time: after forward, no slot of
a built-in op holds a Variable or a graph object (the engine takes closed
ops' nodes off the cycle collector, so such a reference could leak a cycle).

Every op applied while the Chainer-reference cases, a small network and their
double backward run is inspected by a function hook."""
import os
import sys

import numpy

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad._core.graph import FunctionNode, Variable, VariableNode
from fastgrad.function_hook import FunctionHook

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'chainer_reference'))
import cases  # NOQA: E402

_GRAPH_TYPES = (Variable, VariableNode, FunctionNode)


def _graph_objects(value, depth=0):
    if isinstance(value, _GRAPH_TYPES):
        return [type(value).__name__]
    if depth < 3 and isinstance(value, (tuple, list)):
        return [t for v in value for t in _graph_objects(v, depth + 1)]
    if depth < 3 and isinstance(value, dict):
        return [t for v in value.values() for t in _graph_objects(v, depth + 1)]
    return []


class _SlotInspector(FunctionHook):
    name = 'SlotInspector'

    def __init__(self):
        self.seen = set()
        self.bad = {}

    def forward_postprocess(self, function, in_data):
        cls = type(function)
        if not cls.__module__.startswith('fastgrad.functions'):
            return
        self.seen.add(cls.__name__)
        for klass in cls.__mro__:
            for slot in klass.__dict__.get('__slots__', ()):
                found = _graph_objects(getattr(function, slot, None))
                if found:
                    self.bad['{}.{}'.format(cls.__name__, slot)] = found


def _network_step():
    numpy.random.seed(0)
    x = numpy.random.rand(4, 3, 8, 8).astype(numpy.float32)
    t = numpy.array([0, 1, 2, 1], numpy.int32)
    conv = L.Convolution2D(3, 4, 3, pad=1)
    bn = L.BatchNormalization(4)
    lin = L.Linear(None, 3)
    lstm = L.LSTM(3, 3)
    h = F.max_pooling_2d(F.relu(bn(conv(x))), 2)
    h = F.dropout(F.average_pooling_2d(h, 2), 0.1)
    y = lstm(lin(h))
    loss = F.softmax_cross_entropy(y, t) + F.mean_squared_error(y, F.tanh(y)) \
        + F.sum(F.concat([y, F.sigmoid(y)])) * 0.1
    gx, = fastgrad.grad([loss], [conv.W], enable_double_backprop=True)
    F.sum(gx * gx).backward()


def test_no_op_keeps_a_graph_object_in_its_slots():
    inspector = _SlotInspector()
    with inspector:
        for name, (fn, inputs, n_diff) in sorted(cases.cases(F).items()):
            xs = [fastgrad.Variable(a) for a in inputs[:n_diff]] + list(inputs[n_diff:])
            y = fn(*xs)
            y.grad = numpy.ones_like(y.array)
            y.backward(enable_double_backprop=True)
        _network_step()
    assert len(inspector.seen) > 60, sorted(inspector.seen)
    assert inspector.bad == {}


def test_the_inspector_finds_a_variable_in_a_slot():
    # the negative control: an op that keeps its input Variable in a slot
    from fastgrad.functions._util.recipe import Op

    class Leaky(Op):
        __slots__ = ('kept',)

        def forward(self, inputs):
            return inputs[0] * 2,

        def gradient(self, ns, indexes, grad_outputs):
            return grad_outputs[0] * 2,

    Leaky.__module__ = 'fastgrad.functions.fake'
    x = fastgrad.Variable(numpy.ones(3))
    inspector = _SlotInspector()
    with inspector:
        op = Leaky()
        op.kept = [x]
        op.apply((x,))
    assert inspector.bad == {'Leaky.kept': ['Variable']}
