"""black_out: the BlackOut loss (Ji et al. 2016), a softmax over the target and
sampled negative classes, built from differentiable functions."""
from fastgrad import utils
from fastgrad.variable import as_array

_NAME = 'black_out'


def black_out(x, t, W, samples, reduce='mean'):
    """BlackOut loss, a sampled softmax loss over the label and some negatives.

    The loss is ``-log p(t) - sum_{s in samples} log(1 - p(s))`` with
    ``p(y) = exp(W_y x) / sum_{c in {t} + samples} exp(W_c x)``.

    Args:
        x (Variable or ndarray): (N, D) input vectors.
        t (Variable or ndarray): (N,) int32 labels in ``[0, V)``.
        W (Variable or ndarray): (V, D) weights of the classes.
        samples (Variable or ndarray): (N, S) int32 negative classes.
        reduce (str): ``'mean'`` (the mean over examples) or ``'no'``.

    Returns:
        Variable: the loss, (N,) or a scalar.

    >>> x = np.zeros((2, 3), dtype=np.float32)
    >>> t = np.array([0, 1], dtype=np.int32)
    >>> W = np.ones((4, 3), dtype=np.float32)
    >>> samples = np.array([[2], [3]], dtype=np.int32)
    >>> np.round(F.black_out(x, t, W, samples, reduce='no').array, 4)
    array([1.3863, 1.3863], dtype=float32)
    """
    from fastgrad import functions as F
    if reduce not in ('mean', 'no'):
        raise ValueError("{}: only 'mean' and 'no' are valid for 'reduce', but '{}' is given"
                         .format(_NAME, reduce))
    xa, ta, Wa, sa = (as_array(a) for a in (x, t, W, samples))
    for ok, expect, actual in [
            (xa.ndim == 2, 'x.ndim == 2', 'x.ndim = {}'.format(xa.ndim)),
            (Wa.ndim == 2 and Wa.shape[1] == xa.shape[1], 'W.ndim == 2 and W.shape[1] == x.shape[1]',
             'W.shape = {}, x.shape = {}'.format(Wa.shape, xa.shape)),
            (ta.ndim == 1 and ta.shape[0] == xa.shape[0], 't.shape == (x.shape[0],)',
             't.shape = {}, x.shape = {}'.format(ta.shape, xa.shape)),
            (sa.ndim == 2 and sa.shape[0] == xa.shape[0], 'samples.ndim == 2 and '
             'samples.shape[0] == x.shape[0]', 'samples.shape = {}'.format(sa.shape)),
            (ta.dtype.kind == 'i' and sa.dtype.kind == 'i',
             "t.dtype.kind == 'i' and samples.dtype.kind == 'i'",
             't.dtype = {}, samples.dtype = {}'.format(ta.dtype, sa.dtype))]:
        if not ok:
            raise utils.invalid_type(_NAME, expect, actual)
    for name, a in (('t', ta), ('samples', sa)):
        if a.size and (int(a.min()) < 0 or int(a.max()) >= Wa.shape[0]):
            raise ValueError('{}: {} must satisfy 0 <= {} < len(W) ({}); got {}'.format(
                _NAME, name, name, Wa.shape[0], int(a.min()) if int(a.min()) < 0
                else int(a.max())))
    n = xa.shape[0]
    xcol = F.expand_dims(x, 2)                                           # (N, D, 1)
    neg_y = F.reshape(F.matmul(F.embed_id(samples, W), xcol), sa.shape)   # (N, S)
    pos_y = F.reshape(F.matmul(F.expand_dims(F.embed_id(t, W), 1), xcol), (n, 1))
    logz = F.logsumexp(F.concat([pos_y, neg_y], axis=1), axis=1)          # (N,)
    # log(1 - p(s)) for each negative
    log_not = F.log(1 - F.exp(neg_y - F.broadcast_to(F.expand_dims(logz, 1), sa.shape)))
    loss = -(F.reshape(pos_y, (n,)) - logz + F.sum(log_not, axis=1))
    if reduce == 'mean':
        loss = F.mean(loss)
    return loss
