"""embed_id: look up rows of an embedding matrix by integer ids."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

_NAME = 'EmbedIDFunction'


def _check_ids(x, n_vocab, ignore_label):
    """Every id must index a row (or be ignore_label): a clear error, not a wrap."""
    xp = utils.array_module(x)
    valid = (x >= 0) & (x < n_vocab)
    if ignore_label is not None:
        valid |= x == ignore_label
    if not bool(valid.all()):
        bad = int(xp.asarray(x[~valid]).ravel()[0])
        extra = '' if ignore_label is None else ' or id == ignore_label ({})'.format(ignore_label)
        raise ValueError('embed_id: each id must satisfy 0 <= id < len(W) ({}){}; got {}'
                         .format(n_vocab, extra, bad))


def _scatter_rows(x, gy, n_vocab, dtype, ignore_label):
    """gW = zeros((n_vocab, units)) with gy's rows added at rows x (ids repeat)."""
    xp = utils.array_module(gy)
    units = gy.shape[-1]
    # float16 sums are gathered in float32 (repeated ids add many terms).
    acc = numpy.float32 if numpy.dtype(dtype) == numpy.float16 else dtype
    gW = xp.zeros((n_vocab, units), dtype=acc)
    ids = x.ravel()
    rows = gy.reshape(-1, units)
    if ignore_label is not None:
        keep = ids != ignore_label
        ids = ids[keep]
        rows = rows[keep]
    if xp is numpy:
        numpy.add.at(gW, ids, rows)
    else:
        import cupyx
        cupyx.scatter_add(gW, ids, rows)
    return gW.astype(dtype, copy=False)


def _gather_rows(x, W, ignore_label):
    xp = utils.array_module(W)
    if ignore_label is None:
        return xp.take(W, x, axis=0)
    mask = x == ignore_label
    y = xp.take(W, xp.where(mask, 0, x), axis=0)
    y[mask] = 0
    return y


class EmbedIDFunction(Op):
    __slots__ = ('ignore_label',)
    checks = Checks('x, W', "x.dtype.kind == 'i'", 'x.ndim >= 1', "W.dtype.kind == 'f'",
                    'W.ndim == 2')

    def __init__(self, ignore_label=None):
        self.ignore_label = ignore_label

    def forward(self, inputs):
        x, W = inputs
        _check_ids(x, W.shape[0], self.ignore_label)
        self.retain_inputs((0,))
        return _gather_rows(x, W, self.ignore_label),

    def gradient(self, ns, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        W = self.inputs[1]
        # ids are not differentiable; gW is the linear EmbedIDGrad of gy
        return tuple(None if i == 0 else ns.call(
            EmbedIDGrad(x, W.shape, W.dtype, self.ignore_label), grad_outputs)[0]
            for i in indexes)


class EmbedIDGrad(Op):
    """gW as a (linear) function of gy; its adjoint is embed_id again."""
    __slots__ = ('x', 'W_shape', 'W_dtype', 'ignore_label')

    def __init__(self, x, W_shape, W_dtype, ignore_label):
        self.x = x
        self.W_shape = W_shape
        self.W_dtype = W_dtype
        self.ignore_label = ignore_label

    def forward(self, inputs):
        gy, = inputs
        return _scatter_rows(self.x, gy, self.W_shape[0], self.W_dtype, self.ignore_label),

    def gradient(self, ns, indexes, grad_outputs):
        ggy, = ns.call(EmbedIDFunction(self.ignore_label), (self.x, grad_outputs[0]))
        return ns.cast(ggy, self.inputs[0].dtype),

def embed_id(x, W, ignore_label=None):
    """Rows of ``W`` picked by the integer ids ``x``: ``y[..., :] = W[x[...]]``.

    ``x`` is a signed integer array of any shape (ndim >= 1), ``W`` is
    ``(n_vocab, n_units)``; the output is ``x.shape + (n_units,)`` in ``W``'s
    dtype.  Ids equal to ``ignore_label`` give zero vectors and no gradient;
    every other id must satisfy ``0 <= id < n_vocab`` (a ValueError otherwise).

    >>> import numpy as np
    >>> import fastgrad.functions as F
    >>> W = np.array([[0, 0, 0], [1, 1, 1], [2, 2, 2]], dtype=np.float32)
    >>> F.embed_id(np.array([2, 1, -1]), W, ignore_label=-1).array
    array([[2., 2., 2.],
           [1., 1., 1.],
           [0., 0., 0.]], dtype=float32)
    """
    from fastgrad._core.graph import Variable
    if isinstance(x, Variable):
        x = x.array
    y, = EmbedIDFunction(ignore_label).apply((x, W))
    return y
