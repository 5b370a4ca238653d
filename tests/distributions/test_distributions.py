"""Distributions against scipy.stats in float64: log_prob, cdf, icdf,
mean, variance, entropy; KL divergences against numerical integration (or
sums); gradients of log_prob and KL w.r.t. the parameters; sample moments."""
import numpy
import pytest
from scipy import integrate, stats

import fastgrad
import fastgrad.distributions as D
import fastgrad.functions as F
from fastgrad.gradient_check import check_backward

R = numpy.random.RandomState(0)
A = numpy.array([0.7, 1.5, 3.0])            # positive parameters, batch of 3
B = numpy.array([1.2, 0.8, 2.5])
LOC = numpy.array([-0.5, 0.0, 1.5])


def _f64(v):
    return numpy.asarray(v.array if hasattr(v, 'array') else v, numpy.float64)


# name, factory(params...), params, scipy frozen, points, what to compare
CONT = [
    ('normal', lambda m, s: D.Normal(m, s), (LOC, A), stats.norm(LOC, A),
     numpy.array([0.3, -1.0, 2.0]), 'lp cdf icdf mean var ent'),
    ('normal_logscale', lambda m, s: D.Normal(m, log_scale=F.log(s)), (LOC, A),
     stats.norm(LOC, A), numpy.array([0.3, -1.0, 2.0]), 'lp mean var ent'),
    ('lognormal', lambda m, s: D.LogNormal(m, s), (LOC, A / 3),
     stats.lognorm(A / 3, scale=numpy.exp(LOC)), numpy.array([0.5, 1.0, 4.0]),
     'lp mean var ent'),
    ('exponential', lambda l: D.Exponential(l), (A,), stats.expon(scale=1 / A),
     numpy.array([0.2, 1.0, 0.4]), 'lp cdf icdf mean var ent'),
    ('gamma', lambda k, t: D.Gamma(k, t), (A, B), stats.gamma(A, scale=B),
     numpy.array([0.5, 1.0, 6.0]), 'lp mean var ent'),
    ('chisquare', lambda k: D.Chisquare(k), (A * 2,), stats.chi2(A * 2),
     numpy.array([0.5, 1.0, 6.0]), 'lp mean var ent'),
    ('beta', lambda a, b: D.Beta(a, b), (A, B), stats.beta(A, B),
     numpy.array([0.3, 0.5, 0.9]), 'lp mean var ent'),
    ('cauchy', lambda m, s: D.Cauchy(m, s), (LOC, A), stats.cauchy(LOC, A),
     numpy.array([0.3, -1.0, 2.0]), 'lp cdf icdf ent'),
    ('gumbel', lambda m, s: D.Gumbel(m, s), (LOC, A), stats.gumbel_r(LOC, A),
     numpy.array([0.3, -1.0, 2.0]), 'lp cdf icdf mean var ent'),
    ('laplace', lambda m, s: D.Laplace(m, s), (LOC, A), stats.laplace(LOC, A),
     numpy.array([0.3, -1.0, 2.0]), 'lp cdf icdf mean var ent'),
    ('pareto', lambda s, a: D.Pareto(s, a), (A, B + 2), stats.pareto(B + 2, scale=A),
     numpy.array([1.0, 2.0, 3.5]), 'lp mean var ent'),
    ('uniform', lambda lo, hi: D.Uniform(low=lo, high=hi), (LOC, LOC + A),
     stats.uniform(LOC, A), numpy.array([0.0, 0.5, 2.0]), 'lp cdf icdf mean var ent'),
]


@pytest.mark.parametrize('name,make,params,ref,x,what', CONT, ids=[c[0] for c in CONT])
def test_continuous_against_scipy(name, make, params, ref, x, what):
    d = make(*params)
    assert d.batch_shape == (3,) and d.event_shape == ()
    checks = {'lp': (lambda: d.log_prob(x), lambda: ref.logpdf(x)),
              'cdf': (lambda: d.cdf(x), lambda: ref.cdf(x)),
              'icdf': (lambda: d.icdf(numpy.array([0.1, 0.5, 0.8])),
                       lambda: ref.ppf([0.1, 0.5, 0.8])),
              'mean': (lambda: d.mean, ref.mean),
              'var': (lambda: d.variance, ref.var),
              'ent': (lambda: d.entropy, ref.entropy)}
    for key in what.split():
        got, want = checks[key]
        numpy.testing.assert_allclose(_f64(got()), want(), rtol=1e-10, atol=1e-12,
                                      err_msg=key)
    numpy.testing.assert_allclose(_f64(d.prob(x)), numpy.exp(ref.logpdf(x)), rtol=1e-10)


@pytest.mark.parametrize('name,make,params,ref,x,what', CONT, ids=[c[0] for c in CONT])
def test_log_prob_gradient(name, make, params, ref, x, what):
    def f(*ps):
        return make(*ps).log_prob(x)
    check_backward(f, tuple(p.copy() for p in params), R.randn(3))


