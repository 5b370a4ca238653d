"""connection links (exports listed here are gathered into fastgrad.links)."""
from fastgrad.links.connection.bias import Bias  # NOQA
from fastgrad.links.connection.bilinear import Bilinear  # NOQA
from fastgrad.links.connection.convolution_2d import Convolution2D  # NOQA
from fastgrad.links.connection.deconvolution_2d import Deconvolution2D  # NOQA
from fastgrad.links.connection.embed_id import EmbedID  # NOQA
from fastgrad.links.connection.highway import Highway  # NOQA
from fastgrad.links.connection.linear import Linear  # NOQA
from fastgrad.links.connection.parameter import Parameter  # NOQA
from fastgrad.links.connection.scale import Scale  # NOQA
