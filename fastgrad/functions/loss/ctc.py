"""connectionist_temporal_classification: the CTC loss (Graves et al. 2006).

On NumPy arrays the forward-backward recursions run in compiled loops
(``fastgrad._core.ctc``: in double, on probabilities rescaled every step); on
CuPy in log space, vectorised over the batch (one array step per time step).  The gradient is taken w.r.t. the
unnormalised activations: ``softmax(x) - occupancy``, which never divides by
a tiny probability.
"""
import numpy

from fastgrad import utils
from fastgrad._core import ctc as _compiled
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.utils import collections_abc
from fastgrad.variable import as_array

_NAME = 'connectionist_temporal_classification'


def _lattice(logy, path, path_length, blank):
    """The emission log-probabilities (T, B, S) of the extended label sequence,
    -inf past each sequence's end, and where the skip s-2 -> s is allowed."""
    xp = utils.array_module(logy)
    n_batch, n_pos = path.shape
    valid = xp.arange(n_pos)[None, :] < path_length[:, None]               # (B, S)
    emit = logy[:, xp.arange(n_batch)[:, None], path]                         # (T, B, S)
    emit = xp.where(valid[None], emit, -numpy.inf)
    # the skip is allowed between two different labels only (never to a blank)
    skip = xp.zeros((n_batch, n_pos), bool)
    skip[:, 2:] = (path[:, 2:] != blank) & (path[:, 2:] != path[:, :-2])
    return emit, skip, valid


