"""F.discriminative_margin_based_clustering_loss: the three terms against a
NumPy loop over instances and pixels, gradients, errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

LOSS = F.discriminative_margin_based_clustering_loss


def _norm(v, p):
    return numpy.abs(v).sum() if p == 1 else numpy.sqrt((v ** 2).sum())


def _ref(emb, labels, dv, dd, n, p, alpha, beta, gamma):
    batch = emb.shape[0]
    means = numpy.zeros((n, batch, emb.shape[1]))
    for c in range(n):
        for b in range(batch):
            m = labels[b] == c + 1
            if m.any():
                means[c, b] = emb[b][:, m].mean(axis=1)
    reg = sum(_norm(means[c], p) for c in range(n)) / (n * batch)
    var = 0.0
    for c in range(n):
        total, count = 0.0, 0
        for b in range(batch):
            for h, w in zip(*numpy.nonzero(labels[b] == c + 1)):
                total += max(_norm(means[c, b] - emb[b, :, h, w], p) - dv, 0) ** 2
                count += 1
        var += total / max(count, 1)
    var /= n
    dist, pairs = 0.0, 0
    for a in range(n):
        for c in range(a + 1, n):
            dist += sum(max(2 * dd - _norm(means[a, b] - means[c, b], p), 0) ** 2
                        for b in range(batch))
            pairs += 1
    dist /= max(pairs * batch, 1)
    return alpha * var, beta * dist, gamma * reg


def _data(seed, batch, n, hw=4, absent=False):
    rng = numpy.random.RandomState(seed)
    emb = rng.randn(batch, n, hw, hw)
    labels = rng.randint(0, n + 1, (batch, hw, hw)).astype(numpy.int32)
    if absent:
        labels[labels == n] = 0          # instance n is in no image
    return emb, labels


@pytest.mark.parametrize('norm', [1, 2])
@pytest.mark.parametrize('batch,n,absent', [(3, 3, False), (2, 4, True), (5, 2, False)])
def test_matches_loops(norm, batch, n, absent):
    emb, labels = _data(batch * 10 + n, batch, n, absent=absent)
    args = (0.4, 0.8, n, norm, 1.0, 0.7, 0.01)
    got = LOSS(emb, labels, *args)
    want = _ref(emb, labels, *args)
    assert len(got) == 3
    for g, w in zip(got, want):
        assert g.shape == () and g.dtype == numpy.float64
        numpy.testing.assert_allclose(g.array, w, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize('norm', [1, 2])
def test_gradients(norm):
    emb, labels = _data(7, 2, 3, absent=True)
    rng = numpy.random.RandomState(8)

    def f(e):
        var, dist, reg = LOSS(e, labels, 0.2, 1.5, 3, norm=norm, gamma=0.5)
        return var + 2 * dist + 3 * reg
    gy = numpy.asarray(rng.randn())
    check_backward(f, (emb,), gy)
    check_double_backward(f, (emb,), gy, (rng.randn(*emb.shape),))


def test_chainer_example_values():
    """The numbers of Chainer's own test (linspace inputs, B = C = 5)."""
    shape = (5, 5, 10, 10)
    emb = numpy.linspace(0, 100, numpy.prod(shape)).reshape(shape)
    labels = numpy.linspace(0, 10, 500).astype(numpy.int32).reshape(5, 10, 10)
    var, dist, reg = LOSS(emb, labels, 0.5, 5, 5, 1, 1, 1, 0.001)
    numpy.testing.assert_allclose([var.array, dist.array, reg.array],
                                  [6.0776708, 64.0, 0.03419368], rtol=1e-6)


def test_errors():
    emb, labels = _data(0, 2, 3)
    with pytest.raises(ValueError, match='norm can only be 1 or 2'):
        LOSS(emb, labels, 0.5, 1.5, 3, norm=3)
    with pytest.raises(ValueError, match='max_embedding_dim must be positive'):
        LOSS(emb, labels, 0.5, 1.5, 0)
    with pytest.raises(InvalidType, match='discriminative_margin_based_clustering_loss'):
        LOSS(emb, labels, 0.5, 1.5, 4)
    with pytest.raises(InvalidType, match='labels.shape'):
        LOSS(emb, labels[:, :3], 0.5, 1.5, 3)
