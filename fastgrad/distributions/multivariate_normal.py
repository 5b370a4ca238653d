"""``chainer.distributions.multivariate_normal``: the multivariate normal
distribution and the differentiable inverse of a triangular matrix."""
from fastgrad.distributions.normal import (  # NOQA
    MultivariateNormal, _triangular_inv)