class ConnectionistTemporalClassification(Op):
    """CTC loss of stacked activations x (T, B, V) given labels t (B, M).

    Inputs, in Chainer's order: input_length (B,), label_length (B,), t, x.
    Forward runs the alpha recursion only; the beta recursion and the
    occupancies are computed when the gradient is asked for (on NumPy the
    compiled loops run alpha again then, instead of keeping it).
    """
    __slots__ = ('blank_symbol', 'reduce', 'logy', 'path', 'path_length', 't_len',
                 'alpha', 'logz')
    checks = Checks('input_length, label_length, t, x',
                    "input_length.dtype.name == 'int32'", 'input_length.ndim == 1',
                    "label_length.dtype.name == 'int32'", 'label_length.ndim == 1',
                    't.ndim == 2', "t.dtype.name == 'int32'",
                    'x.ndim == 3', "x.dtype.kind == 'f'",
                    't.shape[0] == x.shape[1]', 'input_length.shape[0] == x.shape[1]',
                    'label_length.shape[0] == x.shape[1]')

    def __init__(self, blank_symbol, reduce='mean'):
        self.blank_symbol = blank_symbol
        self.reduce = reduce

    def forward(self, inputs):
        input_length, label_length, t, x = inputs
        xp = utils.array_module(x)
        n_time, n_batch, n_vocab = x.shape
        _check_values(input_length, label_length, t, n_time, n_vocab, self.blank_symbol)
        ct = utils.compute_dtype(x.dtype)
        xc = x.astype(ct, copy=False)
        logy = xc - xc.max(axis=2, keepdims=True)
        logy -= xp.log(xp.exp(logy).sum(axis=2, keepdims=True))

        # the extended label sequence: blank, t0, blank, t1, ..., blank
        n_pos = 2 * t.shape[1] + 1
        path_length = 2 * label_length.astype(numpy.int64) + 1
        path = xp.full((n_batch, n_pos), self.blank_symbol, numpy.int64)
        path[:, 1::2] = t
        path[xp.arange(n_pos)[None, :] >= path_length[:, None]] = self.blank_symbol
        t_len = input_length.astype(numpy.int64)
        self.logy, self.path, self.path_length, self.t_len = logy, path, path_length, t_len
        if type(logy) is numpy.ndarray:
            logz, _ = _compiled.ctc(logy, path, path_length, t_len, self.blank_symbol, False)
            self.alpha, self.logz = None, logz.astype(ct)
            return self._loss(x.dtype),
        emit, skip, _ = _lattice(logy, path, path_length, self.blank_symbol)
        ninf = -numpy.inf

        # alpha[t, b, s]: log probability of the prefixes ending at (t, s), emission included
        # (two -inf columns in front: positions s-1 and s-2 are plain slices)
        padded = xp.full((n_time, n_batch, n_pos + 2), ninf, ct)
        alpha = padded[:, :, 2:]
        alpha[0, :, :2] = emit[0, :, :2]
        for i in range(1, n_time):
            prev = padded[i - 1]
            two = xp.where(skip, prev[:, :-2], ninf)
            alpha[i] = xp.logaddexp(xp.logaddexp(prev[:, 2:], prev[:, 1:-1]), two) + emit[i]
        b_idx = xp.arange(n_batch)
        last = alpha[xp.maximum(t_len - 1, 0), b_idx]                      # (B, S)
        end1 = last[b_idx, path_length - 1]
        end2 = xp.where(path_length > 1, last[b_idx, xp.maximum(path_length - 2, 0)], ninf)
        logz = xp.logaddexp(end1, end2)
        # no input steps: only the empty label sequence has an alignment
        logz = xp.where(t_len > 0, logz, xp.where(label_length == 0, 0, ninf))
        self.alpha, self.logz = alpha, logz
        return self._loss(x.dtype),

    def _loss(self, dtype):
        loss = -self.logz
        if self.reduce == 'mean':
            loss = loss.mean()
        return utils.force_array(loss, dtype)

    def _dloss_dx(self):
        """d(-log p) / dx per sequence: softmax(x) minus the occupancies."""
        logy, path, alpha, logz, t_len = self.logy, self.path, self.alpha, self.logz, self.t_len
        if type(logy) is numpy.ndarray:
            # the recursions again, alpha included: cheaper than keeping it
            return _compiled.ctc(logy, path, self.path_length, t_len, self.blank_symbol,
                                 True)[1]
        xp = utils.array_module(logy)
        n_time, n_batch, n_vocab = logy.shape
        emit, skip, valid = _lattice(logy, path, self.path_length, self.blank_symbol)
        ninf = -numpy.inf
        # beta[t, b, s]: log probability of the suffixes starting at (t, s), emission included
        # (two -inf columns behind: positions s+1 and s+2 are plain slices)
        n_pos = path.shape[1]
        padded = xp.full((n_time, n_batch, n_pos + 2), ninf, alpha.dtype)
        beta = padded[:, :, :n_pos]
        skip_next = xp.zeros_like(skip)
        skip_next[:, :-2] = skip[:, 2:]
        ends = (xp.arange(n_pos)[None, :] >= self.path_length[:, None] - 2) & valid
        # a sequence's suffixes start at its last step, in its last two positions;
        # past that step beta stays -inf, so the recursion needs no per-step masks
        last = (xp.arange(n_time)[:, None] == t_len[None, :] - 1)[:, :, None] & ends[None]
        start = xp.where(last, emit, ninf)
        beta[n_time - 1] = start[n_time - 1]
        for i in range(n_time - 2, -1, -1):
            nxt = padded[i + 1]
            two = xp.where(skip_next, nxt[:, 2:], ninf)
            rec = xp.logaddexp(xp.logaddexp(nxt[:, :n_pos], nxt[:, 1:-1]), two) + emit[i]
            beta[i] = xp.logaddexp(rec, start[i])
        # the occupancy of each path position, summed per vocabulary entry
        feasible = xp.isfinite(logz)
        with numpy.errstate(invalid='ignore'):
            gamma = xp.exp(alpha + beta - emit - xp.where(feasible, logz, 0)[None, :, None])
        gamma = xp.where(xp.isfinite(gamma), gamma, 0)
        onehot = (path[:, :, None] == xp.arange(n_vocab)[None, None, :]).astype(gamma.dtype)
        occ = utils.matmul(gamma.transpose(1, 0, 2), onehot).transpose(1, 0, 2)  # (T, B, V)
        live = (xp.arange(n_time)[:, None] < t_len[None, :]) & feasible[None, :]
        return (xp.exp(logy) - occ) * live[:, :, None]

    def gradient(self, ns, indexes, grad_outputs):
        # Chainer's CTC has no double backprop: the gradient is a constant
        # array (only its product with grad_outputs is recorded)
        gy = grad_outputs[0]
        g = self._dloss_dx()
        n_batch = g.shape[1]
        if self.reduce == 'mean':
            scale = ns.reshape(gy, (1, 1, 1)) * (1.0 / n_batch)
        else:
            scale = ns.reshape(gy, (1, n_batch, 1))
        dtype = ns.data(gy).dtype
        gx = ns.broadcast_to(ns.cast(scale, g.dtype), g.shape) * g
        gx = ns.cast(gx, dtype)
        return tuple(gx if i == 3 else None for i in indexes)


