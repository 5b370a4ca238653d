"""crf1d / argmax_crf1d: the linear-chain CRF's negative log-likelihood and
its Viterbi decoding.

Both are built from fastgrad's differentiable functions (logsumexp, max,
get_item, concat), so the loss has gradients of every order w.r.t. ``cost``
and ``xs``, as in Chainer.  The sequences of a batch are time-major and
sorted by decreasing length: ``xs[i]`` holds the sequences still running at
step ``i``, so ``xs[i].shape[0]`` never grows with ``i``.
"""
import numpy

from fastgrad import utils
from fastgrad.variable import as_array


def _check(name, cost, xs, ys=None):
    """Chainer's conditions on the inputs, with an error naming ``name``."""
    if len(xs) == 0:
        raise ValueError('{}: xs must hold at least one time step'.format(name))
    if cost.ndim != 2 or cost.shape[0] != cost.shape[1]:
        raise utils.invalid_type(name, 'cost.ndim == 2 and cost.shape[0] == cost.shape[1]',
                                 'cost.shape = {}'.format(cost.shape))
    n_label = cost.shape[0]
    prev = None
    for i, x in enumerate(xs):
        if x.ndim != 2 or x.shape[1] != n_label:
            raise utils.invalid_type(
                name, 'xs[{}].ndim == 2 and xs[{}].shape[1] == cost.shape[0]'.format(i, i),
                'xs[{}].shape = {}, cost.shape = {}'.format(i, x.shape, cost.shape))
        if x.dtype != cost.dtype or x.dtype.kind != 'f':
            raise utils.invalid_type(
                name, "xs[{}].dtype == cost.dtype (a float)".format(i),
                'xs[{}].dtype = {}, cost.dtype = {}'.format(i, x.dtype, cost.dtype))
        if prev is not None and x.shape[0] > prev:
            raise ValueError(
                '{}: the batch sizes of xs must not increase (sort the sequences by '
                'decreasing length and transpose them); xs[{}].shape[0] = {} > '
                'xs[{}].shape[0] = {}'.format(name, i, x.shape[0], i - 1, prev))
        prev = x.shape[0]
    if ys is None:
        return
    if len(ys) != len(xs):
        raise ValueError('{}: len(ys) must equal len(xs); got {} and {}'
                         .format(name, len(ys), len(xs)))
    for i, (x, y) in enumerate(zip(xs, ys)):
        y = as_array(y)
        if y.dtype.kind not in 'iu' or y.shape != x.shape[:1]:
            raise utils.invalid_type(
                name, "ys[{}].dtype.kind == 'i' and ys[{}].shape == xs[{}].shape[:1]"
                .format(i, i, i),
                'ys[{}].dtype = {}, ys[{}].shape = {}, xs[{}].shape = {}'
                .format(i, y.dtype, i, y.shape, i, x.shape))
        if y.size and (int(y.min()) < 0 or int(y.max()) >= n_label):
            raise ValueError('{}: labels must satisfy 0 <= y < n_label ({}); ys[{}] holds {}'
                             .format(name, n_label, i,
                                     int(y.min()) if int(y.min()) < 0 else int(y.max())))


