from fastgrad.functions.connection.bilinear import bilinear  # NOQA
from fastgrad.functions.connection.convolution_2d import convolution_2d  # NOQA
from fastgrad.functions.connection.deconvolution_2d import deconvolution_2d  # NOQA
from fastgrad.functions.connection.embed_id import embed_id  # NOQA
from fastgrad.functions.connection.linear import linear  # NOQA