def _check_values(input_length, label_length, t, n_time, n_vocab, blank):
    """Lengths and labels must index what exists: a clear error, not a wrap."""
    xp = utils.array_module(t)
    if not 0 <= blank < n_vocab:
        raise ValueError('{}: blank_symbol must satisfy 0 <= blank_symbol < V ({}); got {}'
                         .format(_NAME, n_vocab, blank))
    if input_length.size and (int(input_length.min()) < 0 or int(input_length.max()) > n_time):
        raise ValueError('{}: input_length must lie in [0, len(x)] ([0, {}]); got {}'
                         .format(_NAME, n_time, input_length.tolist()))
    if label_length.size and (int(label_length.min()) < 0
                              or int(label_length.max()) > t.shape[1]):
        raise ValueError('{}: label_length must lie in [0, t.shape[1]] ([0, {}]); got {}'
                         .format(_NAME, t.shape[1], label_length.tolist()))
    used = xp.arange(t.shape[1])[None, :] < label_length[:, None]
    labels = t[used]
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= n_vocab):
        raise ValueError('{}: labels must satisfy 0 <= t < V ({}); got {}'
                         .format(_NAME, n_vocab, int(labels.min()) if int(labels.min()) < 0
                                 else int(labels.max())))


def connectionist_temporal_classification(x, t, blank_symbol, input_length=None,
                                          label_length=None, reduce='mean'):
    """Connectionist Temporal Classification loss.

    The softmax of ``x[i]`` is taken as the label probabilities at step
    ``i``; the loss is ``-log`` of the probability of all alignments of the
    label sequence ``t`` (with blanks and repeats) to the inputs.

    Args:
        x (list or tuple of Variable): ``T`` unnormalised activations of
            shape (B, V) (do not apply softmax: it is applied here).
        t (Variable or ndarray): (B, M) int32 label sequences, each entry
            below V and not the blank.
        blank_symbol (int): index of the blank, ``0 <= blank_symbol < V``.
        input_length (Variable or ndarray): (B,) int32 valid lengths of
            ``x`` (all ``T`` when None).
        label_length (Variable or ndarray): (B,) int32 lengths of ``t``
            (all ``M`` when None).
        reduce (str): ``'mean'`` (the mean over the batch) or ``'no'``
            (the (B,) losses).

    Returns:
        Variable: the loss. A sequence that no alignment fits (too short an
        input) has an infinite loss and a zero gradient.

    Only ``x`` gets a gradient, and as in Chainer there is no double
    backprop: the gradient is computed in forward and treated as a
    constant (a second derivative through it is silently zero).

    >>> xs = [np.zeros((1, 3), dtype=np.float32) for _ in range(2)]
    >>> t = np.array([[1]], dtype=np.int32)
    >>> loss = F.connectionist_temporal_classification(xs, t, blank_symbol=0)
    >>> round(float(loss.array), 4)  # -log(3 / 9): 3 of 9 paths fit
    1.0986
    """
    from fastgrad import functions as F
    if not isinstance(x, collections_abc.Sequence):
        raise TypeError('{}: x must be a list or tuple of Variables (one (B, V) array per '
                        'time step); got {}'.format(_NAME, type(x).__name__))
    if not isinstance(blank_symbol, (int, numpy.integer)) or isinstance(blank_symbol, bool):
        raise TypeError('{}: blank_symbol must be a non-negative integer; got {!r}'
                        .format(_NAME, blank_symbol))
    if reduce not in ('mean', 'no'):
        raise ValueError("{}: only 'mean' and 'no' are valid for 'reduce', but '{}' is given"
                         .format(_NAME, reduce))
    if len(x) == 0:
        raise ValueError('{}: x must hold at least one time step'.format(_NAME))
    if x[0].ndim != 2:
        raise utils.invalid_type(_NAME, 'x[0].ndim == 2', 'x[0].ndim = {}'.format(x[0].ndim))
    xp = utils.array_module(as_array(x[0]))
    if input_length is None:
        input_length = xp.full(x[0].shape[0], len(x), dtype=numpy.int32)
    if label_length is None:
        label_length = xp.full(t.shape[0], t.shape[1], dtype=numpy.int32)
    out, = ConnectionistTemporalClassification(int(blank_symbol), reduce).apply(
        (input_length, label_length, t, F.stack(x)))
    return out
