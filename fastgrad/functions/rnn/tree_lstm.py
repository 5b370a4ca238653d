"""tree_lstm: the cell of a Tree-LSTM node with N children (N forget gates)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.rnn._cell import sigmoid, total_cell_grad


def _gate_inputs(ns, x, n_gates):
    # thick split, unlike lstm's interleaving: gate k is x[:, k C:(k + 1) C]
    r = ns.reshape(x, (x.shape[0], n_gates, x.shape[1] // n_gates) + x.shape[2:])
    return [ns.get_item(r, (slice(None), k)) for k in range(n_gates)]


class TreeLSTM(Op):
    """Inputs ``(c_1, ..., c_N, x)``, outputs ``(c, h)``."""
    __slots__ = ()
    checks = Checks('*xs', 'len(xs) >= 2', "xs[0].dtype.kind == 'f'",
                    '[v.dtype for v in xs] == [xs[0].dtype] * len(xs)',
                    'xs[0].ndim >= 2',
                    '[v.ndim for v in xs] == [xs[0].ndim] * len(xs)',
                    '[c.shape for c in xs[:-1]] == [xs[0].shape] * (len(xs) - 1)',
                    'xs[-1].shape[0] == xs[0].shape[0]',
                    'xs[-1].shape[1] == (len(xs) + 2) * xs[0].shape[1]',
                    'xs[-1].shape[2:] == xs[0].shape[2:]')

    def forward(self, inputs):
        cs, x = inputs[:-1], inputs[-1]
        xp = utils.array_module(x)
        n_gates = len(inputs) + 2
        r = x.reshape((x.shape[0], n_gates, x.shape[1] // n_gates) + x.shape[2:])
        c = xp.tanh(r[:, 0]) * sigmoid(r[:, 1], xp)
        for k, c_child in enumerate(cs):
            c += sigmoid(r[:, 3 + k], xp) * c_child
        h = sigmoid(r[:, 2], xp)
        h *= xp.tanh(c)
        self.retain_inputs(tuple(range(len(inputs))))
        self.retain_outputs((0,))
        return c, h

    def gradient(self, ns, indexes, grad_outputs):
        inputs = ns.inputs(self)
        cs, x = inputs[:-1], inputs[-1]
        c, = ns.outputs(self)
        gc, gh = grad_outputs
        if gc is None and gh is None:
            return (None,) * len(indexes)
        gates = _gate_inputs(ns, x, len(cs) + 3)
        fs = [ns.sigmoid(f) for f in gates[3:]]
        o = ns.sigmoid(gates[2])
        co = ns.tanh(c)
        gc_total = total_cell_grad(gc, gh, o, co)
        out = []
        for index in indexes:
            if index < len(cs):
                out.append(gc_total * fs[index])
                continue
            a, i = ns.tanh(gates[0]), ns.sigmoid(gates[1])
            ga = gc_total * i * (1 - a * a)
            gi = gc_total * a * i * (1 - i)
            go = ga * 0 if gh is None else gh * co * o * (1 - o)
            gfs = [gc_total * c_child * f * (1 - f) for c_child, f in zip(cs, fs)]
            out.append(ns.reshape(ns.stack([ga, gi, go] + gfs, axis=1), x.shape))
        return tuple(out)


def tree_lstm(*inputs):
    """Tree-LSTM cell of a node with N children (Chainer's ``F.tree_lstm``).

    ``inputs`` are the children's cell states ``c_1, ..., c_N`` (each of
    shape ``(B, C, ...)``) and then ``x`` of shape ``(B, (3 + N) C, ...)``,
    split into ``3 + N`` consecutive blocks of ``C`` channels (not
    interleaved as in :func:`lstm`): ``a, i, o, f_1, ..., f_N``.  Then::

        c = tanh(a) sigmoid(i) + sum_n sigmoid(f_n) c_n
        h = sigmoid(o) tanh(c)

    Used by both the N-ary and the Child-Sum Tree-LSTM.

    Args:
        inputs: the N cell states and the gate input ``x`` (Variables or
            arrays).

    Returns:
        tuple: ``(c, h)``, the new cell state and the output.

    >>> c1 = c2 = np.zeros((1, 2), dtype=np.float32)
    >>> x = np.zeros((1, 10), dtype=np.float32)
    >>> c, h = F.tree_lstm(c1, c2, x)
    >>> c.shape, h.shape
    ((1, 2), (1, 2))
    """
    c, h = TreeLSTM().apply(inputs)
    return c, h
