from fastgrad.functions.math.average import average, mean  # NOQA
from fastgrad.functions.math.basic_math import (  # NOQA
    absolute, add, div, floordiv, neg, mul, pow, rdiv, rfloordiv, rpow, rsub, sub)
from fastgrad.functions.math.batch_l2_norm_squared import batch_l2_norm_squared  # NOQA
from fastgrad.functions.math.batch_matmul import batch_matmul  # NOQA
from fastgrad.functions.math.clip import clip  # NOQA
from fastgrad.functions.math.cumsum import cumsum  # NOQA
from fastgrad.functions.math.exponential import exp, log  # NOQA
from fastgrad.functions.math.exponential_m1 import expm1  # NOQA
from fastgrad.functions.math.identity import identity  # NOQA
from fastgrad.functions.math.logarithm import log10, log2  # NOQA
from fastgrad.functions.math.logarithm_1p import log1p  # NOQA
from fastgrad.functions.math.logsumexp import logsumexp  # NOQA
from fastgrad.functions.math.matmul import matmul, rmatmul  # NOQA
from fastgrad.functions.math.maximum import maximum  # NOQA
from fastgrad.functions.math.minimum import minimum  # NOQA
from fastgrad.functions.math.minmax import argmax, argmin, max, min  # NOQA
from fastgrad.functions.math.prod import prod  # NOQA
from fastgrad.functions.math.rsqrt import rsqrt  # NOQA
from fastgrad.functions.math.sqrt import sqrt  # NOQA
from fastgrad.functions.math.square import square  # NOQA
from fastgrad.functions.math.sum import sum  # NOQA
from fastgrad.functions.math.trigonometric import (  # NOQA
    arccos, arcsin, arctan, cos, sin, tan)
from fastgrad.functions.math.special import (  # NOQA
    digamma, erf, erfc, erfcinv, erfcx, erfinv, lgamma, log_ndtr, ndtr, ndtri,
    polygamma, zeta)
from fastgrad.functions.math.affine import bias, linear_interpolate, scale  # NOQA
from fastgrad.functions.math.hyperbolic import arctanh, cosh, sinh  # NOQA
from fastgrad.functions.math.rounding import ceil, fix, floor, fmod, sign  # NOQA
from fastgrad.functions.math.trigonometric import arctan2  # NOQA
from fastgrad.functions.math.cumprod import cumprod  # NOQA
from fastgrad.functions.math.cholesky import cholesky  # NOQA
from fastgrad.functions.math.det import batch_det, det  # NOQA
from fastgrad.functions.math.fft import fft, ifft  # NOQA
from fastgrad.functions.math.inv import batch_inv, inv  # NOQA
from fastgrad.functions.math.tensordot import tensordot  # NOQA
