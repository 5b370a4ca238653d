"""F.crf1d / F.argmax_crf1d / L.CRF1d: values against brute-force enumeration
of every label path, gradients (numerical, double backward), dtypes, errors."""
import itertools

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _data(lengths, k, seed=0, dtype=numpy.float64):
    """Time-major steps for sequences of ``lengths`` (sorted decreasing)."""
    rng = numpy.random.RandomState(seed)
    cost = rng.randn(k, k).astype(dtype)
    xs = [rng.randn(sum(n > t for n in lengths), k).astype(dtype) for t in range(lengths[0])]
    ys = [rng.randint(0, k, len(x)).astype(numpy.int32) for x in xs]
    return cost, xs, ys


def _brute(cost, xs, ys, lengths):
    """log Z - gold score, and the best path, by enumerating every path."""
    k = cost.shape[0]
    nll, best = [], []
    for b, n in enumerate(lengths):
        def score(p):
            return (sum(float(xs[t][b, p[t]]) for t in range(n))
                    + sum(float(cost[p[t], p[t + 1]]) for t in range(n - 1)))
        paths = list(itertools.product(range(k), repeat=n))
        s = numpy.array([score(p) for p in paths])
        m = s.max()
        nll.append(m + numpy.log(numpy.exp(s - m).sum()) - score([ys[t][b] for t in range(n)]))
        best.append((m, paths[int(s.argmax())]))
    return numpy.array(nll), best


@pytest.mark.parametrize('lengths', [(4, 3, 3, 1), (3, 3), (1,), (2, 1, 1)])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_crf1d_matches_enumeration(lengths, reduce):
    cost, xs, ys = _data(lengths, 3)
    nll, _ = _brute(cost, xs, ys, lengths)
    loss = F.crf1d(cost, xs, ys, reduce=reduce)
    expect = nll.mean() if reduce == 'mean' else nll
    assert loss.shape == numpy.shape(expect) and loss.dtype == numpy.float64
    numpy.testing.assert_allclose(loss.array, expect, rtol=1e-12)


@pytest.mark.parametrize('lengths', [(4, 3, 3, 1), (3, 3), (1,), (2, 2, 1)])
def test_argmax_crf1d_matches_enumeration(lengths):
    cost, xs, _ = _data(lengths, 3, seed=3)
    _, best = _brute(cost, xs, [numpy.zeros(len(x), numpy.int32) for x in xs], lengths)
    score, path = F.argmax_crf1d(cost, xs)
    numpy.testing.assert_allclose(score.array, [m for m, _ in best], rtol=1e-12)
    assert len(path) == len(xs)
    for t, p in enumerate(path):
        assert p.dtype == numpy.int32 and p.shape == xs[t].shape[:1]
        numpy.testing.assert_array_equal(p, [best[b][1][t] for b in range(len(p))])


@pytest.mark.parametrize('dtype,tol', [(numpy.float16, 5e-2), (numpy.float32, 1e-5)])
def test_crf1d_low_precision(dtype, tol):
    cost, xs, ys = _data((3, 2, 1), 3, seed=1)
    nll, _ = _brute(cost, xs, ys, (3, 2, 1))
    loss = F.crf1d(cost.astype(dtype), [x.astype(dtype) for x in xs], ys, reduce='no')
    assert loss.dtype == dtype
    numpy.testing.assert_allclose(loss.array.astype(numpy.float64), nll, rtol=tol, atol=tol)


@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_crf1d_gradients(reduce):
    lengths = (3, 2, 2, 1)
    cost, xs, ys = _data(lengths, 3, seed=2)

    def f(cost, *xs):
        return F.crf1d(cost, list(xs), ys, reduce=reduce)
    rng = numpy.random.RandomState(5)
    gy = numpy.asarray(rng.randn(*([] if reduce == 'mean' else [len(xs[0])])))
    args = (cost,) + tuple(xs)
    check_backward(f, args, gy)
    check_double_backward(f, args, gy, tuple(rng.randn(*a.shape) for a in args))


def test_crf1d_gradient_is_marginals():
    """d loss / d x[t][b, k] = P(y_t = k) - [y_t == k]: check against enumeration."""
    lengths = (3,)
    cost, xs, ys = _data(lengths, 2, seed=4)
    vs = [fastgrad.Variable(x) for x in xs]
    F.sum(F.crf1d(cost, vs, ys, reduce='no')).backward()
    paths = list(itertools.product(range(2), repeat=3))
    s = numpy.array([sum(xs[t][0, p[t]] for t in range(3)) + cost[p[0], p[1]] + cost[p[1], p[2]]
                     for p in paths])
    prob = numpy.exp(s - s.max())
    prob /= prob.sum()
    for t in range(3):
        marg = numpy.array([prob[[p[t] == k for p in paths]].sum() for k in range(2)])
        marg[ys[t][0]] -= 1
        numpy.testing.assert_allclose(vs[t].grad[0], marg, rtol=1e-10)


