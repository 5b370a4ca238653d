"""pooling functions (exports listed here are gathered into fastgrad.functions)."""
from fastgrad.functions.pooling.average_pooling_2d import average_pooling_2d  # NOQA
from fastgrad.functions.pooling.average_pooling_nd import (  # NOQA
    average_pooling_1d, average_pooling_3d, average_pooling_nd)
from fastgrad.functions.pooling.max_pooling_2d import max_pooling_2d  # NOQA
from fastgrad.functions.pooling.max_pooling_nd import (  # NOQA
    max_pooling_1d, max_pooling_3d, max_pooling_nd)
from fastgrad.functions.pooling.unpooling_2d import unpooling_2d  # NOQA
from fastgrad.functions.pooling.unpooling_nd import (  # NOQA
    unpooling_1d, unpooling_3d, unpooling_nd)
from fastgrad.functions.pooling.upsampling_2d import upsampling_2d  # NOQA
