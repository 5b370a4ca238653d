"""Sequence and sampling losses compared with Chainer 7.8.1 (crf1d,
argmax_crf1d, connectionist_temporal_classification, black_out,
negative_sampling, discriminative_margin_based_clustering_loss).
Same format as cases.py; the sampling losses get fixed samples (a sampler
that returns a stored array) so both libraries see the same negatives."""
import numpy


def _rng(seed):
    return numpy.random.RandomState(seed)


def _crf_data(seed, batches, k):
    rng = _rng(seed)
    cost = rng.randn(k, k)
    xs = [rng.randn(b, k) for b in batches]
    ys = [rng.randint(0, k, b).astype(numpy.int32) for b in batches]
    return [cost] + xs + ys


def _crf(F, n_steps, reduce):
    def fn(cost, *rest):
        return F.crf1d(cost, list(rest[:n_steps]), list(rest[n_steps:]), reduce=reduce)
    return fn


def _argmax_crf(F, n_steps):
    def fn(cost, *xs):
        score, _ = F.argmax_crf1d(cost, list(xs))
        return score
    return fn


def cases(F):
    c = {}
    for name, batches, reduce in [('crf1d_mean', (3, 3, 2, 1), 'mean'),
                                  ('crf1d_no', (4, 2, 2), 'no')]:
        data = _crf_data(len(name), batches, 3)
        c[name] = (_crf(F, len(batches), reduce), data, 1 + len(batches))
    # one step: cost is unused (Chainer gives it no gradient), so it is a constant
    cost, x, y = _crf_data(12, (2,), 3)
    c['crf1d_one_step'] = (lambda x, cost, y: F.crf1d(cost, [x], [y], reduce='no'),
                           [x, cost, y], 1)
    data = _crf_data(11, (3, 2, 2, 1), 4)[:5]
    # max is piecewise linear: its second derivative is zero almost everywhere
    c['argmax_crf1d_score'] = (_argmax_crf(F, 4), data, 5, {'double_backward': False})
    rng = _rng(20)
    x = rng.randn(6, 3, 5)
    t = numpy.array([[1, 2, 2], [3, 4, 0], [4, 4, 1]], numpy.int32)
    il = numpy.array([6, 5, 6], numpy.int32)
    ll = numpy.array([3, 2, 2], numpy.int32)
    for reduce in ('mean', 'no'):
        # Chainer's CTC has no double backprop
        c['ctc_' + reduce] = (
            lambda x, t, il, ll, reduce=reduce: F.connectionist_temporal_classification(
                list(F.separate(x, 0)), t, 0, il, ll, reduce=reduce),
            [x, t, il, ll], 1, {'double_backward': False, 'rtol': 1e-10})
    c['ctc_blank_last'] = (
        lambda x, t: F.connectionist_temporal_classification(list(F.separate(x, 0)), t, 4),
        [rng.randn(4, 2, 5), numpy.array([[1, 2], [3, 3]], numpy.int32)], 1,
        {'double_backward': False, 'rtol': 1e-10})
    rng = _rng(30)
    x, W = rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, (7, 3))
    t = numpy.array([3, -1, 0, 6], numpy.int32)
    samples = rng.randint(0, 7, (4, 3)).astype(numpy.int32)

    def sampler(shape):
        return samples.copy()
    for reduce in ('sum', 'no'):
        c['negative_sampling_' + reduce] = (
            lambda x, W, t, reduce=reduce: F.negative_sampling(x, t, W, sampler, 2,
                                                                reduce=reduce),
            [x, W, t], 2, {'rtol': 1e-10})
    rng = _rng(31)
    x, W = rng.uniform(-1, 1, (5, 4)), rng.uniform(-1, 1, (8, 4))
    t = rng.randint(0, 8, 5).astype(numpy.int32)
    neg = rng.randint(0, 8, (5, 3)).astype(numpy.int32)
    for reduce in ('mean', 'no'):
        c['black_out_' + reduce] = (
            lambda x, W, t, neg, reduce=reduce: F.black_out(x, t, W, neg, reduce=reduce),
            [x, W, t, neg], 2, {'rtol': 1e-10})
    # norm=1 only: Chainer's norm-2 gradient is NaN (sqrt at the zeros of the
    # masked distances); batch == max_embedding_dim (Chainer's broadcast works only then)
    rng = _rng(40)
    emb = rng.randn(3, 3, 4, 4)
    labels = numpy.stack([rng.permutation(numpy.arange(16) % 4).reshape(4, 4)
                          for _ in range(3)]).astype(numpy.int32)
    for norm in (1,):
        c['discriminative_loss_norm{}'.format(norm)] = (
            lambda e, lab, norm=norm: _combine(
                F.discriminative_margin_based_clustering_loss(
                    e, lab, 0.3, 1.0, 3, norm=norm, alpha=1.0, beta=0.5, gamma=0.1)),
            [emb, labels], 1, {'rtol': 1e-10})
    return c


def _combine(terms):
    var, dist, reg = terms
    return var + 2 * dist + 3 * reg
