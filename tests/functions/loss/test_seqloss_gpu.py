"""The sequence and sampling losses on CuPy arrays give what they give on
NumPy (forward and gradients); skipped without CuPy and a CUDA device."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L

pytestmark = pytest.mark.gpu


def _both(fn, arrays, consts=()):
    """fn's output and input gradients with NumPy and with CuPy inputs."""
    import cupy
    out = []
    for xp_in in (lambda a: a, cupy.asarray):
        vs = [fastgrad.Variable(xp_in(a.copy())) for a in arrays]
        y = fn(*vs, *[xp_in(c) for c in consts])
        F.sum(y).backward()
        out.append([cupy.asnumpy(y.array)] + [cupy.asnumpy(v.grad) for v in vs])
    for a, b in zip(*out):
        numpy.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_crf1d_and_argmax():
    rng = numpy.random.RandomState(0)
    cost, xs = rng.randn(3, 3), [rng.randn(b, 3) for b in (3, 2, 2, 1)]
    ys = [rng.randint(0, 3, len(x)).astype(numpy.int32) for x in xs]
    _both(lambda cost, *rest: F.crf1d(cost, list(rest[:4]), list(rest[4:]), reduce='no'),
          [cost] + xs, ys)
    _both(lambda cost, *xs: F.argmax_crf1d(cost, list(xs))[0], [cost] + xs)


def test_ctc():
    rng = numpy.random.RandomState(1)
    x = rng.randn(6, 3, 5)
    t = numpy.array([[1, 2, 2], [3, 4, 0], [4, 4, 1]], numpy.int32)
    il = numpy.array([6, 5, 6], numpy.int32)
    ll = numpy.array([3, 2, 2], numpy.int32)
    _both(lambda *a: F.connectionist_temporal_classification(
        list(a[:6]), a[6], 0, a[7], a[8], reduce='no'), list(x), (t, il, ll))


def test_sampling_losses_and_walker_alias():
    import cupy
    rng = numpy.random.RandomState(2)
    x, W = rng.randn(4, 3), rng.randn(6, 3)
    t = numpy.array([1, -1, 5, 0], numpy.int32)
    samples = rng.randint(0, 6, (4, 3)).astype(numpy.int32)
    _both(lambda x, W, t: F.negative_sampling(
        x, t, W, lambda shape: cupy.asarray(samples) if isinstance(t, cupy.ndarray)
        else samples.copy(), 2, reduce='no'), [x, W], (t,))
    t = numpy.array([1, 2, 5, 0], numpy.int32)
    _both(lambda x, W, t, s: F.black_out(x, t, W, s, reduce='no'), [x, W], (t, samples))
    sampler = fastgrad.utils.WalkerAlias([3, 1, 0, 2]).to_device('@cupy:0')
    s = sampler.sample((1000,))
    assert isinstance(s, cupy.ndarray) and int((s == 2).sum()) == 0


def test_links_move_to_gpu():
    import cupy
    link = L.BinaryHierarchicalSoftmax(3, ((0, 1), ((2, 3), 4)))
    x = numpy.random.RandomState(3).uniform(-1, 1, (2, 3)).astype(numpy.float32)
    t = numpy.array([0, 3], numpy.int32)
    cpu = float(link(x, t).array)
    link.to_device('@cupy:0')
    assert isinstance(link._func.paths, cupy.ndarray)
    numpy.testing.assert_allclose(float(link(cupy.asarray(x), cupy.asarray(t)).array), cpu,
                                  rtol=1e-5)
    ns = L.NegativeSampling(3, [3, 2, 1], 2).to_device('@cupy:0')
    assert isinstance(ns.sampler.threshold, cupy.ndarray)


def test_discriminative_loss():
    rng = numpy.random.RandomState(4)
    emb = rng.randn(2, 3, 4, 4)
    labels = rng.randint(0, 4, (2, 4, 4)).astype(numpy.int32)
    _both(lambda e, lab: F.stack(F.discriminative_margin_based_clustering_loss(
        e, lab, 0.3, 1.0, 3, norm=2)), [emb], (labels,))
