"""F.add with one or more than two operands: one MultiAdd node."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import gradient_check
from fastgrad.utils.type_check import InvalidType


def _inputs(n, shape=(3, 2), dtype=numpy.float64):
    rng = numpy.random.RandomState(n)
    return tuple(rng.standard_normal(shape).astype(dtype) for _ in range(n))


@pytest.mark.parametrize('n', [3, 4, 7])
def test_forward_is_one_node(n):
    xs = _inputs(n)
    copies = [x.copy() for x in xs]
    y = F.add(*[fastgrad.Variable(x) for x in xs])
    numpy.testing.assert_allclose(y.array, numpy.sum(numpy.stack(xs), axis=0), rtol=1e-12)
    assert y.creator.label == 'MultiAdd' and len(y.creator.inputs) == n
    for x, c in zip(xs, copies):
        numpy.testing.assert_array_equal(x, c)


@pytest.mark.parametrize('n', [3, 5])
def test_backward_and_double_backward(n):
    xs = _inputs(n)
    gy = numpy.random.RandomState(9).standard_normal((3, 2))
    gradient_check.check_backward(lambda *v: F.add(*v), xs, gy)
    ggx = _inputs(n)
    gradient_check.check_double_backward(lambda *v: F.add(*v) * F.add(*v), xs, gy, ggx)


def test_both_backward_paths_agree_and_arrays_mix():
    xs = [fastgrad.Variable(x) for x in _inputs(3)]
    const = numpy.ones((3, 2))
    for double in (False, True):
        for x in xs:
            x.cleargrad()
        F.sum(F.add(xs[0], const, xs[1], xs[2])).backward(enable_double_backprop=double)
        for x in xs:
            numpy.testing.assert_array_equal(x.grad, numpy.ones((3, 2)))


def test_errors():
    a, b = _inputs(2)
    with pytest.raises(InvalidType, match='MultiAdd'):
        F.add(a, b, a.astype(numpy.float32))
    with pytest.raises(TypeError, match='add: expected at least one operand'):
        F.add()


def test_one_operand_is_a_copy_the_gradient_passes():
    # F.add(x), as in Chainer: a new variable equal to x, made by one node.
    a, = _inputs(1)
    x = fastgrad.Variable(a)
    y = F.add(x)
    assert y is not x and y.creator.label == 'MultiAdd'
    numpy.testing.assert_array_equal(y.array, a)
    assert not numpy.shares_memory(y.array, a)
    gy = numpy.random.RandomState(2).standard_normal(a.shape)
    gradient_check.check_backward(F.add, (a,), gy)
    gradient_check.check_double_backward(lambda v: F.add(v) * v, (a,), gy, _inputs(1))


@pytest.mark.parametrize('shapes', [((1, 3), (), (2, 1, 2, 1)), ((), (2, 1, 2), (3, 1)),
                                    ((3, 1), (1, 1), (2,)), ((2,), (3, 2), (4, 1, 1), ())])
def test_operands_that_widen_the_result_broadcast(shapes):
    # a later operand may have more axes or longer ones than the partial sum
    rng = numpy.random.RandomState(4)
    xs = tuple(rng.standard_normal(s) for s in shapes)
    out_shape = numpy.broadcast_shapes(*shapes)
    y = F.add(*xs)
    assert y.shape == out_shape
    expected = xs[0]
    for x in xs[1:]:
        expected = expected + x
    numpy.testing.assert_allclose(y.array, expected, rtol=1e-12)
    gy = rng.standard_normal(out_shape)
    ggs = tuple(rng.standard_normal(s) for s in shapes)
    gradient_check.check_backward(lambda *v: F.add(*v), xs, gy)
    gradient_check.check_double_backward(lambda *v: F.add(*v), xs, gy, ggs)


@pytest.mark.parametrize('n,shape', [
    (40000, (3,)),      # 120,000 elements: two stacked blocks
    (5000, (2, 8)),     # two blocks of a 2-D operand
    (20, (9000,)),      # each operand too large to stack: added one by one
    (5, (0,)),          # empty operands
])
def test_many_operands_sum_in_blocks(n, shape):
    # wide graphs sum their operands through blocks of bounded size; every
    # path gives the float64 sum and a gradient of ones for each operand
    rng = numpy.random.RandomState(n)
    xs = [fastgrad.Variable(rng.standard_normal(shape)) for _ in range(n)]
    y = F.add(*xs)
    expected = numpy.sum(numpy.stack([x.array for x in xs]), axis=0)
    numpy.testing.assert_allclose(y.array, expected, rtol=1e-10, atol=1e-10)
    F.sum(y).backward()
    for x in xs[::max(1, n // 7)]:
        numpy.testing.assert_array_equal(x.grad, numpy.ones(shape))
