"""Optimizer hooks (Chainer 7's ``chainer.optimizer_hooks``).

Each hook has ``name`` and ``timing`` ('pre' or 'post') class attributes;
those with ``call_for_each_param = True`` are called as ``hook(rule, param)``
for every parameter, the others as ``hook(optimizer)``.
"""
from fastgrad.optimizer_hooks.gradient_clipping import GradientClipping  # NOQA
from fastgrad.optimizer_hooks.gradient_hard_clipping import GradientHardClipping  # NOQA
from fastgrad.optimizer_hooks.gradient_lars import GradientLARS  # NOQA
from fastgrad.optimizer_hooks.gradient_noise import GradientNoise  # NOQA
from fastgrad.optimizer_hooks.lasso import Lasso  # NOQA
from fastgrad.optimizer_hooks.weight_decay import WeightDecay  # NOQA
