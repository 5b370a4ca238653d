from fastgrad.functions.loss.mean_squared_error import mean_squared_error  # NOQA
from fastgrad.functions.loss.softmax_cross_entropy import softmax_cross_entropy  # NOQA