def test_argmax_crf1d_score_gradient():
    cost, xs, _ = _data((3, 2, 1), 3, seed=6)

    def f(cost, *xs):
        return F.argmax_crf1d(cost, list(xs))[0]
    check_backward(f, (cost,) + tuple(xs), numpy.random.RandomState(0).randn(3))


def test_crf1d_errors():
    cost, xs, ys = _data((2, 1), 3)
    with pytest.raises(ValueError, match="crf1d: only 'mean' and 'no'"):
        F.crf1d(cost, xs, ys, reduce='sum')
    with pytest.raises(ValueError, match='crf1d: len\\(ys\\)'):
        F.crf1d(cost, xs, ys[:1])
    with pytest.raises(ValueError, match='crf1d: labels must satisfy'):
        F.crf1d(cost, xs, [ys[0], numpy.array([3], numpy.int32)])
    with pytest.raises(ValueError, match='crf1d: labels must satisfy'):
        F.crf1d(cost, xs, [numpy.array([-1, 0], numpy.int32), ys[1]])
    with pytest.raises(InvalidType, match='crf1d'):
        F.crf1d(cost, xs, [ys[0], numpy.zeros(2, numpy.int32)])
    with pytest.raises(InvalidType, match='crf1d'):
        F.crf1d(cost[:2], xs, ys)
    with pytest.raises(InvalidType, match='crf1d'):
        F.crf1d(cost, [x[:, :2] for x in xs], ys)
    with pytest.raises(ValueError, match='crf1d: the batch sizes'):
        F.crf1d(cost, xs[::-1], ys[::-1])
    with pytest.raises(ValueError, match='argmax_crf1d: xs must hold'):
        F.argmax_crf1d(cost, [])
    with pytest.raises(InvalidType, match='argmax_crf1d'):
        F.argmax_crf1d(cost, [xs[0].astype(numpy.float32)])


@pytest.fixture(autouse=True)
def _float64_links():
    with fastgrad.using_config('dtype', numpy.float64):
        yield


def _batch_major(xs, ys, lengths):
    seqs = [numpy.stack([xs[t][b] for t in range(n)]) for b, n in enumerate(lengths)]
    labels = [numpy.array([ys[t][b] for t in range(n)], numpy.int32) for b, n in enumerate(lengths)]
    return seqs, labels


@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_link_transpose_matches_time_major(reduce):
    lengths = (4, 3, 3, 1)
    cost, xs, ys = _data(lengths, 3, seed=8)
    link = L.CRF1d(3, initial_cost=cost)
    assert link.cost.shape == (3, 3)
    expect = F.crf1d(cost, xs, ys, reduce=reduce).array
    numpy.testing.assert_allclose(link(xs, ys, reduce=reduce).array, expect, rtol=1e-12)
    seqs, labels = _batch_major(xs, ys, lengths)
    order = [2, 0, 3, 1]            # any order: the link sorts them
    got = link([seqs[i] for i in order], [labels[i] for i in order], reduce=reduce,
               transpose=True)
    # reduce='no' comes in the sorted order (longest first), as in Chainer
    numpy.testing.assert_allclose(numpy.sort(numpy.atleast_1d(got.array)),
                                  numpy.sort(numpy.atleast_1d(expect)), rtol=1e-12)


def test_link_argmax_transpose_returns_callers_order():
    lengths = (4, 3, 3, 1)
    cost, xs, _ = _data(lengths, 3, seed=9)
    link = L.CRF1d(3, initial_cost=cost)
    _, best = _brute(cost, xs, [numpy.zeros(len(x), numpy.int32) for x in xs], lengths)
    seqs, _ = _batch_major(xs, [numpy.zeros(len(x), numpy.int32) for x in xs], lengths)
    order = [1, 3, 0, 2]
    score, path = link.argmax([seqs[i] for i in order], transpose=True)
    for j, i in enumerate(order):
        numpy.testing.assert_array_equal(path[j], best[i][1])
    numpy.testing.assert_allclose(numpy.sort(score.array), numpy.sort([m for m, _ in best]))
    score2, path2 = link.argmax(xs)
    numpy.testing.assert_allclose(score2.array, [m for m, _ in best], rtol=1e-12)


def test_link_trains_cost():
    cost, xs, ys = _data((3, 2), 3, seed=10)
    with fastgrad.using_config('dtype', numpy.float32):
        assert L.CRF1d(3).cost.dtype == numpy.float32     # Chainer's default dtype
    link = L.CRF1d(3)
    numpy.testing.assert_array_equal(link.cost.array, 0)
    link.cleargrads()
    link(xs, ys).backward()
    assert link.cost.grad is not None and numpy.abs(link.cost.grad).sum() > 0
