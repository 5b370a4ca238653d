"""Bad input to the newer functions gets an error naming the function."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad.utils.type_check import InvalidType


def test_errors():
    x = numpy.zeros((2, 3, 4, 4))
    with pytest.raises(ValueError, match='depth2space.*multiple'):
        F.depth2space(x, 2)
    with pytest.raises(ValueError, match='space2depth.*multiples'):
        F.space2depth(x, 3)
    with pytest.raises(ValueError, match='triplet'):
        F.triplet(numpy.zeros((2, 3)), numpy.zeros((2, 3)), numpy.zeros((2, 3)), reduce='sum')
    with pytest.raises(InvalidType, match='SquaredError'):
        F.squared_error(numpy.zeros(3), numpy.zeros(4))
    with pytest.raises(ValueError, match='scale: y.shape'):
        F.scale(numpy.zeros((2, 3)), numpy.zeros(4))
    with pytest.raises(NotImplementedError, match='sample_weight'):
        F.r2_score(numpy.zeros(3), numpy.zeros(3), sample_weight=numpy.ones(3))
    with pytest.raises(InvalidType, match='fmod'):
        F.fmod(numpy.zeros(3), numpy.ones(3, numpy.float32))
    with pytest.raises(ValueError, match='diagonal'):
        F.diagonal(numpy.zeros(3))
    with pytest.raises(ValueError, match='fliplr'):
        F.fliplr(numpy.zeros(3))


def test_rounding_has_no_gradient():
    y = F.floor(numpy.array([1.5, -1.5]))
    assert y.creator is None and y.requires_grad is False
    assert y.array.tolist() == [1.0, -2.0]
