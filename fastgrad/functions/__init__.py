"""Differentiable functions (Chainer's ``chainer.functions``), one op per module.

Every public function is imported here from its module, so ``F.relu`` is the
function while ``fastgrad.functions.activation.relu`` stays the module, as in
Chainer, whose code and tests reach op classes there (``...relu.ReLU``).
"""
# activation
from fastgrad.functions.activation.clipped_relu import clipped_relu  # NOQA
from fastgrad.functions.activation.crelu import crelu, relu6  # NOQA
from fastgrad.functions.activation.elu import elu  # NOQA
from fastgrad.functions.activation.gelu import gelu  # NOQA
from fastgrad.functions.activation.hard_sigmoid import hard_sigmoid  # NOQA
from fastgrad.functions.activation.leaky_relu import leaky_relu  # NOQA
from fastgrad.functions.activation.log_softmax import log_softmax  # NOQA
from fastgrad.functions.activation.maxout import maxout  # NOQA
from fastgrad.functions.activation.prelu import prelu  # NOQA
from fastgrad.functions.activation.relu import relu  # NOQA
from fastgrad.functions.activation.rrelu import rrelu  # NOQA
from fastgrad.functions.activation.selu import selu  # NOQA
from fastgrad.functions.activation.sigmoid import sigmoid  # NOQA
from fastgrad.functions.activation.softmax import softmax  # NOQA
from fastgrad.functions.activation.softplus import softplus  # NOQA
from fastgrad.functions.activation.swish import swish  # NOQA
from fastgrad.functions.activation.tanh import tanh  # NOQA
# array
from fastgrad.functions.array.as_strided import as_strided  # NOQA
from fastgrad.functions.array.broadcast import broadcast_to, sum_to  # NOQA
from fastgrad.functions.array.broadcast_args import broadcast  # NOQA
from fastgrad.functions.array.cast import cast  # NOQA
from fastgrad.functions.array.concat import concat  # NOQA
from fastgrad.functions.array.copy import copy  # NOQA
from fastgrad.functions.array.diagonal import diagonal  # NOQA
from fastgrad.functions.array.expand_dims import expand_dims  # NOQA
from fastgrad.functions.array.flatten import flatten  # NOQA
from fastgrad.functions.array.flip import flip  # NOQA
from fastgrad.functions.array.get_item import get_item  # NOQA
from fastgrad.functions.array.hstack import hstack  # NOQA
from fastgrad.functions.array.im2col import im2col  # NOQA
from fastgrad.functions.array.moveaxis import moveaxis  # NOQA
from fastgrad.functions.array.pad import pad  # NOQA
from fastgrad.functions.array.pad_sequence import pad_sequence  # NOQA
from fastgrad.functions.array.permutate import permutate  # NOQA
from fastgrad.functions.array.rearrange import (  # NOQA
    depth2space, dstack, fliplr, flipud, space2depth)
from fastgrad.functions.array.repeat import repeat  # NOQA
from fastgrad.functions.array.reshape import reshape  # NOQA
from fastgrad.functions.array.resize_images import resize_images  # NOQA
from fastgrad.functions.array.rollaxis import rollaxis  # NOQA
from fastgrad.functions.array.scatter_add import scatter_add  # NOQA
from fastgrad.functions.array.select_item import select_item  # NOQA
from fastgrad.functions.array.separate import separate  # NOQA
from fastgrad.functions.array.spatial_transformer import (  # NOQA
    spatial_transformer_grid, spatial_transformer_sampler)
from fastgrad.functions.array.split_axis import split_axis  # NOQA
from fastgrad.functions.array.squeeze import squeeze  # NOQA
from fastgrad.functions.array.stack import stack  # NOQA
from fastgrad.functions.array.swapaxes import swapaxes  # NOQA
from fastgrad.functions.array.tile import tile  # NOQA
from fastgrad.functions.array.transpose import transpose  # NOQA
from fastgrad.functions.array.transpose_sequence import transpose_sequence  # NOQA
from fastgrad.functions.array.vstack import vstack  # NOQA
from fastgrad.functions.array.where import where  # NOQA
# connection
from fastgrad.functions.connection.bilinear import bilinear  # NOQA
from fastgrad.functions.connection.convolution_2d import convolution_2d  # NOQA
from fastgrad.functions.connection.convolution_nd import (  # NOQA
    convolution_1d, convolution_3d, convolution_nd)
