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
