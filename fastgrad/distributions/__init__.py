"""Probability distributions (``chainer.distributions``): log-densities,
moments, entropies, CDFs and samples as differentiable Variables, and KL
divergences between the registered pairs (``fastgrad.kl_divergence``)."""
from fastgrad.distributions.discrete import (  # NOQA
    Bernoulli, Categorical, Geometric, OneHotCategorical, Poisson)
from fastgrad.distributions.gamma import (  # NOQA
    Beta, Chisquare, Dirichlet, Exponential, Gamma)
from fastgrad.distributions.independent import Independent  # NOQA
from fastgrad.distributions.location_scale import (  # NOQA
    Cauchy, Gumbel, Laplace, Pareto, Uniform)
from fastgrad.distributions.normal import (  # NOQA
    LogNormal, MultivariateNormal, Normal)
from fastgrad.distributions import utils  # NOQA
# Chainer's module layout, for chainer.distributions.<module>.<name>
from fastgrad.distributions import bernoulli, laplace, multivariate_normal  # NOQA