from fastgrad.functions.connection.deconvolution_2d import deconvolution_2d  # NOQA
from fastgrad.functions.connection.deconvolution_nd import (  # NOQA
    deconvolution_1d, deconvolution_3d, deconvolution_nd)
from fastgrad.functions.connection.deformable_convolution_2d_sampler import (  # NOQA
    deformable_convolution_2d_sampler)
from fastgrad.functions.connection.depthwise_convolution_2d import depthwise_convolution_2d  # NOQA
from fastgrad.functions.connection.dilated_convolution_2d import dilated_convolution_2d  # NOQA
from fastgrad.functions.connection.embed_id import embed_id  # NOQA
from fastgrad.functions.connection.linear import linear  # NOQA
from fastgrad.functions.connection.local_convolution_2d import local_convolution_2d  # NOQA
from fastgrad.functions.connection.shift import shift  # NOQA
# evaluation
from fastgrad.functions.evaluation.accuracy import accuracy  # NOQA
from fastgrad.functions.evaluation.binary_accuracy import binary_accuracy  # NOQA
from fastgrad.functions.evaluation.classification_summary import (  # NOQA
    classification_summary, f1_score, fbeta_score, precision, r2_score, recall)
# loss
from fastgrad.functions.loss.bernoulli_nll import bernoulli_nll  # NOQA
from fastgrad.functions.loss.black_out import black_out  # NOQA
from fastgrad.functions.loss.contrastive import contrastive  # NOQA
from fastgrad.functions.loss.crf1d import argmax_crf1d, crf1d  # NOQA
from fastgrad.functions.loss.ctc import connectionist_temporal_classification  # NOQA
from fastgrad.functions.loss.discriminative_loss import (  # NOQA
    discriminative_margin_based_clustering_loss)
from fastgrad.functions.loss.gaussian_kl_divergence import gaussian_kl_divergence  # NOQA
from fastgrad.functions.loss.gaussian_nll import gaussian_nll  # NOQA
from fastgrad.functions.loss.hinge import hinge  # NOQA
from fastgrad.functions.loss.huber_loss import huber_loss  # NOQA
from fastgrad.functions.loss.mean_absolute_error import mean_absolute_error  # NOQA
from fastgrad.functions.loss.mean_squared_error import mean_squared_error  # NOQA
from fastgrad.functions.loss.negative_sampling import negative_sampling  # NOQA
from fastgrad.functions.loss.pairwise import (  # NOQA
    absolute_error, cross_covariance, decov, squared_difference, squared_error, triplet)
from fastgrad.functions.loss.sigmoid_cross_entropy import sigmoid_cross_entropy  # NOQA
from fastgrad.functions.loss.softmax_cross_entropy import softmax_cross_entropy  # NOQA
# math
from fastgrad.functions.math.affine import bias, linear_interpolate, scale  # NOQA
from fastgrad.functions.math.average import average, mean  # NOQA
from fastgrad.functions.math.basic_math import (  # NOQA
    absolute, add, div, floordiv, mul, neg, pow, rdiv, rfloordiv, rpow, rsub, sub)
from fastgrad.functions.math.batch_l2_norm_squared import batch_l2_norm_squared  # NOQA
from fastgrad.functions.math.batch_matmul import batch_matmul  # NOQA
from fastgrad.functions.math.cholesky import cholesky  # NOQA
from fastgrad.functions.math.clip import clip  # NOQA
from fastgrad.functions.math.cumprod import cumprod  # NOQA
from fastgrad.functions.math.cumsum import cumsum  # NOQA
from fastgrad.functions.math.det import batch_det, det  # NOQA
from fastgrad.functions.math.einsum import einsum  # NOQA
from fastgrad.functions.math.exponential import exp, log  # NOQA
from fastgrad.functions.math.exponential_m1 import expm1  # NOQA
from fastgrad.functions.math.fft import fft, ifft  # NOQA
from fastgrad.functions.math.hyperbolic import arctanh, cosh, sinh  # NOQA
from fastgrad.functions.math.identity import identity  # NOQA
from fastgrad.functions.math.inv import batch_inv, inv  # NOQA
from fastgrad.functions.math.logarithm import log10, log2  # NOQA
from fastgrad.functions.math.logarithm_1p import log1p  # NOQA
from fastgrad.functions.math.logsumexp import logsumexp  # NOQA
from fastgrad.functions.math.matmul import matmul, rmatmul  # NOQA
from fastgrad.functions.math.maximum import maximum  # NOQA
from fastgrad.functions.math.minimum import minimum  # NOQA
from fastgrad.functions.math.minmax import argmax, argmin, max, min  # NOQA
from fastgrad.functions.math.prod import prod  # NOQA
from fastgrad.functions.math.rounding import ceil, fix, floor, fmod, sign  # NOQA
from fastgrad.functions.math.rsqrt import rsqrt  # NOQA
from fastgrad.functions.math.sparse_matmul import sparse_matmul  # NOQA
from fastgrad.functions.math.special import (  # NOQA
    digamma, erf, erfc, erfcinv, erfcx, erfinv, lgamma, log_ndtr, ndtr, ndtri, polygamma,
    zeta)
