"""noise functions (exports listed here are gathered into fastgrad.functions)."""
# dropout stays a module here, as in Chainer (its tests build
# functions.noise.dropout.Dropout); fastgrad.functions imports the function by name
from fastgrad.functions.noise import dropout  # NOQA
from fastgrad.functions.noise.gaussian import gaussian  # NOQA
from fastgrad.functions.noise.masked import gumbel_softmax  # NOQA
from fastgrad.functions.noise.simplified_dropconnect import simplified_dropconnect  # NOQA
from fastgrad.functions.noise.zoneout import zoneout  # NOQA
