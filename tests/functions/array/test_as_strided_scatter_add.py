"""F.as_strided and F.scatter_add: forward against NumPy, numerical
gradients and double backward in float64, bad input."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _r(*shape, seed=0):
    return numpy.asarray(numpy.random.RandomState(seed).randn(*shape))


STRIDED = [((4,), (3, 2), (1, 1), 0), ((6,), (2, 3), (3, 1), None),
           ((2, 3), (3, 2), (1, 3), 0), ((5,), (5,), (-1,), 4), ((6,), (2, 2), (0, 2), 1),
           ((8,), (3, 3), (-1, 2), 3), ((3, 4), (12,), (1,), 0), ((4,), (0, 2), (1, 1), 0)]


@pytest.mark.parametrize('xshape,shape,strides,offset', STRIDED)
def test_as_strided(xshape, shape, strides, offset):
    x = _r(*xshape)
    y = F.as_strided(x, shape, strides, offset)
    flat = x.ravel()
    start = 0 if offset is None else offset
    expect = numpy.zeros(shape)
    for idx in numpy.ndindex(*shape):
        expect[idx] = flat[start + sum(i * s for i, s in zip(idx, strides))]
    numpy.testing.assert_array_equal(y.array, expect)
    gy = _r(*shape, seed=1)
    check_backward(lambda v: F.as_strided(v, shape, strides, offset), x, gy)
    check_double_backward(lambda v: F.as_strided(v * v, shape, strides, offset), x, gy,
                          _r(*xshape, seed=2))


def test_as_strided_gradient_adds_overlaps():
    x = fastgrad.Variable(numpy.arange(4, dtype=numpy.float32))
    y = F.as_strided(x, (3, 2), (1, 1), 0)
    y.grad = numpy.ones((3, 2), numpy.float32)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [1, 2, 2, 1])


def test_as_strided_of_a_view_sees_the_owner():
    # Chainer's meaning: the memory is that of the array owning the data
    base = numpy.arange(10.)
    numpy.testing.assert_array_equal(F.as_strided(base[2:8:2], (3,), (1,)).array, [2, 3, 4])
    # an input that overlaps itself shares each position's gradient
    x = fastgrad.Variable(numpy.broadcast_to(numpy.arange(3.), (2, 3)))
    y = F.as_strided(x, (3,), (1,), 0)
    numpy.testing.assert_array_equal(y.array, [0, 1, 2])
    y.grad = numpy.array([1., 2., 4.])
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [[.5, 1, 2], [.5, 1, 2]])


@pytest.mark.parametrize('shape,strides,offset', [((4,), (1,), 0), ((2,), (-1,), 0),
                                                  ((2,), (1,), 2), ((2, 2), (2, 1), 0)])
def test_as_strided_out_of_buffer(shape, strides, offset):
    with pytest.raises(ValueError, match='as_strided: out of buffer'):
        F.as_strided(numpy.ones(3), shape, strides, offset)


def test_as_strided_bad_arguments():
    with pytest.raises(ValueError, match='as_strided: shape'):
        F.as_strided(numpy.ones(3), (3,), (1, 1))
    with pytest.raises(ValueError, match='as_strided: negative size'):
        F.as_strided(numpy.ones(3), (-1,), (1,))


def test_as_strided_int_forward_float_backward_only():
    y = F.as_strided(numpy.arange(5), (2,), (2,), 0)
    numpy.testing.assert_array_equal(y.array, [0, 2])


# -- scatter_add
SCATTER = [(([0, 2, 0],), (3, 3)), ((slice(None), 1), (4,)), ((Ellipsis, [1, 1]), (4, 2)),
           ((None, 1), (1, 3)), ((numpy.array([True, False, True, False]),), (2, 3)),
           (([0, 0], [1, 1]), (2,)), (2, (3,)), ((slice(1, 3),), (2, 3))]


@pytest.mark.parametrize('slices,bshape', SCATTER)
def test_scatter_add(slices, bshape):
    a, b = _r(4, 3), _r(*bshape, seed=1)
    a0 = a.copy()
    y = F.scatter_add(a, slices, b)
    expect = a.copy()
    key = slices
    if isinstance(key, list) and all(isinstance(s, int) for s in key):
        key = (key,)
    numpy.add.at(expect, key, b)
    numpy.testing.assert_allclose(y.array, expect, rtol=1e-12)
    numpy.testing.assert_array_equal(a, a0)
    gy = _r(4, 3, seed=2)
    check_backward(lambda p, q: F.scatter_add(p, slices, q), (a, b), gy)
    check_double_backward(lambda p, q: F.scatter_add(p * p, slices, q * q), (a, b), gy,
                          (_r(4, 3, seed=3), _r(*bshape, seed=4)))


def test_scatter_add_list_of_ints_is_one_index():
    y = F.scatter_add(numpy.zeros(3), [0, 0, 2], numpy.ones(3))
    numpy.testing.assert_array_equal(y.array, [2, 0, 1])


def test_scatter_add_errors():
    with pytest.raises(ValueError, match='scatter_add: b.shape must equal a'):
        F.scatter_add(numpy.zeros((4, 3)), 0, numpy.ones((4, 3)))
    with pytest.raises(ValueError, match='scatter_add: only one Ellipsis'):
        F.scatter_add(numpy.zeros((4, 3)), (Ellipsis, Ellipsis), numpy.ones((4, 3)))
    with pytest.raises(InvalidType, match='a.ndim >='):
        F.scatter_add(numpy.zeros(4), (0, 1), numpy.ones(()))
