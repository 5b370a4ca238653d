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
    return c
