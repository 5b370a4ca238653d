"""F.stack: forward vs numpy.stack, both backward paths, errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((2, 3), 2, 0), ((2, 3), 3, 1), ((2, 3), 2, 2), ((2, 3), 2, -1), ((2, 3), 2, -3),
         ((), 3, 0), ((4,), 1, 0)]


def _grads(func, xs, gy, double):
    vs = [Variable(x.copy()) for x in xs]
    y = func(*vs)
    y.grad = gy.copy()
    y.backward(enable_double_backprop=double)
    return [v.grad for v in vs]


@pytest.mark.parametrize('shape,n,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, n, axis, dtype):
    xs = [numpy.asarray(numpy.random.randn(*shape)).astype(dtype) for _ in range(n)]
    copies = [x.copy() for x in xs]
    y = F.stack(xs, axis)
    expect = numpy.stack(xs, axis)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    for x, c in zip(xs, copies):
        numpy.testing.assert_array_equal(x, c)


@pytest.mark.parametrize('shape,n,axis', CASES)
def test_backward_both_paths(shape, n, axis):
    xs = [numpy.asarray(numpy.random.randn(*shape)) for _ in range(n)]
    gy = numpy.random.randn(*numpy.stack(xs, axis).shape)
    f = lambda *vs: F.stack(vs, axis)  # NOQA
    check_backward(f, tuple(xs), gy)
    for double in (False, True):
        for i, g in enumerate(_grads(f, xs, gy, double)):
            numpy.testing.assert_array_equal(g, numpy.take(gy, i, axis=axis))


def test_double_backward():
    a, b = numpy.random.randn(2, 3), numpy.random.randn(2, 3)
    check_double_backward(lambda x, y: F.stack([x * x, y * y], 1), (a, b),
                          numpy.random.randn(2, 2, 3), (numpy.random.randn(2, 3),
                                                        numpy.random.randn(2, 3)))


def test_non_contiguous_input():
    a = numpy.random.randn(4, 6)[:, ::2]
    b = numpy.random.randn(3, 4).T
    numpy.testing.assert_array_equal(F.stack([a, b], 1).array, numpy.stack([a, b], 1))
    check_backward(lambda x, y: F.stack([x, y], 1), (a, b), numpy.random.randn(4, 2, 3))


@pytest.mark.parametrize('xs,axis', [
    ([numpy.zeros((2, 3)), numpy.zeros((3, 2))], 0),
    ([numpy.zeros((2, 3)), numpy.zeros((2, 3), numpy.float32)], 0),
    ([numpy.zeros((2, 3))], 3),
    ([numpy.zeros((2, 3))], -4),
    ([], 0),
])
def test_invalid(xs, axis):
    with pytest.raises(InvalidType, match='Stack'):
        F.stack(xs, axis)