@pytest.mark.parametrize('name,make,params,ref,x,what', CONT, ids=[c[0] for c in CONT])
def test_sample_moments(name, make, params, ref, x, what):
    if name == 'cauchy':
        pytest.skip('the Cauchy distribution has no mean')
    numpy.random.seed(1)
    s = make(*params).sample((20000,))
    assert s.shape == (20000, 3)
    sem = numpy.sqrt(ref.var() / 20000)
    assert numpy.all(numpy.abs(_f64(s).mean(0) - ref.mean()) < 6 * sem + 1e-3)


def test_reparameterized_samples_carry_gradients():
    m = fastgrad.Variable(LOC.copy())
    s = fastgrad.Variable(A.copy())
    numpy.random.seed(0)
    F.sum(D.Normal(m, s).sample(5)).backward()
    numpy.testing.assert_allclose(m.grad, [5, 5, 5])
    assert s.grad is not None and numpy.all(numpy.isfinite(s.grad))


DISCRETE = [
    ('bernoulli', D.Bernoulli(numpy.array([0.2, 0.5, 0.9])), stats.bernoulli([0.2, 0.5, 0.9]),
     numpy.array([1, 0, 1])),
    ('bernoulli_logit', D.Bernoulli(logit=numpy.array([-1.0, 0.0, 2.0])),
     stats.bernoulli(1 / (1 + numpy.exp(-numpy.array([-1.0, 0.0, 2.0])))),
     numpy.array([0, 1, 1])),
    ('geometric', D.Geometric(numpy.array([0.2, 0.5, 0.9])), stats.geom([0.2, 0.5, 0.9]),
     numpy.array([3, 1, 2])),
    ('poisson', D.Poisson(A), stats.poisson(A), numpy.array([0, 2, 5])),
]


@pytest.mark.parametrize('name,d,ref,x', DISCRETE, ids=[c[0] for c in DISCRETE])
def test_discrete_against_scipy(name, d, ref, x):
    numpy.testing.assert_allclose(_f64(d.log_prob(x)), ref.logpmf(x), rtol=1e-10)
    numpy.testing.assert_allclose(_f64(d.mean), ref.mean(), rtol=1e-10)
    numpy.testing.assert_allclose(_f64(d.variance), ref.var(), rtol=1e-10)
    if name != 'poisson':
        numpy.testing.assert_allclose(_f64(d.entropy), ref.entropy(), rtol=1e-10)
    numpy.random.seed(2)
    s = _f64(d.sample(20000))
    assert numpy.all(numpy.abs(s.mean(0) - ref.mean()) < 6 * numpy.sqrt(ref.var() / 20000))


def test_bernoulli_edge_cases():
    d = D.Bernoulli(numpy.array([0.0, 1.0]))
    numpy.testing.assert_array_equal(_f64(d.log_prob(numpy.array([0, 1]))), [0, 0])
    numpy.testing.assert_array_equal(_f64(d.log_prob(numpy.array([1, 0]))), [-numpy.inf] * 2)
    checked = D.Bernoulli(numpy.array([0.3]), binary_check=True)
    assert _f64(checked.log_prob(numpy.array([0.5])))[0] == -numpy.inf


def test_categorical_and_one_hot():
    p = numpy.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])
    c = D.Categorical(p)
    x = numpy.array([[2, 0], [1, 1]])
    numpy.testing.assert_allclose(_f64(c.log_prob(x)), numpy.log(p[[0, 1], x]))
    numpy.testing.assert_allclose(_f64(c.entropy), [stats.entropy(r) for r in p])
    lc = D.Categorical(logit=numpy.log(p) + 3.0)
    numpy.testing.assert_allclose(_f64(lc.log_prob(x)), numpy.log(p[[0, 1], x]))
    numpy.random.seed(3)
    s = _f64(c.sample(30000))
    numpy.testing.assert_allclose([(s[:, 0] == k).mean() for k in range(3)], p[0], atol=0.02)
    oh = D.OneHotCategorical(p)
    assert oh.event_shape == (3,) and oh.batch_shape == (2,)
    numpy.testing.assert_allclose(_f64(oh.log_prob(numpy.eye(3)[[2, 0]])), numpy.log([0.3, 0.5]))
    draws = _f64(oh.sample(10))
    assert draws.shape == (10, 2, 3) and (draws.sum(-1) == 1).all()


