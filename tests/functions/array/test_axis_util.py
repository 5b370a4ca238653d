"""The one axis helper of the ops (functions/_util/axis.py) and the array
namespace's split/separate it backs."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.recipe import NUMPY_OPS
from fastgrad.utils.type_check import InvalidType


def test_normalize():
    assert _axis.normalize('Op', -1, 3) == 2
    assert _axis.normalize('Op', 3, 3, extra=1) == 3
    assert _axis.normalize_axes('Op', (0, -1), 2) == (0, 1)
    with pytest.raises(InvalidType, match='Op'):
        _axis.normalize('Op', 3, 3)
    with pytest.raises(InvalidType, match='Op'):
        _axis.normalize_axes('Op', (0, -4), 3)


def test_int_tuple():
    assert _axis.int_tuple('f', 'a', 2) == (2,)
    assert _axis.int_tuple('f', 'a', [1, numpy.int64(2)]) == (1, 2)
    assert _axis.int_tuple('f', 'a', numpy.array([2, 0])) == (2, 0)
    for bad in (0.5, True, (1, 0.5), 'ab', numpy.array([0.5])):
        with pytest.raises(TypeError, match='f: a'):
            _axis.int_tuple('f', 'a', bad)


def test_inverse_permutation():
    perm = (2, 0, 3, 1)
    x = numpy.zeros((2, 3, 4, 5))
    assert x.transpose(perm).transpose(_axis.inverse_permutation(perm)).shape == x.shape


@pytest.mark.parametrize('points', [[], [2], [1, 1, 4], [-3, -1], [0, 5]])
@pytest.mark.parametrize('axis', [0, 1, -1])
def test_split_axis_on_arrays_is_numpy_split(points, axis):
    x = numpy.arange(5 * 5 * 5.0).reshape(5, 5, 5)
    got = NUMPY_OPS.split_axis(x, points, axis)
    want = numpy.split(x, points, axis)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        numpy.testing.assert_array_equal(g, w)


@pytest.mark.parametrize('axis', [0, 1, -1, -3])
def test_separate_on_arrays(axis):
    x = numpy.arange(24.0).reshape(2, 3, 4)
    got = NUMPY_OPS.separate(x, axis)
    want = F.separate(x, axis)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        numpy.testing.assert_array_equal(g, w.array)


def test_diagonal_axes_out_of_range_are_invalid_type():
    with pytest.raises(InvalidType, match='Diagonal'):
        F.diagonal(numpy.zeros((2, 3, 4)), 0, 0, 3)
    with pytest.raises(ValueError, match='distinct'):
        F.diagonal(numpy.zeros((2, 3, 4)), 0, 1, -2)


def test_transpose_takes_an_index_array():
    x = numpy.zeros((2, 3, 4))
    assert F.transpose(x, numpy.array([2, 0, 1])).shape == (4, 2, 3)


def test_split_points_cut_a_concatenation_back():
    sizes = [2, 0, 3, 1]
    x = numpy.arange(6.0)
    pieces = numpy.split(x, _axis.split_points(sizes))
    assert [len(p) for p in pieces] == sizes
    assert _axis.split_points([4]) == []
