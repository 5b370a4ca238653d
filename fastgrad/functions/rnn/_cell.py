"""Helpers shared by the LSTM-like cells (lstm, slstm, tree_lstm)."""
from fastgrad import utils


def interleaved_gates(x):
    """a, i, f, o as Chainer's ``lstm``/``slstm`` lay them out: gate ``k`` of
    unit ``u`` is ``x[:, 4 * u + k]`` (``x.reshape(N, C // 4, 4, ...)[:, :, k]``)."""
    r = x.reshape((x.shape[0], x.shape[1] // 4, 4) + x.shape[2:])
    return r[:, :, 0], r[:, :, 1], r[:, :, 2], r[:, :, 3]


def sigmoid(x, xp):
    """The logistic function in its tanh form: no overflow for large ``|x|``."""
    y = xp.tanh(x * 0.5)
    y *= 0.5
    y += 0.5
    return y


def total_cell_grad(gc, gh, o, co):
    """dL/dc through both outputs of a cell, c itself (``gc``) and
    h = o * tanh(c) (``gh``), with ``co = tanh(c)``; None for either
    gradient means zero (``gc`` is returned as is when ``gh`` is None)."""
    if gh is None:
        return gc
    total = gh * o * (1 - co * co)
    return total if gc is None else total + gc


class CellGradMixin(object):
    """A cell's gradient as an op of its own (Chainer's ``LSTMGrad`` and
    ``SLSTMGrad``): inputs are the cell's inputs, its output ``c`` and the
    output gradients; outputs are the input gradients, computed by the
    class's ``grads(ns, *inputs)``, which is written once against the
    gradient namespace.  The gradient of this op is that function's
    vector-Jacobian product, taken by backpropagating through ``grads``
    run on Variables."""
    __slots__ = ()

    def __call__(self, *inputs):
        """Chainer made these old-style Functions, called on the inputs:
        ``LSTMGrad()(c_prev, x, c, gc, gh)`` is ``apply`` on them."""
        return self.apply(inputs)

    def forward(self, inputs):
        from fastgrad.functions._util import recipe
        self.retain_inputs(tuple(range(len(inputs))))
        ops = recipe._array_ops(inputs)
        return tuple(utils.force_array(g) for g in self.grads(ops, *inputs))

    def gradient(self, ns, indexes, grad_outputs):
        from fastgrad import configuration
        from fastgrad._core import graph
        from fastgrad.functions._util import recipe
        if ns.differentiable:
            xs = ns.inputs(self)
            with configuration.force_backprop_mode():
                ys = self.grads(recipe.VARIABLE_OPS, *xs)
            pairs = [(y, g) for y, g in zip(ys, grad_outputs) if g is not None]
            gxs = graph.grad([y for y, _ in pairs], [xs[i] for i in indexes],
                             [g for _, g in pairs], enable_double_backprop=True)
            return tuple(gxs)
        xs = [graph.Variable(x) for x in self.get_retained_input_arrays()]
        with configuration.force_backprop_mode():
            ys = self.grads(recipe.VARIABLE_OPS, *xs)
        pairs = [(y, g) for y, g in zip(ys, grad_outputs) if g is not None]
        if pairs:
            graph.backward([y for y, _ in pairs], [g for _, g in pairs])
        return tuple(xs[i].grad for i in indexes)
