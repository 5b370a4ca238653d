from fastgrad.functions.loss.mean_squared_error import mean_squared_error  # NOQA
from fastgrad.functions.loss.softmax_cross_entropy import softmax_cross_entropy  # NOQA
from fastgrad.functions.loss.bernoulli_nll import bernoulli_nll  # NOQA
from fastgrad.functions.loss.contrastive import contrastive  # NOQA
from fastgrad.functions.loss.gaussian_kl_divergence import gaussian_kl_divergence  # NOQA
from fastgrad.functions.loss.gaussian_nll import gaussian_nll  # NOQA
from fastgrad.functions.loss.hinge import hinge  # NOQA
from fastgrad.functions.loss.huber_loss import huber_loss  # NOQA
from fastgrad.functions.loss.mean_absolute_error import mean_absolute_error  # NOQA
from fastgrad.functions.loss.sigmoid_cross_entropy import sigmoid_cross_entropy  # NOQA
from fastgrad.functions.loss.pairwise import (  # NOQA
    absolute_error, cross_covariance, decov, squared_difference, squared_error, triplet)
# crf1d and negative_sampling stay modules here, as in Chainer (its tests call
# functions.loss.crf1d.argmax_crf1d); fastgrad.functions imports their functions by name
from fastgrad.functions.loss import crf1d, negative_sampling  # NOQA
from fastgrad.functions.loss.ctc import connectionist_temporal_classification  # NOQA
from fastgrad.functions.loss.black_out import black_out  # NOQA
from fastgrad.functions.loss.discriminative_loss import discriminative_margin_based_clustering_loss  # NOQA
