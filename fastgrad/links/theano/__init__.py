"""Chainer's ``chainer.links.theano``: not supported (see
:class:`fastgrad.links.TheanoFunction`)."""