def test_dirichlet_against_scipy():
    alpha = numpy.array([[0.8, 1.5, 3.0], [2.0, 2.0, 0.5]])
    d = D.Dirichlet(alpha)
    x = numpy.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    for i in range(2):
        ref = stats.dirichlet(alpha[i])
        numpy.testing.assert_allclose(_f64(d.log_prob(x))[i], ref.logpdf(x[i]), rtol=1e-10)
        numpy.testing.assert_allclose(_f64(d.mean)[i], ref.mean(), rtol=1e-10)
        numpy.testing.assert_allclose(_f64(d.variance)[i], ref.var(), rtol=1e-10)
        numpy.testing.assert_allclose(_f64(d.entropy)[i], ref.entropy(), rtol=1e-10)
    assert d.sample(4).shape == (4, 2, 3)
    check_backward(lambda a: D.Dirichlet(a).log_prob(x), alpha.copy(), R.randn(2))


def test_multivariate_normal_against_scipy():
    L = numpy.array([[[1.5, 0, 0], [0.3, 0.8, 0], [-0.2, 0.4, 1.1]],
                     [[0.7, 0, 0], [0.1, 1.2, 0], [0.5, -0.3, 0.9]]])
    loc = numpy.array([[0.0, 1.0, -1.0], [0.5, 0.5, 0.5]])
    d = D.MultivariateNormal(loc, scale_tril=L)
    x = numpy.array([[0.3, 0.2, -0.5], [1.0, 0.0, 0.2]])
    for i in range(2):
        ref = stats.multivariate_normal(loc[i], L[i] @ L[i].T)
        numpy.testing.assert_allclose(_f64(d.log_prob(x))[i], ref.logpdf(x[i]), rtol=1e-10)
        numpy.testing.assert_allclose(_f64(d.entropy)[i], ref.entropy(), rtol=1e-10)
        numpy.testing.assert_allclose(_f64(d.covariance)[i], L[i] @ L[i].T, rtol=1e-12)
    check_backward(lambda m, l: D.MultivariateNormal(m, scale_tril=l).log_prob(x),
                   (loc.copy(), L.copy()), R.randn(2))
    numpy.random.seed(4)
    s = _f64(d.sample(20000))
    numpy.testing.assert_allclose(numpy.cov(s[:, 0].T), L[0] @ L[0].T, atol=0.08)


def _kl_integral(p_ref, q_ref, lo, hi):
    def integrand(t):
        lp = p_ref.logpdf(t)
        return numpy.exp(lp) * (lp - q_ref.logpdf(t)) if numpy.isfinite(lp) else 0.0
    return integrate.quad(integrand, lo, hi, limit=200)[0]


KL_CONT = [
    ('normal', D.Normal(0.3, 1.2), D.Normal(-0.5, 0.7), stats.norm(0.3, 1.2),
     stats.norm(-0.5, 0.7), -15, 15),
    ('lognormal', D.LogNormal(0.1, 0.5), D.LogNormal(0.4, 0.8),
     stats.lognorm(0.5, scale=numpy.exp(0.1)), stats.lognorm(0.8, scale=numpy.exp(0.4)),
     0, 60),
    ('exponential', D.Exponential(1.3), D.Exponential(0.6), stats.expon(scale=1 / 1.3),
     stats.expon(scale=1 / 0.6), 0, 60),
    ('gamma', D.Gamma(2.0, 1.5), D.Gamma(3.0, 0.7), stats.gamma(2.0, scale=1.5),
     stats.gamma(3.0, scale=0.7), 0, 80),
    ('beta', D.Beta(2.0, 3.0), D.Beta(1.5, 1.2), stats.beta(2.0, 3.0), stats.beta(1.5, 1.2),
     0, 1),
    ('gumbel', D.Gumbel(0.2, 1.1), D.Gumbel(-0.3, 0.8), stats.gumbel_r(0.2, 1.1),
     stats.gumbel_r(-0.3, 0.8), -15, 40),
    ('laplace', D.Laplace(0.2, 1.1), D.Laplace(-0.3, 0.8), stats.laplace(0.2, 1.1),
     stats.laplace(-0.3, 0.8), -40, 40),
    ('pareto', D.Pareto(2.0, 3.0), D.Pareto(1.5, 2.0), stats.pareto(3.0, scale=2.0),
     stats.pareto(2.0, scale=1.5), 2.0, numpy.inf),
    ('uniform', D.Uniform(low=0.0, high=1.0), D.Uniform(loc=-1.0, scale=3.0),
     stats.uniform(0, 1), stats.uniform(-1, 3), 0, 1),
]


@pytest.mark.parametrize('name,p,q,pr,qr,lo,hi', KL_CONT, ids=[c[0] for c in KL_CONT])
def test_kl_against_integration(name, p, q, pr, qr, lo, hi):
    # Python-float parameters become float32 (config.dtype), as in Chainer.
    kl = float(fastgrad.kl_divergence(p, q).array)
    numpy.testing.assert_allclose(kl, _kl_integral(pr, qr, lo, hi), rtol=2e-6, atol=1e-7)
    ce = float(fastgrad.cross_entropy(p, q).array)
    numpy.testing.assert_allclose(ce, kl + float(numpy.asarray(p.entropy.array)), rtol=1e-6)


