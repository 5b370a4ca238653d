"""``chainer.distributions.bernoulli``: the Bernoulli distribution and its
log-probability as a function of the logit."""
from fastgrad.distributions.discrete import Bernoulli, _bernoulli_log_prob  # NOQA
