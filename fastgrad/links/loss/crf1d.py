"""L.CRF1d: a linear-chain CRF holding its (n_label, n_label) transition costs."""
import numpy

from fastgrad import initializers, link, utils, variable
from fastgrad.functions.loss.crf1d import argmax_crf1d, crf1d


def _by_length(xs):
    """Indices of the sequences ``xs`` by decreasing length (ties as NumPy's
    argsort orders them, as Chainer does)."""
    return [int(i) for i in numpy.argsort([-len(x) for x in xs])]


def _time_major(xs):
    """Batch-major sequences sorted by decreasing length -> one (B_t, ...)
    Variable per step (differentiable: one pad_sequence and slices)."""
    from fastgrad import functions as F
    lengths = [len(x) for x in xs]
    padded = F.pad_sequence(xs)
    return [padded[:sum(n > t for n in lengths), t] for t in range(lengths[0])]


def _time_major_arrays(ys):
    xp = utils.array_module(ys[0])
    return [xp.stack([y[t] for y in ys if len(y) > t]) for t in range(len(ys[0]))]


class CRF1d(link.Link):
    """``CRF1d(n_label, initial_cost=None)``: wraps :func:`~fastgrad.functions.crf1d`.

    Args:
        n_label (int): number of labels.
        initial_cost: initializer of the transition costs ``cost``
            (zeros when None).

    ``forward(xs, ys, reduce='mean', transpose=False)`` returns the loss;
    ``argmax(xs, transpose=False)`` the Viterbi ``(score, path)``. With
    ``transpose=True`` the arguments are batch-major lists of sequences in
    any order (sorted and transposed here, and ``path`` is returned
    batch-major in the caller's order).

    >>> crf = L.CRF1d(2)
    >>> crf.cost.array[...] = np.array([[0., -5.], [0., 0.]], np.float32)
    >>> xs = [np.array([[1., 0.]], np.float32), np.array([[0., 2.]], np.float32)]
    >>> score, path = crf.argmax(xs)
    >>> score.array, np.concatenate(path)
    (array([2.], dtype=float32), array([1, 1], dtype=int32))
    >>> ys = [np.array([1], np.int32), np.array([1], np.int32)]
    >>> round(float(crf(xs, ys).array), 4)
    0.4197
    """

    def __init__(self, n_label, initial_cost=None):
        super().__init__()
        if initial_cost is None:
            initial_cost = initializers.Zero()
        with self.init_scope():
            self.cost = variable.Parameter(initial_cost, (n_label, n_label))

    def forward(self, xs, ys, reduce='mean', transpose=False):
        if transpose:
            order = _by_length(xs)
            xs = _time_major([xs[i] for i in order])
            ys = _time_major_arrays([variable.as_array(ys[i]) for i in order])
        return crf1d(self.cost, xs, ys, reduce)

    def argmax(self, xs, transpose=False):
        if not transpose:
            return argmax_crf1d(self.cost, xs)
        order = _by_length(xs)
        score, path = argmax_crf1d(self.cost, _time_major([xs[order[i]] for i in range(len(xs))]))
        lengths = [len(xs[i]) for i in order]
        xp = utils.array_module(path[0])
        per_seq = [xp.stack([path[t][b] for t in range(n)]).astype(numpy.int32)
                   for b, n in enumerate(lengths)]
        out = [None] * len(xs)
        for b, i in enumerate(order):
            out[i] = per_seq[b]
        return score, out
