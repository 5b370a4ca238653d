"""Optimizers (Chainer 7's ``chainer.optimizers``): one module per method."""
from fastgrad.optimizers.ada_delta import AdaDelta  # NOQA
from fastgrad.optimizers.ada_grad import AdaGrad  # NOQA
from fastgrad.optimizers.adam import AdaBound  # NOQA
from fastgrad.optimizers.adam import Adam  # NOQA
from fastgrad.optimizers.adam import AdamW  # NOQA
from fastgrad.optimizers.adam import AMSBound  # NOQA
from fastgrad.optimizers.adam import AMSGrad  # NOQA
from fastgrad.optimizers.corrected_momentum_sgd import CorrectedMomentumSGD  # NOQA
from fastgrad.optimizers.momentum_sgd import MomentumSGD  # NOQA
from fastgrad.optimizers.msvag import MSVAG  # NOQA
from fastgrad.optimizers.nesterov_ag import NesterovAG  # NOQA
from fastgrad.optimizers.rmsprop import RMSprop  # NOQA
from fastgrad.optimizers.rmsprop_graves import RMSpropGraves  # NOQA
from fastgrad.optimizers.sgd import SGD  # NOQA
from fastgrad.optimizers.smorms3 import SMORMS3  # NOQA