def crf1d(cost, xs, ys, reduce='mean'):
    """Negative log-likelihood of a linear-chain CRF.

    For a sequence with label costs ``x_i`` and labels ``y_i`` the loss is
    ``log Z - (sum_i x_{i, y_i} + sum_i cost[y_i, y_{i+1}])``, where ``Z``
    sums ``exp`` of that score over every label sequence (the forward
    algorithm).

    Args:
        cost (Variable or ndarray): (K, K) transition costs between labels.
        xs (list of Variable or ndarray): one (B_i, K) array of label costs
            per time step. Sequences of different lengths are sorted by
            decreasing length and transposed (``B_i`` never increases).
        ys (list of ndarray): one (B_i,) integer array of labels per step.
        reduce (str): ``'mean'`` (sum over sequences divided by
            ``xs[0].shape[0]``) or ``'no'`` (the (B,) losses).

    Returns:
        Variable: the loss.

    >>> cost = np.zeros((2, 2), dtype=np.float32)
    >>> xs = [np.zeros((1, 2), dtype=np.float32) for _ in range(2)]
    >>> ys = [np.array([0], dtype=np.int32), np.array([1], dtype=np.int32)]
    >>> round(float(F.crf1d(cost, xs, ys).array), 4)  # log 4: 4 equal paths
    1.3863
    """
    from fastgrad import functions as F
    if reduce not in ('mean', 'no'):
        raise ValueError("crf1d: only 'mean' and 'no' are valid for 'reduce', but '{}' is given"
                         .format(reduce))
    _check('crf1d', cost, xs, ys)
    ys = [as_array(y).astype(numpy.int64, copy=False) for y in ys]
    n_label = cost.shape[0]
    n_batch = xs[0].shape[0]

    # log Z by the forward algorithm; rows whose sequence ended are set aside
    alpha = xs[0]
    done = []
    for x in xs[1:]:
        b = x.shape[0]
        if alpha.shape[0] > b:
            done.append(alpha[b:])
            alpha = alpha[:b]
        scores = F.expand_dims(alpha, 2) + F.broadcast_to(cost, (b, n_label, n_label))
        alpha = F.logsumexp(scores, axis=1) + x
    if done:
        alpha = F.concat([alpha] + done[::-1], axis=0)
    logz = F.logsumexp(alpha, axis=1)

    # the gold path's score: every (step, sequence) term at once, then summed
    # per sequence with a constant 0/1 matrix
    xp = utils.array_module(as_array(xs[0]))
    flat_x = F.concat(list(xs), axis=0) if len(xs) > 1 else xs[0]
    flat_y = xp.concatenate(ys)
    rows = xp.concatenate([xp.arange(len(y)) for y in ys])
    unary = F.select_item(flat_x, xp.asarray(flat_y, dtype=numpy.int32))
    dtype = as_array(xs[0]).dtype
    onehot = (xp.arange(n_batch)[:, None] == rows[None, :]).astype(dtype)
    score = F.matmul(onehot, F.expand_dims(unary, 1))
    if len(xs) > 1:
        prev = xp.concatenate([y0[:len(y1)] for y0, y1 in zip(ys, ys[1:])])
        nxt = xp.concatenate(ys[1:])
        trans = F.get_item(F.reshape(cost, (n_label * n_label,)), prev * n_label + nxt)
        score = score + F.matmul(onehot[:, len(ys[0]):], F.expand_dims(trans, 1))
    loss = logz - F.reshape(score, (n_batch,))
    if reduce == 'mean':
        return F.sum(loss) / n_batch
    return loss


def argmax_crf1d(cost, xs):
    """The most likely label sequences of a linear-chain CRF (Viterbi).

    Args:
        cost (Variable or ndarray): (K, K) transition costs.
        xs (list of Variable or ndarray): (B_i, K) label costs per step,
            time-major and sorted by decreasing length as for :func:`crf1d`.

    Returns:
        tuple: ``(score, path)``: ``score`` is a (B,) Variable holding each
        best path's score (differentiable w.r.t. ``cost`` and ``xs``),
        ``path`` a list of ``len(xs)`` integer arrays, ``path[i]`` of shape
        ``(B_i,)``, the best labels at step ``i``.

    >>> cost = np.array([[0., -5.], [0., 0.]], dtype=np.float32)
    >>> xs = [np.array([[1., 0.]], dtype=np.float32),
    ...       np.array([[0., 2.]], dtype=np.float32)]
    >>> score, path = F.argmax_crf1d(cost, xs)
    >>> score.array, np.concatenate(path)
    (array([2.], dtype=float32), array([1, 1], dtype=int32))
    """
    from fastgrad import functions as F
    _check('argmax_crf1d', cost, xs)
    n_label = cost.shape[0]
    alpha = xs[0]
    done = []          # (step, rows set aside at that step)
    back = []          # back[i][b, k]: best previous label for label k at step i + 1
    for i, x in enumerate(xs[1:]):
        b = x.shape[0]
        if alpha.shape[0] > b:
            done.append((i, alpha[b:]))
            alpha = alpha[:b]
        scores = F.expand_dims(alpha, 2) + F.broadcast_to(cost, (b, n_label, n_label))
        back.append(as_array(scores).argmax(axis=1))
        alpha = F.max(scores, axis=1) + x
    finals = [alpha] + [a for _, a in done[::-1]]
    score = F.concat(finals, axis=0) if len(finals) > 1 else finals[0]
    score = F.max(score, axis=1)

    # walk the back pointers from the last step; a sequence that ended at
    # step i joins the walk there with its own best final label
    ended = {i: as_array(a).argmax(axis=1) for i, a in done}
    xp = utils.array_module(as_array(xs[0]))
    labels = as_array(alpha).argmax(axis=1)
    path = [labels]
    for i in range(len(back) - 1, -1, -1):
        labels = back[i][xp.arange(len(labels)), labels]
        if i in ended:
            labels = xp.concatenate([labels, ended[i]])
        path.append(labels)
    path.reverse()
    return score, [p.astype(numpy.int32, copy=False) for p in path]
