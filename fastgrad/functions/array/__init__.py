from fastgrad.functions.array.broadcast import broadcast_to, sum_to  # NOQA
from fastgrad.functions.array.cast import cast  # NOQA
from fastgrad.functions.array.get_item import get_item  # NOQA
from fastgrad.functions.array.reshape import reshape  # NOQA
from fastgrad.functions.array.transpose import transpose  # NOQA
# Keep these after the broadcast import above: the package attribute
# ``broadcast`` must end up as the function, not the submodule.
from fastgrad.functions.array.broadcast_args import broadcast  # NOQA
from fastgrad.functions.array.concat import concat  # NOQA
from fastgrad.functions.array.copy import copy  # NOQA
from fastgrad.functions.array.expand_dims import expand_dims  # NOQA
from fastgrad.functions.array.flatten import flatten  # NOQA
from fastgrad.functions.array.flip import flip  # NOQA
from fastgrad.functions.array.hstack import hstack  # NOQA
from fastgrad.functions.array.moveaxis import moveaxis  # NOQA
from fastgrad.functions.array.pad import pad  # NOQA
from fastgrad.functions.array.pad_sequence import pad_sequence  # NOQA
from fastgrad.functions.array.permutate import permutate  # NOQA
from fastgrad.functions.array.repeat import repeat  # NOQA
from fastgrad.functions.array.rollaxis import rollaxis  # NOQA
from fastgrad.functions.array.select_item import select_item  # NOQA
from fastgrad.functions.array.separate import separate  # NOQA
from fastgrad.functions.array.split_axis import split_axis  # NOQA
from fastgrad.functions.array.squeeze import squeeze  # NOQA
from fastgrad.functions.array.stack import stack  # NOQA
from fastgrad.functions.array.swapaxes import swapaxes  # NOQA
from fastgrad.functions.array.tile import tile  # NOQA
from fastgrad.functions.array.transpose_sequence import transpose_sequence  # NOQA
from fastgrad.functions.array.vstack import vstack  # NOQA
from fastgrad.functions.array.where import where  # NOQA
from fastgrad.functions.array.diagonal import diagonal  # NOQA
from fastgrad.functions.array.rearrange import (  # NOQA
    depth2space, dstack, fliplr, flipud, space2depth)
from fastgrad.functions.array.im2col import im2col  # NOQA
from fastgrad.functions.array.resize_images import resize_images  # NOQA
from fastgrad.functions.array.spatial_transformer import (  # NOQA
    spatial_transformer_grid, spatial_transformer_sampler)
from fastgrad.functions.array.scatter_add import scatter_add  # NOQA
from fastgrad.functions.array.as_strided import as_strided  # NOQA
