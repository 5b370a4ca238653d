"""Links (Chainer's ``chainer.links``): layers that own parameters.

Each group package lists its public links in its ``__init__``; they are all
gathered here under ``L``.
"""
from fastgrad.links.activation import *  # NOQA
from fastgrad.links.connection import *  # NOQA
from fastgrad.links.model import *  # NOQA
from fastgrad.links.normalization import *  # NOQA
from fastgrad.links.loss import *  # NOQA
from fastgrad.links.rnn import *  # NOQA
from fastgrad.links.theano.theano_function import TheanoFunction  # NOQA
