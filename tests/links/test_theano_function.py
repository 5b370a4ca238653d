"""Theano is not supported: Chainer's bridge raises a clear error, not an
ImportError from deep inside."""
import pytest

import fastgrad.links as L
from fastgrad.functions.theano import theano_function


def test_link_says_why():
    with pytest.raises(RuntimeError, match='TheanoFunction: Theano is not supported.*2017'):
        L.TheanoFunction(inputs=[], outputs=[])


def test_function_and_class_say_why():
    with pytest.raises(RuntimeError, match='theano_function: Theano is not supported'):
        theano_function.theano_function(None, None)
    with pytest.raises(RuntimeError, match='TheanoFunction: Theano is not supported'):
        theano_function.TheanoFunction(None, None)
