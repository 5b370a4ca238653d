"""negative_sampling: the word2vec loss of one positive and ``sample_size``
sampled negative classes per example.

Built from differentiable functions (embed_id gathers the sampled rows of W,
its backward scatters into them), so gradients of every order exist, as in
Chainer.
"""
import numpy

from fastgrad import utils
from fastgrad.utils import argument
from fastgrad.variable import as_array

_NAME = 'negative_sampling'


def _check(x, t, W):
    x, t, W = as_array(x), as_array(t), as_array(W)
    for ok, expect, actual in [
            (x.dtype.kind == 'f', "x.dtype.kind == 'f'", 'x.dtype = {}'.format(x.dtype)),
            (x.ndim == 2, 'x.ndim == 2', 'x.ndim = {}'.format(x.ndim)),
            (t.dtype == numpy.int32, 't.dtype == int32', 't.dtype = {}'.format(t.dtype)),
            (t.ndim == 1, 't.ndim == 1', 't.ndim = {}'.format(t.ndim)),
            (x.shape[0] == t.shape[0], 'x.shape[0] == t.shape[0]',
             '{} != {}'.format(x.shape[0], t.shape[0])),
            (W.dtype == x.dtype, 'W.dtype == x.dtype', '{} != {}'.format(W.dtype, x.dtype)),
            (W.ndim == 2, 'W.ndim == 2', 'W.ndim = {}'.format(W.ndim)),
            (W.shape[1] == x.shape[1], 'W.shape[1] == x.shape[1]',
             '{} != {}'.format(W.shape[1], x.shape[1]))]:
        if not ok:
            raise utils.invalid_type(_NAME, expect, actual)
    bad = (t < -1) | (t >= W.shape[0])
    if bad.any():
        raise ValueError('{}: labels must satisfy 0 <= t < len(W) ({}) or be -1 (ignored); '
                         'got {}'.format(_NAME, W.shape[0], int(t[bad][0])))


def negative_sampling(x, t, W, sampler, sample_size, reduce='sum', **kwargs):
    """negative_sampling(x, t, W, sampler, sample_size, reduce='sum', *, return_samples=False)

    Negative sampling loss (word2vec's): a label against sampled negatives.

    For each example ``i`` with label ``p = t[i]``,
    ``-log sigmoid(x_i . W_p) - sum_n log sigmoid(-x_i . W_n)`` over
    ``sample_size`` classes ``n`` drawn by ``sampler``. Examples with
    ``t == -1`` have zero loss.

    Args:
        x (Variable or ndarray): (N, D) input vectors.
        t (Variable or ndarray): (N,) int32 labels (-1 is ignored).
        W (Variable or ndarray): (V, D) weights of the classes.
        sampler (callable): ``sampler(shape)`` returns an integer array of
            classes of that shape (e.g. ``utils.WalkerAlias(p).sample``).
            It is called once, with ``(N, sample_size + 1)``; column 0 is
            then replaced by ``t``.
        sample_size (int): number of negatives per example.
        reduce (str): ``'sum'`` (a scalar) or ``'no'`` (the (N,) losses).
        return_samples (bool): also return the (N, sample_size + 1) int32
            samples (column 0 is ``t``).

    Returns:
        Variable, or ``(Variable, samples)`` with ``return_samples=True``.

    >>> x = np.array([[1., 0.]], dtype=np.float32)
    >>> t = np.array([0], dtype=np.int32)
    >>> W = np.array([[2., 0.], [0., 1.], [-2., 0.]], dtype=np.float32)
    >>> sampler = lambda shape: np.full(shape, 2, dtype=np.int32)
    >>> loss, samples = F.negative_sampling(x, t, W, sampler, 2, return_samples=True)
    >>> round(float(loss.array), 4), samples
    (0.3808, array([[0, 2, 2]], dtype=int32))
    """
    from fastgrad import functions as F
    return_samples = False
    if kwargs:
        return_samples, = argument.parse_kwargs(kwargs, ('return_samples', return_samples))
    if reduce not in ('sum', 'no'):
        raise ValueError("{}: only 'sum' and 'no' are valid for 'reduce', but '{}' is given"
                         .format(_NAME, reduce))
    _check(x, t, W)
    t_arr = as_array(t)
    xp = utils.array_module(t_arr)
    n, n_vocab = t_arr.shape[0], W.shape[0]
    samples = xp.array(sampler((n, sample_size + 1)), dtype=numpy.int32)
    if samples.shape != (n, sample_size + 1):
        raise ValueError('{}: the sampler returned shape {}, expected {}'.format(
            _NAME, samples.shape, (n, sample_size + 1)))
    samples[:, 0] = t_arr
    keep = t_arr != -1
    neg = samples[:, 1:]
    if neg.size and (int(neg.min()) < 0 or int(neg.max()) >= n_vocab):
        raise ValueError('{}: the sampler must return classes in [0, len(W)) ([0, {}]); got {}'
                         .format(_NAME, n_vocab, int(neg.min()) if int(neg.min()) < 0
                                 else int(neg.max())))
    rows = F.embed_id(xp.where(keep[:, None], samples, 0), W)         # (N, S + 1, D)
    wx = F.reshape(F.matmul(rows, F.expand_dims(x, 2)), samples.shape)
    dtype = as_array(x).dtype
    sign = xp.ones(samples.shape[1], dtype)
    sign[0] = -1                   # the positive class: -log sigmoid(+wx)
    loss = F.sum(F.softplus(wx * sign), axis=1) * keep.astype(dtype)
    if reduce == 'sum':
        loss = F.sum(loss)
    return (loss, samples) if return_samples else loss
