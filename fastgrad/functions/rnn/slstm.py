"""slstm: the S-LSTM cell of a binary tree node (two children's states)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.rnn._cell import CellGradMixin, interleaved_gates, sigmoid, total_cell_grad


def _gate_inputs(ns, x):
    r = ns.reshape(x, (x.shape[0], x.shape[1] // 4, 4) + x.shape[2:])
    return [ns.get_item(r, (slice(None), slice(None), k)) for k in range(4)]


class SLSTM(Op):
    """Inputs ``(c_prev1, c_prev2, x1, x2)``, outputs ``(c, h)``."""
    __slots__ = ()
    checks = Checks('c_prev1, c_prev2, x1, x2',
                    "c_prev1.dtype.kind == 'f'", 'c_prev2.dtype == c_prev1.dtype',
                    'x1.dtype == c_prev1.dtype', 'x2.dtype == c_prev1.dtype',
                    'c_prev1.ndim >= 2', 'c_prev2.ndim == c_prev1.ndim',
                    'x1.ndim == c_prev1.ndim', 'x2.ndim == c_prev1.ndim',
                    'c_prev2.shape == c_prev1.shape',
                    'x1.shape[0] == c_prev1.shape[0]', 'x2.shape[0] == c_prev1.shape[0]',
                    'x1.shape[1] == 4 * c_prev1.shape[1]',
                    'x2.shape[1] == 4 * c_prev2.shape[1]',
                    'x1.shape[2:] == c_prev1.shape[2:]', 'x2.shape[2:] == c_prev2.shape[2:]')

    def forward(self, inputs):
        c_prev1, c_prev2, x1, x2 = inputs
        xp = utils.array_module(x1)
        a1, i1, f1, o1 = interleaved_gates(x1)
        a2, i2, f2, o2 = interleaved_gates(x2)
        c = xp.tanh(a1) * sigmoid(i1, xp)
        c += xp.tanh(a2) * sigmoid(i2, xp)
        c += sigmoid(f1, xp) * c_prev1
        c += sigmoid(f2, xp) * c_prev2
        h = sigmoid(o1 + o2, xp)
        h *= xp.tanh(c)
        self.retain_inputs((0, 1, 2, 3))
        self.retain_outputs((0,))
        return c, h

    def gradient(self, ns, indexes, grad_outputs):
        c_prev1, c_prev2, x1, x2 = ns.inputs(self)
        c, = ns.outputs(self)
        gc, gh = grad_outputs
        grads = _slstm_grads(ns, c_prev1, c_prev2, x1, x2, c, gc, gh, indexes)
        if grads is None:
            return (None,) * len(indexes)
        return tuple(grads[i] for i in indexes)


def _slstm_grads(ns, c_prev1, c_prev2, x1, x2, c, gc, gh, indexes=(0, 1, 2, 3)):
    """(gc_prev1, gc_prev2, gx1, gx2) of the cell, on arrays or Variables
    (``ns``); ``c`` is the cell's output; None if ``gc`` and ``gh`` are."""
    if gc is None and gh is None:
        return None
    g1, g2 = _gate_inputs(ns, x1), _gate_inputs(ns, x2)
    o = ns.sigmoid(g1[3] + g2[3])
    co = ns.tanh(c)
    gc_total = total_cell_grad(gc, gh, o, co)
    go = gc_total * 0 if gh is None else gh * co * o * (1 - o)
    out = [None] * 4
    for index in indexes:
        if index < 2:
            out[index] = gc_total * ns.sigmoid((g1, g2)[index][2])
            continue
        x, (a, i, f, _), c_prev = ((x1, g1, c_prev1) if index == 2
                                   else (x2, g2, c_prev2))
        a, i, f = ns.tanh(a), ns.sigmoid(i), ns.sigmoid(f)
        ga = gc_total * i * (1 - a * a)
        gi = gc_total * a * i * (1 - i)
        gf = gc_total * c_prev * f * (1 - f)
        # the adjoint of the gate split: interleave along a new axis 2
        out[index] = ns.reshape(ns.stack((ga, gi, gf, go), axis=2), x.shape)
    return out


class SLSTMGrad(CellGradMixin, Op):
    """The gradient of :class:`SLSTM` as an op (Chainer's ``SLSTMGrad``):
    inputs ``(c_prev1, c_prev2, x1, x2, c, gc, gh)``, outputs
    ``(gc_prev1, gc_prev2, gx1, gx2)``."""
    __slots__ = ()
    checks = Checks('c_prev1, c_prev2, x1, x2, c, gc, gh', *SLSTM.checks.conditions,
                    'c.dtype == c_prev1.dtype', 'gc.dtype == c_prev1.dtype',
                    'gh.dtype == c_prev1.dtype', 'c.shape == c_prev1.shape',
                    'gc.shape == c_prev1.shape', 'gh.shape == c_prev1.shape')

    @staticmethod
    def grads(ns, c_prev1, c_prev2, x1, x2, c, gc, gh):
        return tuple(_slstm_grads(ns, c_prev1, c_prev2, x1, x2, c, gc, gh))


def slstm(c_prev1, c_prev2, x1, x2):
    """S-LSTM cell of a binary tree node (Chainer's ``F.slstm``).

    ``x1`` and ``x2`` hold the gate pre-activations coming from the two
    children, each laid out as in :func:`lstm` (gate ``k`` of unit ``u`` is
    ``x[:, 4 * u + k]``, gates a, i, f, o).  Then::

        c = tanh(a1) sigmoid(i1) + tanh(a2) sigmoid(i2)
            + sigmoid(f1) c_prev1 + sigmoid(f2) c_prev2
        h = sigmoid(o1 + o2) tanh(c)

    Args:
        c_prev1: cell state of the first child, shape ``(N, C, ...)``.
        c_prev2: cell state of the second child, the same shape.
        x1: gate inputs from the first child, shape ``(N, 4 C, ...)``.
        x2: gate inputs from the second child, the same shape.

    Returns:
        tuple: ``(c, h)``, the new cell state and the output, both of
        ``c_prev1``'s shape.

    >>> c1 = c2 = np.zeros((1, 2), dtype=np.float32)
    >>> x1 = x2 = np.zeros((1, 8), dtype=np.float32)
    >>> c, h = F.slstm(c1, c2, x1, x2)
    >>> c.shape, h.shape
    ((1, 2), (1, 2))
    """
    c, h = SLSTM().apply((c_prev1, c_prev2, x1, x2))
    return c, h
