from fastgrad.functions.connection.bilinear import bilinear  # NOQA
from fastgrad.functions.connection.embed_id import embed_id  # NOQA
from fastgrad.functions.connection.linear import linear  # NOQA
