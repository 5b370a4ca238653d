"""activation links (exports listed here are gathered into fastgrad.links)."""
from fastgrad.links.activation.maxout import Maxout  # NOQA
from fastgrad.links.activation.prelu import PReLU  # NOQA
from fastgrad.links.activation.simplified_dropconnect import SimplifiedDropconnect  # NOQA
from fastgrad.links.activation.swish import Swish  # NOQA
