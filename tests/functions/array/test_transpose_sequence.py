"""F.transpose_sequence: Chainer's example, round trip, shapes after the first
axis, gradients (also with unused outputs), double backward, errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def test_example():
    xs = [numpy.array([0, 1, 2, 3]), numpy.array([4, 5]), numpy.array([6])]
    ys = F.transpose_sequence(xs)
    assert [y.array.tolist() for y in ys] == [[0, 4, 6], [1, 5], [2], [3]]


@pytest.mark.parametrize('lengths', [(4, 2, 1), (3, 3), (1,), (2, 2, 0), (5, 1, 1, 1)])
@pytest.mark.parametrize('unit', [(), (2,), (2, 3)])
def test_round_trip(lengths, unit):
    rng = numpy.random.RandomState(0)
    xs = [rng.randn(n, *unit).astype(numpy.float32) for n in lengths]
    ys = F.transpose_sequence(xs)
    assert len(ys) == lengths[0]
    for t, y in enumerate(ys):
        rows = [x[t] for x in xs if len(x) > t]
        numpy.testing.assert_array_equal(y.array, numpy.stack(rows))
    back = F.transpose_sequence(ys)
    for x, b in zip(xs, back):
        numpy.testing.assert_array_equal(x, b.array)


def test_empty():
    assert F.transpose_sequence([]) == ()
    assert F.transpose_sequence([numpy.zeros((0, 2))]) == ()


def test_backward_and_double_backward():
    rng = numpy.random.RandomState(1)
    xs = tuple(rng.randn(n, 2) for n in (3, 2, 2))
    gys = tuple(rng.randn(*y.shape) for y in F.transpose_sequence(xs))
    ggs = tuple(rng.randn(*x.shape) for x in xs)

    def fn(*a):
        return F.transpose_sequence(a)
    check_backward(fn, xs, gys, eps=1e-6, atol=1e-8)
    check_double_backward(fn, xs, gys, ggs, eps=1e-6, atol=1e-8)

    def first_only(*a):
        return F.transpose_sequence(a)[0]   # later steps get no gradient
    check_backward(first_only, xs, gys[0], eps=1e-6, atol=1e-8)


def test_backward_empty_sequence():
    xs = (numpy.ones((2, 3)), numpy.ones((1, 3)), numpy.ones((0, 3)))
    gys = tuple(numpy.ones(y.shape) for y in F.transpose_sequence(xs))
    check_backward(lambda *a: F.transpose_sequence(a), xs, gys, eps=1e-6, atol=1e-8)


def test_errors():
    with pytest.raises(InvalidType, match='TransposeSequence'):
        F.transpose_sequence([numpy.zeros((1, 2)), numpy.zeros((2, 2))])
    with pytest.raises(InvalidType, match='TransposeSequence'):
        F.transpose_sequence([numpy.zeros((2, 2)), numpy.zeros((1, 3))])
    with pytest.raises(InvalidType, match='TransposeSequence'):
        F.transpose_sequence([numpy.zeros((2, 2)), numpy.zeros((1, 2), numpy.float32)])
