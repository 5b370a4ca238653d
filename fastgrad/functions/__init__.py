"""Differentiable functions (Chainer's ``chainer.functions``), one op per module."""
from fastgrad.functions.activation.relu import relu  # NOQA
from fastgrad.functions.array.broadcast import broadcast_to, sum_to  # NOQA
from fastgrad.functions.array.cast import cast  # NOQA
from fastgrad.functions.array.reshape import reshape  # NOQA
from fastgrad.functions.array.transpose import transpose  # NOQA
from fastgrad.functions.connection.linear import linear  # NOQA
from fastgrad.functions.math.basic_math import (  # NOQA
    absolute, add, div, floordiv, neg, mul, pow, rdiv, rfloordiv, rpow, rsub, sub)
from fastgrad.functions.math.exponential import exp, log  # NOQA
from fastgrad.functions.math.sum import sum  # NOQA
