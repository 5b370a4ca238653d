"""lstm: the LSTM cell activation (Chainer's gate layout, so its weights load as-is)."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode

_NAME = 'LSTM'


def _gates(x):
    """a, i, f, o: Chainer interleaves them, ``x.reshape(N, C // 4, 4, ...)[:, :, k]``."""
    r = x.reshape((x.shape[0], x.shape[1] // 4, 4) + x.shape[2:])
    return r[:, :, 0], r[:, :, 1], r[:, :, 2], r[:, :, 3]


def _sigmoid(x, xp):
    # tanh form: no overflow for large |x|.
    y = xp.tanh(x * 0.5)
    y *= 0.5
    y += 0.5
    return y


def _check(c, x):
    if c.dtype.kind != 'f':
        raise utils.invalid_type(_NAME, "c.dtype.kind == 'f'", 'c.dtype = {}'.format(c.dtype))
    if x.dtype != c.dtype:
        raise utils.invalid_type(_NAME, 'x.dtype == c.dtype',
                                 '{} != {}'.format(x.dtype, c.dtype))
    if c.ndim < 2 or x.ndim < 2:
        raise utils.invalid_type(_NAME, 'c.ndim >= 2 and x.ndim >= 2',
                                 'c.ndim = {}, x.ndim = {}'.format(c.ndim, x.ndim))
    if c.ndim != x.ndim:
        raise utils.invalid_type(_NAME, 'c.ndim == x.ndim', '{} != {}'.format(c.ndim, x.ndim))
    if x.shape[0] > c.shape[0]:
        raise utils.invalid_type(_NAME, 'x.shape[0] <= c.shape[0]',
                                 '{} > {}'.format(x.shape[0], c.shape[0]))
    if x.shape[1] != 4 * c.shape[1]:
        raise utils.invalid_type(_NAME, 'x.shape[1] == 4 * c.shape[1]',
                                 '{} != 4 * {}'.format(x.shape[1], c.shape[1]))
    if x.shape[2:] != c.shape[2:]:
        raise utils.invalid_type(_NAME, 'x.shape[2:] == c.shape[2:]',
                                 '{} != {}'.format(x.shape[2:], c.shape[2:]))


class LSTM(FunctionNode):
    """Inputs ``(c_prev, x)``, outputs ``(c, h)``."""
    _graph_closed = True    # arrays and scalars only: off the cycle collector
    __slots__ = ()

    def forward(self, inputs):
        c_prev, x = inputs
        _check(c_prev, x)
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

    def backward_arrays(self, indexes, grad_outputs):
        c_prev, x = self.get_retained_input_arrays()
        c = self.output_data[0]
        gc, gh = grad_outputs
        xp = utils.array_module(x)
        batch = x.shape[0]
        a, i, f, o = _gates(x)
        a = xp.tanh(a)
        i = _sigmoid(i, xp)
        f = _sigmoid(f, xp)
        o = _sigmoid(o, xp)
        co = xp.tanh(c[:batch])
        # gc_total = dL/dc through both outputs: c itself and h = o * tanh(c).
        if gh is None:
            gh = xp.zeros_like(co)
        gc_total = gh * o * (1 - co * co)
        if gc is not None:
            gc_total += gc[:batch]
        out = []
        for index in indexes:
            if index == 0:
                gc_prev = xp.empty_like(c_prev)
                xp.multiply(gc_total, f, out=gc_prev[:batch])
                if gc is None:
                    gc_prev[batch:] = 0
                else:
                    gc_prev[batch:] = gc[batch:]
                out.append(gc_prev)
            else:
                gx = xp.empty(x.shape, dtype=x.dtype)     # C order: _gates gives views
                g = _gates(gx)
                xp.multiply(gc_total * i, 1 - a * a, out=g[0])
                xp.multiply(gc_total * a, i * (1 - i), out=g[1])
                xp.multiply(gc_total * c_prev[:batch], f * (1 - f), out=g[2])
                xp.multiply(gh * co, o * (1 - o), out=g[3])
                out.append(gx)
        return tuple(out)

    def backward(self, indexes, grad_outputs):
        # The same gradient from differentiable ops; gates are recomputed from
        # the retained x so every term stays connected to the graph.
        from fastgrad.functions.activation.sigmoid import sigmoid
        from fastgrad.functions.activation.tanh import tanh
        from fastgrad.functions.array.get_item import get_item
        from fastgrad.functions.array.reshape import reshape
        c_prev, x = self.get_retained_inputs()
        gc, gh = grad_outputs
        xp = utils.array_module(x.array)
        batch = x.shape[0]
        r = reshape(x, (batch, x.shape[1] // 4, 4) + x.shape[2:])
        a = tanh(get_item(r, (slice(None), slice(None), 0)))
        i = sigmoid(get_item(r, (slice(None), slice(None), 1)))
        f = sigmoid(get_item(r, (slice(None), slice(None), 2)))
        o = sigmoid(get_item(r, (slice(None), slice(None), 3)))
        full = batch == c_prev.shape[0]
        c_top_prev = c_prev if full else get_item(c_prev, slice(0, batch))
        co = tanh(a * i + f * c_top_prev)
        if gh is None:
            gc_total = None
        else:
            gc_total = gh * o * (1 - co * co)
        if gc is not None:
            gc_top = gc if full else get_item(gc, slice(0, batch))
            gc_total = gc_top if gc_total is None else gc_total + gc_top
        if gc_total is None:
            return (None,) * len(indexes)
        out = []
        for index in indexes:
            if index == 0:
                g = gc_total * f
                if not full:
                    rest = get_item(gc, slice(batch, None)) if gc is not None else \
                        xp.zeros((c_prev.shape[0] - batch,) + c_prev.shape[1:], c_prev.dtype)
                    g, = _ConcatRows().apply((g, rest))
                out.append(g)
            else:
                ga = gc_total * i * (1 - a * a)
                gi = gc_total * a * i * (1 - i)
                gf = gc_total * c_top_prev * f * (1 - f)
                if gh is None:
                    go = ga * 0
                else:
                    go = gh * co * o * (1 - o)
                gx, = _InterleaveGates().apply((ga, gi, gf, go))
                out.append(gx)
        return tuple(out)


class _InterleaveGates(FunctionNode):
    """(ga, gi, gf, go) -> gx in Chainer's interleaved layout (the adjoint of _gates)."""

    def forward(self, inputs):
        xp = utils.array_module(inputs[0])
        r = xp.stack(inputs, axis=2)
        return r.reshape((r.shape[0], r.shape[1] * 4) + r.shape[3:]),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.get_item import get_item
        from fastgrad.functions.array.reshape import reshape
        g = grad_outputs[0]
        r = reshape(g, (g.shape[0], g.shape[1] // 4, 4) + g.shape[2:])
        return tuple(get_item(r, (slice(None), slice(None), k)) for k in indexes)


class _ConcatRows(FunctionNode):
    """Concatenate two arrays along axis 0 (to rebuild gc_prev's carried rows)."""

    def forward(self, inputs):
        xp = utils.array_module(inputs[0])
        self.split = inputs[0].shape[0]
        return xp.concatenate(inputs, axis=0),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.get_item import get_item
        g = grad_outputs[0]
        parts = (get_item(g, slice(0, self.split)), get_item(g, slice(self.split, None)))
        return tuple(parts[k] for k in indexes)


def lstm(c_prev, x):
    """Long short-term memory cell activation (Chainer's ``F.lstm``).

    ``x`` holds the four gate pre-activations, interleaved per unit along axis
    1 as Chainer lays them out: ``x.reshape(N, C // 4, 4, ...)[:, :, k]`` is
    gate ``k`` of (a, i, f, o).  Then ``c = tanh(a) sigmoid(i) + sigmoid(f)
    c_prev`` and ``h = sigmoid(o) tanh(c)``; returns ``(c, h)``.  ``x`` may
    have fewer rows than ``c_prev`` (sequences sorted by length): rows beyond
    ``len(x)`` of ``c`` are ``c_prev``'s, and ``h`` has ``len(x)`` rows.
    """
    c, h = LSTM().apply((c_prev, x))
    return c, h
