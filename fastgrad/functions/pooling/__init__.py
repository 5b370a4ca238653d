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
from fastgrad.functions.pooling.roi_pooling import (  # NOQA
    roi_average_align_2d, roi_average_pooling_2d, roi_max_align_2d, roi_max_pooling_2d,
    roi_pooling_2d)
from fastgrad.functions.pooling.spatial_pyramid_pooling_2d import (  # NOQA
    spatial_pyramid_pooling_2d)
