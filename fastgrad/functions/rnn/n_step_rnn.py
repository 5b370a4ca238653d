"""n-step RNNs (Chainer's ``n_step_rnn`` family): one op per layer and direction.

Each op runs every time step of one layer in one direction.  Its forward does
the input projection of all the steps in one GEMM (the steps are packed
time-major: step ``t`` holds the first ``batch_sizes[t]`` sequences), then
the recurrence one small GEMM per step with the gate math in place on
preallocated buffers, keeping what the gradient needs.  The gradient is
backpropagation through time by hand: per step one small GEMM and the gate
math, then the weight, bias and input gradients in a few big GEMMs.

For double backprop the gradient recomputes the layer from differentiable
fastgrad functions and differentiates that (``_compose``), so the fast path
stays fast.

Weights follow Chainer: ``ws[k]`` holds ``n_w`` matrices, the first half
multiplies the layer's input, the second half the hidden state.
"""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

# Inputs of a layer op: x (packed steps), h0, [c0], n_w weights, n_w biases.
_CHECKS = Checks(
    '*xs',
    'len(xs) == 1 + self.n_state + 2 * self.n_w',
    "xs[0].dtype.kind == 'f'",
    'all(a.dtype == xs[0].dtype for a in xs)',
    'xs[0].ndim == 2',
    'xs[0].shape[0] == sum(self.batch_sizes)',
    'xs[1].ndim == 2',
    'xs[1].shape[0] >= self.batch_sizes[0]',
    'self.n_state == 1 or xs[2].shape == xs[1].shape',
    'all(w.shape == (xs[1].shape[1], xs[0].shape[1]) for w in self.x_weights(xs))',
    'all(w.shape == (xs[1].shape[1], xs[1].shape[1]) for w in self.h_weights(xs))',
    'all(b.shape == (xs[1].shape[1],) for b in self.biases(xs))',
)


def _sigmoid_(x):
    # in place, tanh form: no overflow for large |x|
    x *= 0.5
    numpy.tanh(x, out=x)
    x *= 0.5
    x += 0.5


