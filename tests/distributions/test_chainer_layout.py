"""Chainer's distribution helpers under Chainer's module names
(bernoulli._bernoulli_log_prob, laplace._laplace_cdf / _laplace_icdf,
multivariate_normal._triangular_inv, utils._modified_xlogx), checked in
float64 against scipy.stats / NumPy; and fixes found by Chainer's tests:
Cauchy's undefined moments, float32 samples from inverse CDFs, Poisson at a
0-d point."""
import warnings

import numpy
import pytest
from scipy import stats

import fastgrad
import fastgrad.distributions as D
from fastgrad.gradient_check import check_backward, check_double_backward

R = numpy.random.RandomState(7)


def test_chainer_module_names():
    assert D.bernoulli.Bernoulli is D.Bernoulli
    assert D.laplace.Laplace is D.Laplace
    assert D.multivariate_normal.MultivariateNormal is D.MultivariateNormal


def test_bernoulli_log_prob_function_against_scipy():
    logit = R.randn(2, 3)
    x = R.randint(0, 2, (2, 3)).astype(numpy.float64)
    got = D.bernoulli._bernoulli_log_prob(logit, x).array
    numpy.testing.assert_allclose(got, stats.bernoulli(1 / (1 + numpy.exp(-logit))).logpmf(x),
                                  rtol=1e-12)
    # d/dlogit = x - sigmoid(logit); twice differentiable
    check_backward(lambda lg: D.bernoulli._bernoulli_log_prob(lg, x), logit, R.randn(2, 3))
    check_double_backward(lambda lg: D.bernoulli._bernoulli_log_prob(lg, x), logit,
                          R.randn(2, 3), R.randn(2, 3))


def test_bernoulli_log_prob_at_infinite_logits():
    logit = fastgrad.Variable(numpy.array([numpy.inf, numpy.inf, -numpy.inf, -numpy.inf]))
    x = numpy.array([1., 0., 1., 0.])
    with numpy.errstate(divide='ignore', invalid='ignore'):
        lp = D.bernoulli._bernoulli_log_prob(logit, x)
    numpy.testing.assert_array_equal(lp.array, [0., -numpy.inf, -numpy.inf, 0.])
    fastgrad.functions.sum(lp).backward()
    numpy.testing.assert_array_equal(logit.grad, [0., 0., 0., 0.])


def test_standard_laplace_cdf_and_icdf_against_scipy():
    x = numpy.array([-3.0, -0.5, 0.0, 0.2, 4.0])
    numpy.testing.assert_allclose(D.laplace._laplace_cdf(x).array, stats.laplace.cdf(x),
                                  rtol=1e-12)
    q = numpy.array([0.02, 0.3, 0.5, 0.7, 0.98])
    numpy.testing.assert_allclose(D.laplace._laplace_icdf(q).array, stats.laplace.ppf(q),
                                  rtol=1e-12)
    check_backward(D.laplace._laplace_cdf, x[x != 0], R.randn(4))
    check_backward(D.laplace._laplace_icdf, q[q != 0.5], R.randn(4), eps=1e-6)


@pytest.mark.parametrize('lower', [True, False])
def test_triangular_inv(lower):
    a = numpy.tril(R.randn(4, 4)) + 3 * numpy.eye(4)
    if not lower:
        a = a.T
    inv = D.multivariate_normal._triangular_inv(a, lower=lower)
    numpy.testing.assert_allclose(inv.array, numpy.linalg.inv(a), rtol=1e-10, atol=1e-12)
    # only the triangle is read: its gradient is that of the full inverse
    # there and 0 outside it
    check_backward(lambda m: D.multivariate_normal._triangular_inv(m, lower=lower),
                   a, R.randn(4, 4))


def test_triangular_inv_of_a_0x0_matrix():
    inv = D.multivariate_normal._triangular_inv(numpy.zeros((0, 0)))
    assert inv.shape == (0, 0)


def test_modified_xlogx():
    x = numpy.array([0.0, 0.25, 1.0, 3.0])
    xv = fastgrad.Variable(x)
    y = D.utils._modified_xlogx(xv)
    numpy.testing.assert_allclose(y.array, [0.0, 0.25 * numpy.log(0.25), 0.0, 3 * numpy.log(3)],
                                  rtol=1e-12)
    with pytest.warns(RuntimeWarning, match='x = 0'):
        fastgrad.functions.sum(y).backward()
    numpy.testing.assert_allclose(xv.grad, [0.0, 1 + numpy.log(0.25), 1.0, 1 + numpy.log(3)],
                                  rtol=1e-12)
    pos = numpy.array([0.3, 0.8, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter('error')      # no warning away from 0
        check_backward(D.utils._modified_xlogx, pos, R.randn(3))
        check_double_backward(D.utils._modified_xlogx, pos, R.randn(3), R.randn(3))


def test_cauchy_moments_are_undefined():
    d = D.Cauchy(numpy.array([0.0, 1.0]), numpy.array([1.0, 2.0]))
    with pytest.warns(RuntimeWarning, match='mean'):
        mean = d.mean.array
    with pytest.warns(RuntimeWarning, match='variance'):
        variance = d.variance.array
    numpy.testing.assert_array_equal(mean, stats.cauchy.mean([0.0, 1.0], [1.0, 2.0]))
    numpy.testing.assert_array_equal(variance, stats.cauchy.var([0.0, 1.0], [1.0, 2.0]))
    assert numpy.isnan(variance).all()


def test_uniform_noise_stays_inside_the_open_interval():
    # float64 draws within 2**-12 of 1 (or below 2**-25) round onto the ends
    # in float16: 2**18 draws hit both ends dozens of times
    numpy.random.seed(0)
    u = D._util.uniform(numpy.zeros(1, numpy.float16), (2 ** 18,))
    assert u.dtype == numpy.float16
    assert 0 < u.min() and u.max() < 1
    s = D.Laplace(numpy.zeros(4, numpy.float16), numpy.ones(4, numpy.float16)).sample(2 ** 16)
    assert s.dtype == numpy.float16 and numpy.isfinite(s.array).all()


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_laplace_icdf_is_exact_near_both_ends(dtype):
    # u - 0.5 rounds to -0.5 in float32 for u < 2**-25: the icdf is computed
    # from log(2u) and -log(2 - 2u) instead
    tiny = numpy.nextafter(dtype(0), dtype(1))
    u = numpy.array([tiny, 1e-30, 1e-9, 0.5, 1 - 1e-7, numpy.nextafter(dtype(1), dtype(0))],
                    dtype)
    got = D.laplace._laplace_icdf(u).array
    assert got.dtype == dtype and numpy.isfinite(got).all()
    numpy.testing.assert_allclose(got, stats.laplace.ppf(u.astype(numpy.float64)), rtol=1e-6)


def test_poisson_log_prob_at_a_0d_point():
    d = D.Poisson(numpy.array(2.5, numpy.float32))
    lp = d.log_prob(numpy.array(3.0, numpy.float32))
    assert lp.shape == ()
    numpy.testing.assert_allclose(lp.array, stats.poisson(2.5).logpmf(3), rtol=1e-6)