def test_kl_discrete_and_structured():
    for p, q, pr, qr, support in [
            (D.Bernoulli(0.3), D.Bernoulli(0.8), stats.bernoulli(0.3), stats.bernoulli(0.8),
             numpy.arange(2)),
            (D.Geometric(0.3), D.Geometric(0.6), stats.geom(0.3), stats.geom(0.6),
             numpy.arange(1, 400)),
            (D.Poisson(2.0), D.Poisson(3.5), stats.poisson(2.0), stats.poisson(3.5),
             numpy.arange(0, 100))]:
        want = numpy.sum(pr.pmf(support) * (pr.logpmf(support) - qr.logpmf(support)))
        numpy.testing.assert_allclose(float(fastgrad.kl_divergence(p, q).array), want,
                                      rtol=2e-6)
    p, q = numpy.array([0.2, 0.5, 0.3]), numpy.array([0.4, 0.4, 0.2])
    want = numpy.sum(p * numpy.log(p / q))
    for cls in (D.Categorical, D.OneHotCategorical):
        numpy.testing.assert_allclose(float(fastgrad.kl_divergence(cls(p), cls(q)).array),
                                      want, rtol=1e-12)
    a, b = numpy.array([1.5, 2.0, 0.7]), numpy.array([1.0, 1.0, 1.0])
    numpy.random.seed(5)
    xs = numpy.random.dirichlet(a, 200000)
    mc = numpy.mean(stats.dirichlet(a).logpdf(xs.T) - stats.dirichlet(b).logpdf(xs.T))
    numpy.testing.assert_allclose(
        float(fastgrad.kl_divergence(D.Dirichlet(a), D.Dirichlet(b)).array), mc, rtol=0.02)
    L1 = numpy.array([[1.0, 0.0], [0.5, 0.8]])
    L2 = numpy.array([[1.5, 0.0], [-0.2, 0.6]])
    m1, m2 = numpy.array([0.0, 1.0]), numpy.array([0.5, -0.5])
    S1, S2 = L1 @ L1.T, L2 @ L2.T
    S2i = numpy.linalg.inv(S2)
    want = 0.5 * (numpy.trace(S2i @ S1) + (m2 - m1) @ S2i @ (m2 - m1) - 2
                  + numpy.log(numpy.linalg.det(S2) / numpy.linalg.det(S1)))
    got = fastgrad.kl_divergence(D.MultivariateNormal(m1, scale_tril=L1),
                                 D.MultivariateNormal(m2, scale_tril=L2))
    numpy.testing.assert_allclose(float(got.array), want, rtol=1e-12)


def test_kl_gradient():
    check_backward(lambda m, s: fastgrad.kl_divergence(D.Normal(m, s), D.Normal(LOC * 0, A)),
                   (LOC.copy(), B.copy()), R.randn(3))
    check_backward(lambda k, t: fastgrad.kl_divergence(D.Gamma(k, t), D.Gamma(B, A)),
                   (A.copy(), B.copy()), R.randn(3))


def test_independent():
    base = D.Normal(numpy.zeros((4, 3)), numpy.ones((4, 3)))
    ind = D.Independent(base)
    assert ind.batch_shape == (4,) and ind.event_shape == (3,)
    x = R.randn(4, 3)
    numpy.testing.assert_allclose(_f64(ind.log_prob(x)), stats.norm.logpdf(x).sum(-1))
    numpy.testing.assert_allclose(_f64(ind.entropy), [3 * stats.norm.entropy()] * 4)
    other = D.Independent(D.Normal(numpy.ones((4, 3)), numpy.ones((4, 3))))
    numpy.testing.assert_allclose(_f64(fastgrad.kl_divergence(ind, other)), [1.5] * 4)
    assert ind.sample(2).shape == (2, 4, 3)
    with pytest.raises(ValueError, match='reinterpreted_batch_ndims'):
        D.Independent(base, 3)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match='scale'):
        D.Normal(0.0)
    with pytest.raises(ValueError, match='logit'):
        D.Bernoulli()
    with pytest.raises(NotImplementedError, match='Cauchy.*Cauchy'):
        fastgrad.kl_divergence(D.Cauchy(0.0, 1.0), D.Cauchy(1.0, 1.0))
    with pytest.raises(NotImplementedError, match='Chisquare does not define cdf'):
        D.Chisquare(2.0).cdf(1.0)


def test_register_kl_custom_pair():
    class Mine(D.Normal):
        pass

    @fastgrad.register_kl(Mine, Mine)
    def kl(p, q):
        return p.loc - q.loc
    assert float(fastgrad.kl_divergence(Mine(2.0, 1.0), Mine(0.5, 1.0)).array) == 1.5