class _NStepLayer(Op):
    """One layer, one direction.  Outputs ``(y, hy)`` or ``(y, hy, cy)``.

    ``y`` is the layer's output of every step, packed like ``x``; ``hy``
    (and ``cy``) is each sequence's state after its last step (after its
    first one when ``reverse``); rows of ``h0`` beyond ``batch_sizes[0]``
    pass through.
    """
    # saved: what the gradient reads (activations); stacked: (wx, wh) as the
    # gradient multiplies by them (so backward does not stack them again)
    __slots__ = ('reverse', 'batch_sizes', 'saved', 'stacked')
    checks = _CHECKS
    n_state = 1
    n_w = 2
    # the weight blocks in the order the op stacks them
    order = (0,)

    def __init__(self, reverse, batch_sizes):
        self.reverse = bool(reverse)
        self.batch_sizes = tuple(int(b) for b in batch_sizes)
        self.saved = None
        self.stacked = None

    def x_weights(self, xs):
        k = 1 + self.n_state
        return xs[k:k + self.n_w // 2]

    def h_weights(self, xs):
        k = 1 + self.n_state + self.n_w // 2
        return xs[k:k + self.n_w // 2]

    def biases(self, xs):
        return xs[1 + self.n_state + self.n_w:]

    def _stacked(self, inputs):
        xp = utils.array_module(inputs[0])
        half = self.n_w // 2
        k = 1 + self.n_state
        ws, bs = inputs[k:k + self.n_w], inputs[k + self.n_w:]
        wx = xp.concatenate([ws[j] for j in self.order])
        wh = xp.concatenate([ws[half + j] for j in self.order])
        bx = xp.concatenate([bs[j] for j in self.order])
        bh = xp.concatenate([bs[half + j] for j in self.order])
        return xp, wx, wh, bx, bh

    def _steps(self):
        """(batch, rows of the packed arrays) per step, in processing order."""
        edges = numpy.cumsum((0,) + self.batch_sizes)
        steps = [(b, slice(int(a), int(a) + b)) for b, a in zip(self.batch_sizes, edges)]
        return steps[::-1] if self.reverse else steps

    def forward(self, inputs):
        self.retain_inputs(tuple(range(len(inputs))))
        return self._forward(inputs)

    def _grads_out(self, inputs, gx, gh0, gc0, gwx, gwh, gbx, gbh, indexes):
        n = self.hidden(inputs)
        half = self.n_w // 2
        k = 1 + self.n_state
        grads = {0: gx, 1: gh0, 2: gc0}
        if gwx is None:
            return tuple(grads.get(i) for i in indexes)
        for pos, j in enumerate(self.order):
            rows = slice(pos * n, (pos + 1) * n)
            grads[k + j] = gwx[rows]
            grads[k + half + j] = gwh[rows]
            grads[k + self.n_w + j] = gbx[rows]
            grads[k + self.n_w + half + j] = gbh[rows]
        return tuple(grads[i] for i in indexes)

    @staticmethod
    def hidden(inputs):
        return inputs[1].shape[1]

    def gradient(self, ns, indexes, grad_outputs):
        if ns.differentiable:
            return _gradient_by_composition(self, ns, indexes, grad_outputs)
        inputs = self.get_retained_input_arrays()
        x = inputs[0]
        xp = utils.array_module(x)
        wx, wh = self.stacked
        gy, gstate = grad_outputs[0], grad_outputs[1:]
        states = [xp.zeros_like(inputs[1 + i]) if g is None else g.copy()
                  for i, g in enumerate(gstate)]
        gg, gwh_pre = self._bptt(xp, wh, gy, states)
        gx = gg.dot(wx) if 0 in indexes else None
        gwx = gwh = gbx = gbh = None
        if indexes[-1] > self.n_state:      # some weight or bias
            gwx = gg.T.dot(x)
            gbx = gg.sum(axis=0)
            if gwh_pre is None:
                gwh_pre, gbh = gg, gbx
            else:
                gbh = gwh_pre.sum(axis=0)
            gwh = gwh_pre.T.dot(self.saved[1])
        gc0 = states[1] if len(states) > 1 else None
        return self._grads_out(inputs, gx, states[0], gc0, gwx, gwh, gbx, gbh, indexes)


class _NStepRNN(_NStepLayer):
    __slots__ = ()
    relu = False

    def _forward(self, inputs):
        x, h0 = inputs[0], inputs[1]
        xp, wx, wh, bx, bh = self._stacked(inputs)
        g = x.dot(wx.T)
        g += bx + bh
        h = h0.copy()
        hprev = xp.empty((x.shape[0], h.shape[1]), x.dtype)
        wht = wh.T
        for b, rows in self._steps():
            hp = h[:b]
            hprev[rows] = hp
            gt = g[rows]
            gt += hp.dot(wht)
            if self.relu:
                xp.maximum(gt, 0, out=gt)
            else:
                xp.tanh(gt, out=gt)
            hp[...] = gt
        # g now holds the outputs
        self.saved = (g, hprev)
        self.stacked = (wx, wh)
        return g, h

    def _bptt(self, xp, wh, gy, states):
        y = self.saved[0]
        gh, = states
        gg = xp.empty_like(y)
        for b, rows in reversed(self._steps()):
            ght = gh[:b]
            if gy is not None:
                ght += gy[rows]
            d = gg[rows]
            yt = y[rows]
            if self.relu:
                xp.multiply(ght, yt > 0, out=d)
            else:
                xp.multiply(yt, yt, out=d)
                xp.subtract(1, d, out=d)
                d *= ght
            ght[...] = d.dot(wh)
        return gg, None


class NStepRNNTanhLayer(_NStepRNN):
    __slots__ = ()


class NStepRNNReLULayer(_NStepRNN):
    __slots__ = ()
    relu = True


class NStepLSTMLayer(_NStepLayer):
    __slots__ = ()
    n_state = 2
    n_w = 8
    # gates o, i, f (sigmoid) side by side, then a (tanh)
    order = (3, 0, 1, 2)

    def _forward(self, inputs):
        x, h0, c0 = inputs[0], inputs[1], inputs[2]
        xp, wx, wh, bx, bh = self._stacked(inputs)
        n = h0.shape[1]
        # sigmoid(z) = tanh(z / 2) / 2 + 1 / 2: the halving is folded into the
        # (stacked, so private) weights and biases of the sigmoid gates
        bias = bx + bh
        for v in (wx, wh, bias):
            v[:3 * n] *= 0.5
        g = x.dot(wx.T)
        g += bias
        h, c = h0.copy(), c0.copy()
        shape = (x.shape[0], n)
        y = xp.empty(shape, x.dtype)
        hprev = xp.empty(shape, x.dtype)
        cprev = xp.empty(shape, x.dtype)
        tc = xp.empty(shape, x.dtype)
        wht = wh.T
        tmp = xp.empty((h.shape[0], 4 * n), x.dtype)
        for b, rows in self._steps():
            hp, cp = h[:b], c[:b]
            hprev[rows] = hp
            cprev[rows] = cp
            gt = g[rows]
            t = tmp[:b]
            xp.dot(hp, wht, out=t)
            gt += t
            sig = gt[:, :3 * n]
            xp.tanh(sig, out=sig)
            sig *= 0.5
            sig += 0.5
            a = gt[:, 3 * n:]
            xp.tanh(a, out=a)
            # c = f c_prev + i a
            cp *= gt[:, 2 * n:3 * n]
            t = tmp[:b, :n]
            xp.multiply(gt[:, n:2 * n], a, out=t)
            cp += t
            tct = tc[rows]
            xp.tanh(cp, out=tct)
            yt = y[rows]
            xp.multiply(gt[:, :n], tct, out=yt)
            hp[...] = yt
        self.saved = (g, hprev, cprev, tc)
        # undo the halving (exact: a power of two) for the gradient
        for v in (wx, wh):
            v[:3 * n] *= 2
        self.stacked = (wx, wh)
        return y, h, c

    def _bptt(self, xp, wh, gy, states):
        g, _, cprev, tc = self.saved
        s, n = tc.shape
        g3 = g.reshape(s, 4, n)
        o, i, f, a = g3[:, 0], g3[:, 1], g3[:, 2], g3[:, 3]
        # What multiplies the state gradients, for all steps at once:
        # d_o = gh m_o, (d_i, d_f, d_a) = gc (m_i, m_f, m_a), gc += gh m_c.
        # The loop scales m in place into the gate gradients.
        m = xp.empty_like(g3)
        xp.multiply(o, 1 - o, out=m[:, 0])
        m[:, 0] *= tc
        xp.multiply(i, 1 - i, out=m[:, 1])
        m[:, 1] *= a
        xp.multiply(f, 1 - f, out=m[:, 2])
        m[:, 2] *= cprev
        xp.multiply(a, a, out=m[:, 3])
        xp.subtract(1, m[:, 3], out=m[:, 3])
        m[:, 3] *= i
        mc = tc * tc
        xp.subtract(1, mc, out=mc)
        mc *= o
        gh, gc = states
        tmp = xp.empty_like(gh)
        for b, rows in reversed(self._steps()):
            ght = gh[:b]
            if gy is not None:
                ght += gy[rows]
            gct = gc[:b]
            t = tmp[:b]
            xp.multiply(ght, mc[rows], out=t)
            gct += t
            mt = m[rows]
            mt[:, 0] *= ght
            mt[:, 1:] *= gct[:, None, :]
            gct *= f[rows]
            xp.dot(mt.reshape(b, 4 * n), wh, out=ght)
        return m.reshape(s, 4 * n), None


class NStepGRULayer(_NStepLayer):
    __slots__ = ()
    n_w = 6
    order = (0, 1, 2)

    def _forward(self, inputs):
        x, h0 = inputs[0], inputs[1]
        xp, wx, wh, bx, bh = self._stacked(inputs)
        n = h0.shape[1]
        g = x.dot(wx.T)
        g += bx
        g[:, :2 * n] += bh[:2 * n]
        h = h0.copy()
        shape = (x.shape[0], n)
        y = xp.empty(shape, x.dtype)
        hprev = xp.empty(shape, x.dtype)
        hn = xp.empty(shape, x.dtype)
        wht = wh.T
        for b, rows in self._steps():
            hp = h[:b]
            hprev[rows] = hp
            gt = g[rows]
            hh = hp.dot(wht)
            hh[:, 2 * n:] += bh[2 * n:]
            rz = gt[:, :2 * n]
            rz += hh[:, :2 * n]
            if xp is numpy:
                _sigmoid_(rz)
            else:
                rz[...] = xp.tanh(rz * 0.5) * 0.5 + 0.5
            hn[rows] = hh[:, 2 * n:]
            # candidate n = tanh(W x + b + r (U h + b_h))
            cand = gt[:, 2 * n:]
            cand += gt[:, :n] * hh[:, 2 * n:]
            xp.tanh(cand, out=cand)
            # h = (1 - z) n + z h_prev
            yt = y[rows]
            xp.subtract(hp, cand, out=yt)
            yt *= gt[:, n:2 * n]
            yt += cand
            hp[...] = yt
        self.saved = (g, hprev, hn)
        self.stacked = (wx, wh)
        return y, h

    def _bptt(self, xp, wh, gy, states):
        g, hprev, hn = self.saved
        n = hn.shape[1]
        gh, = states
        gg = xp.empty_like(g)
        gu = xp.empty_like(g)
        for b, rows in reversed(self._steps()):
            ght = gh[:b]
            if gy is not None:
                ght += gy[rows]
            gt = g[rows]
            r, z, cand = gt[:, :n], gt[:, n:2 * n], gt[:, 2 * n:]
            d = gg[rows]
            dr, dz, dn = d[:, :n], d[:, n:2 * n], d[:, 2 * n:]
            xp.multiply(ght, (hprev[rows] - cand) * z * (1 - z), out=dz)
            xp.multiply(ght, (1 - z) * (1 - cand * cand), out=dn)
            xp.multiply(dn, hn[rows] * r * (1 - r), out=dr)
            u = gu[rows]
            u[:, :2 * n] = d[:, :2 * n]
            xp.multiply(dn, r, out=u[:, 2 * n:])
            ght *= z
            ght += u.dot(wh)
        return gg, gu


# -- the gradient on Variables (double backprop)

def _gradient_by_composition(layer, ns, indexes, grad_outputs):
    """The same backpropagation through time, written with differentiable
    fastgrad functions on Variables (the activations are recomputed from the
    inputs, so the result is differentiable in them too)."""
    from fastgrad import functions as F
    inputs = ns.inputs(layer)
    x, h = inputs[0], inputs[1]
    lstm = layer.n_state == 2
    c = inputs[2] if lstm else None
    k = 1 + layer.n_state
    half = layer.n_w // 2
    ws, bs = inputs[k:k + layer.n_w], inputs[k + layer.n_w:]
    xp = utils.array_module(ns.data(x))

    def rows_of(v, b, full):
        return v if full else F.get_item(v, slice(0, b))

    def merge(top, v, b, full):
        return top if full else F.concat((top, F.get_item(v, slice(b, None))), axis=0)

    # forward again, keeping each step's activations
    gx_pre = [F.linear(x, ws[j], bs[j]) for j in range(half)]
    saved = []
    for b, rows in layer._steps():
        full = b == h.shape[0]
        hp = rows_of(h, b, full)
        gh = [F.linear(hp, ws[half + j], bs[half + j]) for j in range(half)]
        gt = [F.get_item(v, rows) for v in gx_pre]
        if lstm:
            cp = rows_of(c, b, full)
            act = (F.sigmoid(gt[0] + gh[0]), F.sigmoid(gt[1] + gh[1]),
                   F.tanh(gt[2] + gh[2]), F.sigmoid(gt[3] + gh[3]))
            cn = act[0] * act[2] + act[1] * cp
            tc = F.tanh(cn)
            hn = act[3] * tc
            saved.append((b, rows, full, hp, cp, act, tc))
            c = merge(cn, c, b, full)
        elif half == 3:
            r = F.sigmoid(gt[0] + gh[0])
            z = F.sigmoid(gt[1] + gh[1])
            cand = F.tanh(gt[2] + r * gh[2])
            hn = (1 - z) * cand + z * hp
            saved.append((b, rows, full, hp, (r, z, cand, gh[2])))
        else:
            pre = gt[0] + gh[0]
            hn = F.relu(pre) if layer.relu else F.tanh(pre)
            saved.append((b, rows, full, hp, hn))
        h = merge(hn, h, b, full)

    gy = grad_outputs[0]
    zeros = xp.zeros(ns.data(inputs[1]).shape, ns.data(x).dtype)
    g_h = zeros if grad_outputs[1] is None else grad_outputs[1]
    g_c = None
    if lstm:
        g_c = zeros if grad_outputs[2] is None else grad_outputs[2]
    dx_steps = {}
    for step in reversed(saved):
        b, rows, full, hp = step[:4]
        ght = rows_of(g_h, b, full)
        if gy is not None:
            ght = ght + F.get_item(gy, rows)
        if lstm:
            cp, (i, f, a, o), tc = step[4:]
            gct = rows_of(g_c, b, full) + ght * o * (1 - tc * tc)
            dx = (gct * a * i * (1 - i), gct * cp * f * (1 - f),
                  gct * i * (1 - a * a), ght * tc * o * (1 - o))
            dh = dx
            g_c = merge(gct * f, g_c, b, full)
            ghp = None
        elif half == 3:
            r, z, cand, u_n = step[4]
            dz = ght * (hp - cand) * z * (1 - z)
            dn = ght * (1 - z) * (1 - cand * cand)
            dr = dn * u_n * r * (1 - r)
            dx, dh = (dr, dz, dn), (dr, dz, dn * r)
            ghp = ght * z
        else:
            y = step[4]
            if layer.relu:
                d = ght * (ns.data(y) > 0).astype(ns.data(y).dtype)
            else:
                d = ght * (1 - y * y)
            dx = dh = (d,)
            ghp = None
        for j in range(half):
            term = F.matmul(dh[j], ws[half + j])
            ghp = term if ghp is None else ghp + term
        g_h = merge(ghp, g_h, b, full)
        dx_steps[rows.start] = (dx, dh, hp)

    order = sorted(dx_steps)
    dxs = [F.concat([dx_steps[s][0][j] for s in order], axis=0) for j in range(half)]
    dhs = [F.concat([dx_steps[s][1][j] for s in order], axis=0) for j in range(half)]
    hps = F.concat([dx_steps[s][2] for s in order], axis=0)
    out = {1: g_h}
    if lstm:
        out[2] = g_c
    nb = k + layer.n_w
    for j in range(half):
        out[k + j] = F.matmul(dxs[j], x, transa=True)
        out[k + half + j] = F.matmul(dhs[j], hps, transa=True)
        out[nb + j] = F.sum(dxs[j], axis=0)
        out[nb + half + j] = F.sum(dhs[j], axis=0)
    result = []
    for index in indexes:
        if index == 0:
            gx = None
            for j in range(half):
                term = F.matmul(dxs[j], ws[j])
                gx = term if gx is None else gx + term
            result.append(gx)
        else:
            result.append(out[index])
    return tuple(result)


# -- the functions

_LAYERS = {'lstm': NStepLSTMLayer, 'gru': NStepGRULayer,
           'rnn_tanh': NStepRNNTanhLayer, 'rnn_relu': NStepRNNReLULayer}


def _check_kwargs(name, kwargs):
    if not kwargs:
        return
    for key, what in (('train', 'train argument is not supported anymore. '
                                'Use chainer.using_config'),
                      ('use_cudnn', 'use_cudnn argument is not supported anymore. '
                                    'Use chainer.using_config')):
        if key in kwargs:
            raise ValueError(what)
    raise TypeError('{}() got unexpected keyword argument(s) {}'.format(
        name, ', '.join(sorted(kwargs))))


def _shape(v):
    return v.shape


def _n_step(name, mode, n_layers, dropout_ratio, hx, cx, ws, bs, xs, bidirectional):
    """The stacked layers: each layer's output (both directions concatenated)
    is the next layer's input, through dropout from the second layer on."""
    from fastgrad import functions as F
    layer_cls = _LAYERS[mode]
    directions = 2 if bidirectional else 1
    if not isinstance(n_layers, (int, numpy.integer)) or n_layers < 1:
        raise ValueError('{}: n_layers must be a positive int, got {!r}'.format(name, n_layers))
    xs = list(xs)
    if not xs:
        raise ValueError('{}: xs must hold at least one time step'.format(name))
    n_dirs = n_layers * directions
    if len(ws) != n_dirs or len(bs) != n_dirs:
        raise ValueError('{}: expected {} lists of weights and biases ({} layers x {} '
                         'directions), got {} and {}'.format(
                             name, n_dirs, n_layers, directions, len(ws), len(bs)))
    for i, (w, b) in enumerate(zip(ws, bs)):
        if len(w) != layer_cls.n_w or len(b) != layer_cls.n_w:
            raise ValueError('{}: ws[{}] and bs[{}] must hold {} arrays each, got {} and {}'
                             .format(name, i, i, layer_cls.n_w, len(w), len(b)))
    x_in, w_in = xs[0].shape[1], ws[0][0].shape[1]
    if x_in != w_in:
        raise ValueError('Inconsistent input size in input values and weight '
                         'parameters: {} != {}'.format(x_in, w_in))
    batch_sizes = tuple(len(x) for x in xs)
    for t in range(1, len(batch_sizes)):
        if batch_sizes[t] > batch_sizes[t - 1]:
            raise ValueError(
                '{}: xs must be sorted by batch size, largest first (xs[t].shape[0] >= '
                'xs[t + 1].shape[0]), got {}'.format(name, list(batch_sizes)))
    states = [hx] if cx is None else [hx, cx]
    for what, s in zip(('hx', 'cx'), states):
        shape = _shape(s)
        if len(shape) != 3 or shape[0] != n_dirs:
            raise utils.invalid_type(
                name, '{}.ndim == 3 and {}.shape[0] == {}'.format(what, what, n_dirs),
                '{}.shape = {}'.format(what, shape))
    if cx is not None and _shape(cx) != _shape(hx):
        raise utils.invalid_type(name, 'cx.shape == hx.shape', '{} != {}'.format(
            _shape(cx), _shape(hx)))
    x = F.concat(xs, axis=0) if len(xs) > 1 else xs[0]
    hs = [F.separate(s, axis=0) for s in states]
    hy, cy = [], []
    for layer in range(n_layers):
        outs = []
        for d in range(directions):
            idx = layer * directions + d
            inp = x
            if layer > 0 and dropout_ratio > 0:
                inp = F.dropout(x, ratio=dropout_ratio)
            args = (inp,) + tuple(h[idx] for h in hs) + tuple(ws[idx]) + tuple(bs[idx])
            res = layer_cls(d == 1, batch_sizes).apply(args)
            outs.append(res[0])
            hy.append(res[1])
            if cx is not None:
                cy.append(res[2])
        x = outs[0] if directions == 1 else F.concat(outs, axis=1)
    hy = F.stack(hy)
    cy = F.stack(cy) if cx is not None else None
    if len(xs) > 1:
        ys = F.split_axis(x, list(numpy.cumsum(batch_sizes[:-1])), axis=0)
    else:
        ys = (x,)
    return hy, cy, tuple(ys)


def n_step_rnn(n_layers, dropout_ratio, hx, ws, bs, xs, activation='tanh', **kwargs):
    """Stacked uni-directional Elman RNN over variable-length sequences.

    Each layer computes ``h_t = f(W_0 x_t + b_0 + W_1 h_{t-1} + b_1)`` with
    ``f`` tanh or relu; layer ``k > 0`` reads layer ``k - 1``'s outputs
    through dropout.

    Args:
        n_layers (int): number of layers ``S``.
        dropout_ratio (float): dropout ratio on the inputs of layers ``1..S-1``.
        hx: initial hidden states, ``(S, B, N)``.
        ws (list of lists): ``ws[k] = [W_0, W_1]`` of layer ``k``, shapes
            ``(N, I)`` (``(N, N)`` from layer 1 on) and ``(N, N)``.
        bs (list of lists): ``bs[k] = [b_0, b_1]``, shapes ``(N,)``.
        xs (list): the input of each time step, ``xs[t]`` of shape
            ``(B_t, I)`` with ``B_t`` non-increasing (sort the sequences by
            length, longest first, and use :func:`transpose_sequence`).
        activation (str): ``'tanh'`` or ``'relu'``.

    Returns:
        tuple: ``(hy, ys)``: ``hy`` the final hidden states (shape of ``hx``;
        each sequence's state after its last step), ``ys`` the last layer's
        output of every step, ``ys[t]`` of shape ``(B_t, N)``.

    >>> xs = [np.ones((2, 2), np.float32), np.ones((1, 2), np.float32)]  # lengths 2, 1
    >>> ws = [[np.full((3, 2), 0.5, np.float32), np.eye(3, dtype=np.float32)]]
    >>> bs = [[np.zeros(3, np.float32), np.zeros(3, np.float32)]]
    >>> hx = np.zeros((1, 2, 3), np.float32)
    >>> hy, ys = F.n_step_rnn(1, 0., hx, ws, bs, xs, activation='relu')
    >>> hy.array[0], [y.shape for y in ys]
    (array([[2., 2., 2.],
           [1., 1., 1.]], dtype=float32), [(2, 3), (1, 3)])
    """
    return _n_step_rnn('n_step_rnn', n_layers, dropout_ratio, hx, ws, bs, xs,
                       activation, False, kwargs)


def n_step_birnn(n_layers, dropout_ratio, hx, ws, bs, xs, activation='tanh', **kwargs):
    """Stacked bi-directional Elman RNN over variable-length sequences.

    As :func:`n_step_rnn`, with a forward and a backward RNN per layer whose
    outputs are concatenated (``2N`` features) as the next layer's input.

    Args:
        n_layers (int): number of layers ``S``.
        dropout_ratio (float): dropout ratio on the inputs of layers ``1..S-1``.
        hx: initial hidden states, ``(2S, B, N)``; ``hx[2k + d]`` for layer
            ``k``, direction ``d`` (0 forward, 1 backward).
        ws (list of lists): ``ws[2k + d] = [W_0, W_1]``; ``W_0`` is ``(N, I)``
            in layer 0 and ``(N, 2N)`` after.
        bs (list of lists): ``bs[2k + d] = [b_0, b_1]``.
        xs (list): the input of each time step (see :func:`n_step_rnn`).
        activation (str): ``'tanh'`` or ``'relu'``.

    Returns:
        tuple: ``(hy, ys)`` with ``ys[t]`` of shape ``(B_t, 2N)``.

    >>> xs = [np.ones((2, 2), np.float32), np.ones((1, 2), np.float32)]
    >>> ws = [[np.ones((3, 2), np.float32), np.eye(3, dtype=np.float32)]] * 2
    >>> bs = [[np.zeros(3, np.float32), np.zeros(3, np.float32)]] * 2
    >>> hy, ys = F.n_step_birnn(1, 0., np.zeros((2, 2, 3), np.float32), ws, bs, xs)
    >>> hy.shape, [y.shape for y in ys]
    ((2, 2, 3), [(2, 6), (1, 6)])
    """
    return _n_step_rnn('n_step_birnn', n_layers, dropout_ratio, hx, ws, bs, xs,
                       activation, True, kwargs)


def _n_step_rnn(name, n_layers, dropout_ratio, hx, ws, bs, xs, activation, bi, kwargs):
    _check_kwargs(name, kwargs)
    if activation not in ('tanh', 'relu'):
        raise ValueError('Invalid activation: "{}". Please select from [tanh,relu]'
                         .format(activation))
    hy, _, ys = _n_step(name, 'rnn_' + activation, n_layers, dropout_ratio, hx, None,
                        ws, bs, xs, bi)
    return hy, ys
