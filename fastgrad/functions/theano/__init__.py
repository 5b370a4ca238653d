"""Chainer's bridge to Theano (``chainer.functions.theano``): not supported,
see :mod:`fastgrad.functions.theano.theano_function`."""
