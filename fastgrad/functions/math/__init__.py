from fastgrad.functions.math.average import average, mean  # NOQA
from fastgrad.functions.math.basic_math import (  # NOQA
    absolute, add, div, floordiv, neg, mul, pow, rdiv, rfloordiv, rpow, rsub, sub)
from fastgrad.functions.math.exponential import exp, log  # NOQA
from fastgrad.functions.math.matmul import matmul, rmatmul  # NOQA
from fastgrad.functions.math.sum import sum  # NOQA
