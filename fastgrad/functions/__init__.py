"""Differentiable functions (Chainer's ``chainer.functions``), one op per module.

Each group package lists its public functions in its ``__init__``; they are
all gathered here under ``F``.
"""
from fastgrad.functions.activation import *  # NOQA
from fastgrad.functions.array import *  # NOQA
from fastgrad.functions.connection import *  # NOQA
from fastgrad.functions.evaluation import *  # NOQA
from fastgrad.functions.loss import *  # NOQA
from fastgrad.functions.loss.crf1d import argmax_crf1d, crf1d  # NOQA
from fastgrad.functions.loss.negative_sampling import negative_sampling  # NOQA
from fastgrad.functions.math import *  # NOQA
from fastgrad.functions.noise import *  # NOQA
from fastgrad.functions.noise.dropout import dropout  # NOQA
from fastgrad.functions.normalization import *  # NOQA
from fastgrad.functions.pooling import *  # NOQA
from fastgrad.functions.rnn import *  # NOQA
from fastgrad.functions.util import *  # NOQA
# F.shift is the function; the package attribute fastgrad.functions.connection.shift
# stays the module, as in Chainer, whose tests call shift.shift(...) on it.
from fastgrad.functions.connection.shift import shift  # NOQA
# Likewise einsum and sparse_matmul: Chainer's tests use einsum.einsum,
# einsum.DiagEinSum and F.math.sparse_matmul.CooMatMul on the modules.
from fastgrad.functions.math.einsum import einsum  # NOQA
from fastgrad.functions.math.sparse_matmul import sparse_matmul  # NOQA
# And batch_renormalization (Chainer's tests call batch_renormalization.batch_renormalization).
from fastgrad.functions.normalization.batch_renormalization import (  # NOQA
    batch_renormalization, fixed_batch_renormalization)
# And lstm / slstm (Chainer's tests use lstm.LSTMGrad and slstm.SLSTMGrad).
from fastgrad.functions.rnn.lstm import lstm  # NOQA
from fastgrad.functions.rnn.slstm import slstm  # NOQA
# The convolution family likewise: F.<name> is the function and
# fastgrad.functions.connection.<name> stays its module (Chainer's tests reach
# the op classes there, e.g. connection.deconvolution_nd.DeconvolutionND).
from fastgrad.functions.connection.convolution_2d import convolution_2d  # NOQA
from fastgrad.functions.connection.deconvolution_2d import deconvolution_2d  # NOQA
from fastgrad.functions.connection.convolution_nd import convolution_1d  # NOQA
from fastgrad.functions.connection.convolution_nd import convolution_3d  # NOQA
from fastgrad.functions.connection.convolution_nd import convolution_nd  # NOQA
from fastgrad.functions.connection.deconvolution_nd import deconvolution_1d  # NOQA
from fastgrad.functions.connection.deconvolution_nd import deconvolution_3d  # NOQA
from fastgrad.functions.connection.deconvolution_nd import deconvolution_nd  # NOQA
from fastgrad.functions.connection.depthwise_convolution_2d import depthwise_convolution_2d  # NOQA
from fastgrad.functions.connection.dilated_convolution_2d import dilated_convolution_2d  # NOQA
from fastgrad.functions.connection.local_convolution_2d import local_convolution_2d  # NOQA
from fastgrad.functions.connection.deformable_convolution_2d_sampler import deformable_convolution_2d_sampler  # NOQA
