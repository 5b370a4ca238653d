"""noise functions (exports listed here are gathered into fastgrad.functions)."""
from fastgrad.functions.noise.dropout import dropout  # NOQA
from fastgrad.functions.noise.gaussian import gaussian  # NOQA
from fastgrad.functions.noise.masked import gumbel_softmax  # NOQA
from fastgrad.functions.noise.simplified_dropconnect import simplified_dropconnect  # NOQA
from fastgrad.functions.noise.zoneout import zoneout  # NOQA
