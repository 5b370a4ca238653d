"""``chainer.distributions.laplace``: the Laplace distribution and the
standard Laplace CDF and inverse CDF as differentiable functions."""
from fastgrad.distributions.location_scale import (  # NOQA
    Laplace, _laplace_cdf, _laplace_icdf)
