"""lstm: the LSTM cell activation (Chainer's gate layout, so its weights load as-is)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.rnn._cell import CellGradMixin
from fastgrad.functions.rnn._cell import interleaved_gates as _gates
from fastgrad.functions.rnn._cell import sigmoid as _sigmoid


class LSTM(Op):
    """Inputs ``(c_prev, x)``, outputs ``(c, h)``."""
    __slots__ = ()
    # x may hold fewer rows than c (the shorter sequences of a batch have ended)
    checks = Checks('c, x', "c.dtype.kind == 'f'", 'x.dtype == c.dtype', 'c.ndim >= 2',
                    'x.ndim >= 2', 'c.ndim == x.ndim', 'x.shape[0] <= c.shape[0]',
                    'x.shape[1] == 4 * c.shape[1]', 'x.shape[2:] == c.shape[2:]')

    def forward(self, inputs):
        c_prev, x = inputs
        xp = utils.array_module(x)
        batch = x.shape[0]
        a, i, f, o = _gates(x)
        a = xp.tanh(a)
        i = _sigmoid(i, xp)
        f = _sigmoid(f, xp)
        o = _sigmoid(o, xp)
        c = xp.empty_like(c_prev)
        c_top = c[:batch]
        xp.multiply(a, i, out=c_top)
        c_top += f * c_prev[:batch]
        # Rows beyond x's batch (shorter sequences) carry their state over.
        c[batch:] = c_prev[batch:]
        h = o * xp.tanh(c_top)
        self.retain_inputs((0, 1))
        self.retain_outputs((0,))
        return c, h

    def gradient(self, ns, indexes, grad_outputs):
        c_prev, x = ns.inputs(self)
        c, = ns.outputs(self)
        gc, gh = grad_outputs
        grads = _lstm_grads(ns, c_prev, x, c, gc, gh, indexes)
        if grads is None:
            return (None,) * len(indexes)
        return tuple(grads[i] for i in indexes)


def _lstm_grads(ns, c_prev, x, c, gc, gh, indexes=(0, 1)):
    """(gc_prev, gx) of the cell, on arrays or Variables (``ns``); ``c`` is the
    cell's output; ``gc`` or ``gh`` may be None; None if both are."""
    batch = x.shape[0]
    full = batch == c_prev.shape[0]
    r = ns.reshape(x, (batch, x.shape[1] // 4, 4) + x.shape[2:])
    gate = [ns.get_item(r, (slice(None), slice(None), k)) for k in range(4)]
    a = ns.tanh(gate[0])
    i, f, o = ns.sigmoid(gate[1]), ns.sigmoid(gate[2]), ns.sigmoid(gate[3])
    c_top_prev = c_prev if full else ns.get_item(c_prev, slice(0, batch))
    co = ns.tanh(c if full else ns.get_item(c, slice(0, batch)))
    # gc_total = dL/dc through both outputs: c itself and h = o * tanh(c).
    gc_total = None if gh is None else gh * o * (1 - co * co)
    if gc is not None:
        gc_top = gc if full else ns.get_item(gc, slice(0, batch))
        gc_total = gc_top if gc_total is None else gc_total + gc_top
    if gc_total is None:
        return None
    out = [None, None]
    if 0 in indexes:
        g = gc_total * f
        if not full:
            # rows beyond x's batch carried c_prev over unchanged
            if gc is not None:
                rest = ns.get_item(gc, slice(batch, None))
            else:
                xp = utils.array_module(ns.data(c_prev))
                rest = xp.zeros((c_prev.shape[0] - batch,) + c_prev.shape[1:],
                                c_prev.dtype)
            g = ns.concat((g, rest), axis=0)
        out[0] = g
    if 1 in indexes:
        ga = gc_total * i * (1 - a * a)
        gi = gc_total * a * i * (1 - i)
        gf = gc_total * c_top_prev * f * (1 - f)
        go = ga * 0 if gh is None else gh * co * o * (1 - o)
        # the adjoint of the gate split: interleave along a new axis 2
        out[1] = ns.reshape(ns.stack((ga, gi, gf, go), axis=2), x.shape)
    return out


class LSTMGrad(CellGradMixin, Op):
    """The gradient of :class:`LSTM` as an op (Chainer's ``LSTMGrad``): inputs
    ``(c_prev, x, c, gc, gh)``, outputs ``(gc_prev, gx)``."""
    __slots__ = ()
    checks = Checks('c_prev, x, c, gc, gh', "c_prev.dtype.kind == 'f'",
                    'x.dtype == c_prev.dtype', 'c.dtype == c_prev.dtype',
                    'gc.dtype == c_prev.dtype', 'gh.dtype == c_prev.dtype',
                    'c.shape == c_prev.shape', 'gc.shape == c_prev.shape',
                    'gh.shape[0] == x.shape[0]', 'gh.shape[1:] == c_prev.shape[1:]')

    @staticmethod
    def grads(ns, c_prev, x, c, gc, gh):
        return tuple(_lstm_grads(ns, c_prev, x, c, gc, gh))


def lstm(c_prev, x):
    """Long short-term memory cell activation (Chainer's ``F.lstm``).

    ``x`` holds the four gate pre-activations, interleaved per unit along axis
    1 as Chainer lays them out: ``x.reshape(N, C // 4, 4, ...)[:, :, k]`` is
    gate ``k`` of (a, i, f, o).  Then ``c = tanh(a) sigmoid(i) + sigmoid(f)
    c_prev`` and ``h = sigmoid(o) tanh(c)``; returns ``(c, h)``.  ``x`` may
    have fewer rows than ``c_prev`` (sequences sorted by length): rows beyond
    ``len(x)`` of ``c`` are ``c_prev``'s, and ``h`` has ``len(x)`` rows.

    >>> c_prev = np.zeros((1, 2), dtype=np.float32)
    >>> x = np.zeros((1, 8), dtype=np.float32)
    >>> c, h = F.lstm(c_prev, x)
    >>> c.shape, h.shape
    ((1, 2), (1, 2))
    """
    c, h = LSTM().apply((c_prev, x))
    return c, h
