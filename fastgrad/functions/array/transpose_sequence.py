"""transpose_sequence: a batch-major list of sequences <-> a time-major list of steps."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _gather_index(lengths):
    """Rows of the concatenated inputs, in the order of the concatenated outputs.

    ``lengths`` is non-increasing, so step ``t`` takes the first ``count[t]``
    inputs: row ``offset[i] + t`` of each.
    """
    offsets = numpy.zeros(len(lengths), numpy.intp)
    numpy.cumsum(lengths[:-1], out=offsets[1:])
    steps = lengths[0] if len(lengths) else 0
    counts = [int((lengths > t).sum()) for t in range(steps)]
    index = numpy.concatenate([offsets[:n] + t for t, n in enumerate(counts)]) \
        if steps else numpy.zeros(0, numpy.intp)
    return index, counts


class TransposeSequence(Op):
    """Inputs: the sequences (lengths non-increasing); outputs: the steps."""
    __slots__ = ('out_shapes',)
    checks = Checks('*xs', 'all(x.ndim >= 1 for x in xs)',
                    'all(p.shape[0] >= n.shape[0] for p, n in zip(xs, xs[1:]))',
                    'all(p.shape[1:] == n.shape[1:] for p, n in zip(xs, xs[1:]))',
                    'all(p.dtype == n.dtype for p, n in zip(xs, xs[1:]))')

    def forward(self, inputs):
        lengths = numpy.array([len(x) for x in inputs], numpy.intp)
        index, counts = _gather_index(lengths)
        xp = utils.array_module(inputs[0])
        packed = xp.concatenate(inputs, axis=0)
        if xp is not numpy:
            index = xp.asarray(index)
        out = packed[index]
        edges = numpy.cumsum(counts)
        outs = tuple(out[a - n:a] for a, n in zip(edges, counts))
        self.out_shapes = tuple(o.shape for o in outs)
        return outs

    def gradient(self, ns, indexes, grad_outputs):
        gys = list(grad_outputs)
        for i, g in enumerate(gys):
            if g is None:
                like = next(ns.data(v) for v in gys if v is not None)
                gys[i] = utils.array_module(like).zeros(self.out_shapes[i], like.dtype)
        gxs = ns.call(TransposeSequence(), gys)
        like = ns.data(gxs[0])
        # empty sequences (beyond those transposed back) get empty gradients
        empty = utils.array_module(like).zeros((0,) + like.shape[1:], like.dtype)
        return tuple(gxs[i] if i < len(gxs) else empty for i in indexes)


def transpose_sequence(xs):
    """Transpose a list of sequences: ``xs[i][t]`` becomes ``ys[t][i]``.

    Args:
        xs (list of :class:`~fastgrad.Variable` or ndarray): sequences sorted
            by length, longest first (``len(xs[i]) >= len(xs[i + 1])``), with
            the same shape after the first axis.

    Returns:
        tuple of Variables: ``ys[t]`` stacks step ``t`` of every sequence
        longer than ``t``; there are ``len(xs[0])`` of them.  Applied to the
        result it gives ``xs`` back.

    >>> xs = [np.array([1, 1, 1]), np.array([2, 2]), np.array([3])]
    >>> [y.array.tolist() for y in F.transpose_sequence(xs)]
    [[1, 2, 3], [1, 2], [1]]
    """
    if not xs:
        return ()
    outs = TransposeSequence().apply(tuple(xs))
    return tuple(outs)
