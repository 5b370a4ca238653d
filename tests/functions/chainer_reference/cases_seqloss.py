"""Sequence and sampling losses compared with Chainer 7.8.1 (crf1d,
argmax_crf1d, connectionist_temporal_classification, black_out,
negative_sampling, discriminative_margin_based_clustering_loss, and the
links CRF1d, NegativeSampling, BlackOut, BinaryHierarchicalSoftmax).
Same format as cases.py; the sampling losses get fixed samples (a sampler
that returns a stored array) so both libraries see the same negatives.  The
link cases find the library's links and config next to the ``F`` they are
given (chainer.links or fastgrad.links) and copy the parameters in."""
import importlib

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
    link_cases(F, c)
    return c


def _library(F):
    top = F.__name__.split('.')[0]                   # 'chainer' or 'fastgrad'
    return importlib.import_module(top), importlib.import_module(top + '.links')


class _FixedSampler(object):
    def __init__(self, samples):
        self.samples = samples

    def sample(self, shape):
        assert shape == self.samples.shape, shape
        return self.samples.copy()


def link_cases(F, c):
    lib, L = _library(F)

    def in_float64(build):
        with lib.using_config('dtype', numpy.float64):
            return build()

    # CRF1d with transpose=True: batch-major sequences in any order
    rng = _rng(50)
    seqs = [rng.randn(n, 3) for n in (2, 4, 3)]
    labels = [rng.randint(0, 3, n).astype(numpy.int32) for n in (2, 4, 3)]
    cost = rng.randn(3, 3)

    def crf_link(x0, x1, x2, cost, y0, y1, y2):
        link = in_float64(lambda: L.CRF1d(3))
        link.cost.array[...] = cost
        return link([x0, x1, x2], [y0, y1, y2], reduce='no', transpose=True)
    c['link_crf1d_transpose'] = (crf_link, seqs + [cost] + labels, 3)

    def crf_argmax(x0, x1, x2, cost):
        link = in_float64(lambda: L.CRF1d(3))
        link.cost.array[...] = cost
        score, path = link.argmax([x0, x1, x2], transpose=True)
        flat = numpy.concatenate([numpy.asarray(p) for p in path]).astype(numpy.float64)
        # the decoded labels ride along as a constant part of the output
        return F.concat([score, flat], axis=0)
    c['link_crf1d_argmax'] = (crf_argmax, seqs + [cost], 3, {'double_backward': False})

    rng = _rng(51)
    x, W = rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, (6, 3))
    t = numpy.array([1, 5, -1, 0], numpy.int32)
    samples = rng.randint(0, 6, (4, 3)).astype(numpy.int32)

    def ns_link(x, W, t):
        link = in_float64(lambda: L.NegativeSampling(3, [4, 3, 2, 1, 1, 1], 2))
        link.W.array[...] = W
        link.sampler = _FixedSampler(samples)
        return link(x, t, reduce='no')
    c['link_negative_sampling'] = (ns_link, [x, W, t], 1)

    rng = _rng(52)
    x, W = rng.uniform(-1, 1, (5, 3)), rng.uniform(-1, 1, (6, 3))
    t = rng.randint(0, 6, 5).astype(numpy.int32)
    neg = rng.randint(0, 6, (5, 2)).astype(numpy.int32)

    def bo_link(x, W, t, neg):
        link = in_float64(lambda: L.BlackOut(3, [4, 3, 2, 1, 1, 1], 2))
        link.W.array[...] = W
        link.sample_data = neg
        return link(x, t)
    c['link_black_out'] = (bo_link, [x, W, t, neg], 1)

    rng = _rng(53)
    counts = {i: n for i, n in enumerate([9, 7, 4, 4, 2, 1, 1])}
    x = rng.uniform(-1, 1, (6, 4))
    t = numpy.array([0, 6, 3, 2, 5, 0], numpy.int32)

    def hsm_link(x, t):
        tree = L.BinaryHierarchicalSoftmax.create_huffman_tree(counts)
        link = in_float64(lambda: L.BinaryHierarchicalSoftmax(4, tree))
        link.W.array[...] = _rng(54).uniform(-1, 1, link.W.shape)
        return link(x, t)
    c['link_binary_hierarchical_softmax'] = (hsm_link, [x, t], 1)


def _combine(terms):
    var, dist, reg = terms
    return var + 2 * dist + 3 * reg