from fastgrad.functions.math.sqrt import sqrt  # NOQA
from fastgrad.functions.math.square import square  # NOQA
from fastgrad.functions.math.sum import sum  # NOQA
from fastgrad.functions.math.tensordot import tensordot  # NOQA
from fastgrad.functions.math.trigonometric import (  # NOQA
    arccos, arcsin, arctan, arctan2, cos, sin, tan)
# noise
from fastgrad.functions.noise.dropout import dropout  # NOQA
from fastgrad.functions.noise.gaussian import gaussian  # NOQA
from fastgrad.functions.noise.masked import gumbel_softmax  # NOQA
from fastgrad.functions.noise.simplified_dropconnect import simplified_dropconnect  # NOQA
from fastgrad.functions.noise.zoneout import zoneout  # NOQA
# normalization
from fastgrad.functions.normalization.batch_normalization import batch_normalization  # NOQA
from fastgrad.functions.normalization.batch_renormalization import (  # NOQA
    batch_renormalization, fixed_batch_renormalization)
from fastgrad.functions.normalization.decorrelated_batch_normalization import (  # NOQA
    decorrelated_batch_normalization, fixed_decorrelated_batch_normalization)
from fastgrad.functions.normalization.fixed_batch_normalization import (  # NOQA
    fixed_batch_normalization)
from fastgrad.functions.normalization.group_normalization import group_normalization  # NOQA
from fastgrad.functions.normalization.l2_normalization import normalize  # NOQA
from fastgrad.functions.normalization.layer_normalization import layer_normalization  # NOQA
from fastgrad.functions.normalization.local_response_normalization import (  # NOQA
    local_response_normalization)
# pooling
from fastgrad.functions.pooling.average_pooling_2d import average_pooling_2d  # NOQA
from fastgrad.functions.pooling.average_pooling_nd import (  # NOQA
    average_pooling_1d, average_pooling_3d, average_pooling_nd)
from fastgrad.functions.pooling.max_pooling_2d import max_pooling_2d  # NOQA
from fastgrad.functions.pooling.max_pooling_nd import (  # NOQA
    max_pooling_1d, max_pooling_3d, max_pooling_nd)
from fastgrad.functions.pooling.roi_pooling import (  # NOQA
    roi_average_align_2d, roi_average_pooling_2d, roi_max_align_2d, roi_max_pooling_2d,
    roi_pooling_2d)
from fastgrad.functions.pooling.spatial_pyramid_pooling_2d import (  # NOQA
    spatial_pyramid_pooling_2d)
from fastgrad.functions.pooling.unpooling_2d import unpooling_2d  # NOQA
from fastgrad.functions.pooling.unpooling_nd import (  # NOQA
    unpooling_1d, unpooling_3d, unpooling_nd)
from fastgrad.functions.pooling.upsampling_2d import upsampling_2d  # NOQA
# rnn
from fastgrad.functions.rnn.lstm import lstm  # NOQA
from fastgrad.functions.rnn.n_step_gru import n_step_bigru, n_step_gru  # NOQA
from fastgrad.functions.rnn.n_step_lstm import n_step_bilstm, n_step_lstm  # NOQA
from fastgrad.functions.rnn.n_step_rnn import n_step_birnn, n_step_rnn  # NOQA
from fastgrad.functions.rnn.slstm import slstm  # NOQA
from fastgrad.functions.rnn.tree_lstm import tree_lstm  # NOQA
# util
from fastgrad.functions.util.forget import forget  # NOQA
