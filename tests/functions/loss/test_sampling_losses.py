"""F.negative_sampling, F.black_out, utils.WalkerAlias and the links
L.NegativeSampling / L.BlackOut: values against plain NumPy loops on fixed
samples, gradients (numerical, double backward), ignore label, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils import WalkerAlias
from fastgrad.utils.type_check import InvalidType


def _fixed(samples):
    def sampler(shape):
        assert shape == samples.shape
        return samples.copy()
    return sampler


def _ns_data(seed=0, n=4, d=3, v=6, s=3):
    rng = numpy.random.RandomState(seed)
    x = rng.uniform(-1, 1, (n, d))
    W = rng.uniform(-1, 1, (v, d))
    t = rng.randint(0, v, n).astype(numpy.int32)
    samples = rng.randint(0, v, (n, s + 1)).astype(numpy.int32)
    return x, t, W, samples


def _ns_ref(x, t, W, samples):
    loss = numpy.zeros(len(x))
    for i in range(len(x)):
        if t[i] == -1:
            continue
        f = W[[t[i]] + list(samples[i, 1:])] @ x[i]
        f[0] *= -1
        loss[i] = numpy.logaddexp(f, 0).sum()
    return loss


@pytest.mark.parametrize('reduce', ['sum', 'no'])
def test_negative_sampling_values(reduce):
    x, t, W, samples = _ns_data()
    t[1] = -1
    y, got = F.negative_sampling(x, t, W, _fixed(samples), 3, reduce=reduce,
                                 return_samples=True)
    assert got.dtype == numpy.int32 and got.shape == samples.shape
    numpy.testing.assert_array_equal(got[:, 0], t)
    numpy.testing.assert_array_equal(got[:, 1:], samples[:, 1:])
    expect = _ns_ref(x, t, W, samples)
    numpy.testing.assert_allclose(y.array, expect.sum() if reduce == 'sum' else expect,
                                  rtol=1e-12)
    y2 = F.negative_sampling(x, t, W, _fixed(samples), 3, reduce=reduce)
    numpy.testing.assert_array_equal(y.array, y2.array)


@pytest.mark.parametrize('reduce', ['sum', 'no'])
def test_negative_sampling_gradients(reduce):
    x, t, W, samples = _ns_data(1)
    t[0] = -1
    rng = numpy.random.RandomState(2)
    gy = numpy.asarray(rng.randn(*([] if reduce == 'sum' else [len(t)])))

    def f(x, W):
        return F.negative_sampling(x, t, W, _fixed(samples), 3, reduce=reduce)
    check_backward(f, (x, W), gy)
    check_double_backward(f, (x, W), gy, (rng.randn(*x.shape), rng.randn(*W.shape)))
    xv = fastgrad.Variable(x)
    F.sum(f(xv, W)).backward()
    assert (xv.grad[0] == 0).all()         # the ignored example


@pytest.mark.parametrize('dtype,tol', [(numpy.float16, 1e-2), (numpy.float32, 1e-5)])
def test_negative_sampling_dtypes(dtype, tol):
    x, t, W, samples = _ns_data(3)
    y = F.negative_sampling(x.astype(dtype), t, W.astype(dtype), _fixed(samples), 3)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(float(y.array), _ns_ref(x, t, W, samples).sum(), rtol=tol)


def test_negative_sampling_errors():
    x, t, W, samples = _ns_data()
    s = _fixed(samples)
    with pytest.raises(ValueError, match="negative_sampling: only 'sum' and 'no'"):
        F.negative_sampling(x, t, W, s, 3, reduce='mean')
    with pytest.raises(ValueError, match='negative_sampling: labels'):
        F.negative_sampling(x, numpy.array([0, 6, 1, 1], numpy.int32), W, s, 3)
    bad = samples.copy()
    bad[2, 2] = 9
    with pytest.raises(ValueError, match='negative_sampling: the sampler must return'):
        F.negative_sampling(x, t, W, _fixed(bad), 3)
    with pytest.raises(InvalidType, match='negative_sampling'):
        F.negative_sampling(x, t.astype(numpy.int64), W, s, 3)
    with pytest.raises(InvalidType, match='negative_sampling'):
        F.negative_sampling(x, t, W[:, :2], s, 3)
    with pytest.raises(InvalidType, match='negative_sampling'):
        F.negative_sampling(x, t[:3], W, s, 3)


def _bo_ref(x, t, W, samples):
    loss = []
    for i in range(len(x)):
        pos = W[t[i]] @ x[i]
        neg = W[samples[i]] @ x[i]
        logz = numpy.logaddexp.reduce(numpy.concatenate([[pos], neg]))
        loss.append(-(pos - logz + numpy.log(1 - numpy.exp(neg - logz)).sum()))
    return numpy.array(loss)


@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_black_out_values_and_gradients(reduce):
    x, t, W, samples = _ns_data(4)
    samples = samples[:, 1:]
    y = F.black_out(x, t, W, samples, reduce=reduce)
    expect = _bo_ref(x, t, W, samples)
    numpy.testing.assert_allclose(y.array, expect.mean() if reduce == 'mean' else expect,
                                  rtol=1e-12)
    rng = numpy.random.RandomState(5)
    gy = numpy.asarray(rng.randn(*y.shape))

    def f(x, W):
        return F.black_out(x, t, W, samples, reduce=reduce)
    check_backward(f, (x, W), gy)
    check_double_backward(f, (x, W), gy, (rng.randn(*x.shape), rng.randn(*W.shape)))


def test_black_out_errors():
    x, t, W, samples = _ns_data()
    with pytest.raises(ValueError, match="black_out: only 'mean' and 'no'"):
        F.black_out(x, t, W, samples, reduce='sum')
    with pytest.raises(ValueError, match='black_out: samples must satisfy'):
        F.black_out(x, t, W, samples + 6)
    with pytest.raises(ValueError, match='black_out: t must satisfy'):
        F.black_out(x, t - 7, W, samples)
    with pytest.raises(InvalidType, match='black_out'):
        F.black_out(x, t, W[:, :2], samples)
    with pytest.raises(InvalidType, match='black_out'):
        F.black_out(x, t, W, samples[:2])


def test_walker_alias_distribution():
    p = numpy.array([5, 0, 3, 0.5, 1.5])
    sampler = WalkerAlias(p)
    numpy.random.seed(0)
    s = sampler.sample((400, 500))
    assert s.dtype == numpy.int32 and s.shape == (400, 500)
    freq = numpy.bincount(s.ravel(), minlength=5) / s.size
    numpy.testing.assert_allclose(freq, p / p.sum(), atol=3e-3)
    assert freq[1] == 0 and not sampler.use_gpu


def test_walker_alias_errors():
    for probs in ([], [1, -1], [0, 0], [1, numpy.nan]):
        with pytest.raises(ValueError, match='WalkerAlias'):
            WalkerAlias(probs)


def test_negative_sampling_link():
    link = L.NegativeSampling(3, [10, 5, 2, 5, 2, 1], 2)
    assert link.W.shape == (6, 3) and link.W.dtype == numpy.float32
    assert (link.W.array == 0).all()
    link.W.array[:] = numpy.random.RandomState(0).uniform(-1, 1, (6, 3))
    x = numpy.random.RandomState(1).uniform(-1, 1, (4, 3)).astype(numpy.float32)
    t = numpy.array([0, 2, -1, 5], numpy.int32)
    y, samples = link(x, t, return_samples=True)
    assert samples.shape == (4, 3)
    expect = _ns_ref(x.astype(float), t, link.W.array.astype(float), samples)
    numpy.testing.assert_allclose(float(y.array), expect.sum(), rtol=1e-5)
    y = link(x, t, reduce='no')
    assert y.shape == (4,)
    link.cleargrads()
    F.sum(y).backward()
    assert link.W.grad.shape == (6, 3)


def test_black_out_link():
    link = L.BlackOut(3, [4, 3, 2, 1], 2)
    assert link.W.shape == (4, 3)
    link.W.array[:] = numpy.random.RandomState(0).uniform(-1, 1, (4, 3))
    x = numpy.random.RandomState(1).uniform(-1, 1, (5, 3)).astype(numpy.float32)
    t = numpy.array([0, 1, 2, 3, 0], numpy.int32)
    link.sample_data = numpy.random.RandomState(2).randint(0, 4, (5, 2)).astype(numpy.int32)
    y = link(x, t)
    expect = _bo_ref(x.astype(float), t, link.W.array.astype(float), link.sample_data).mean()
    numpy.testing.assert_allclose(float(y.array), expect, rtol=1e-5)
    link.sample_data = None
    assert numpy.isfinite(link(x, t).array)
