"""F.split_axis: sections and indices vs numpy.split, force_tuple, gradients
(also when some pieces get none), double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((6, 4), 3, 0), ((2, 6), 2, 1), ((2, 7), [2, 5], 1), ((2, 7), (0, 3, 3, 7), -1),
         ((4, 3, 2), numpy.array([1]), 0), ((5,), [], 0), ((5,), 1, 0), ((2, 7), [2, -2], 1)]


@pytest.mark.parametrize('shape,ios,axis', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, ios, axis, dtype):
    x = numpy.random.randn(*shape).astype(dtype)
    x0 = x.copy()
    ys = F.split_axis(x, ios, axis)
    expect = numpy.split(x, ios, axis)
    assert isinstance(ys, tuple) and len(ys) == len(expect)
    for y, e in zip(ys, expect):
        assert isinstance(y, Variable) and y.shape == e.shape and y.dtype == dtype
        numpy.testing.assert_array_equal(y.array, e)
    numpy.testing.assert_array_equal(x, x0)


def test_force_tuple():
    x = numpy.random.randn(3, 4)
    ys = F.split_axis(x, 1, 0)
    assert isinstance(ys, tuple) and len(ys) == 1
    y = F.split_axis(x, 1, 0, force_tuple=False)
    assert isinstance(y, Variable)
    numpy.testing.assert_array_equal(y.array, x)
    assert isinstance(F.split_axis(x, 2, 1, force_tuple=False), tuple)


@pytest.mark.parametrize('shape,ios,axis', CASES)
def test_backward_both_paths(shape, ios, axis):
    x = numpy.random.randn(*shape)
    pieces = numpy.split(x, ios, axis)
    gys = [numpy.random.randn(*p.shape) for p in pieces]
    f = lambda v: F.split_axis(v, ios, axis)  # NOQA
    check_backward(f, x, tuple(gys))
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward(list(f(*vs)), [None if g is None else g.copy() for g in gys],
                          enable_double_backprop=double)
        g, = [v.grad for v in vs]
        numpy.testing.assert_array_equal(g, numpy.concatenate(gys, axis))


def test_pieces_without_gradient_get_zeros():
    x = numpy.random.randn(2, 6)
    gys = [None, numpy.random.randn(2, 2), None]
    expect = numpy.zeros((2, 6))
    expect[:, 2:4] = gys[1]
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        outs = list((lambda v: F.split_axis(v, 3, 1))(*vs))
        fastgrad.backward(outs, [None if g is None else g.copy() for g in gys],
                          enable_double_backprop=double)
        g, = [v.grad for v in vs]
        numpy.testing.assert_array_equal(g, expect)


def test_double_backward():
    x = numpy.random.randn(2, 6)
    check_double_backward(lambda v: F.split_axis(v * v, [1, 4], 1), x,
                          (numpy.random.randn(2, 1), numpy.random.randn(2, 3),
                           numpy.random.randn(2, 2)), numpy.random.randn(2, 6))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 12)[:, ::2]
    for y, e in zip(F.split_axis(x, 2, 1), numpy.split(x, 2, 1)):
        numpy.testing.assert_array_equal(y.array, e)
    check_backward(lambda v: F.split_axis(v, 2, 1), x,
                   (numpy.random.randn(4, 3), numpy.random.randn(4, 3)))


def test_not_divisible_is_invalid_type():
    with pytest.raises(InvalidType, match='SplitAxis'):
        F.split_axis(numpy.zeros((2, 5)), 2, 1)


@pytest.mark.parametrize('ios', [[6], [-6]])
def test_index_out_of_range_is_invalid_type(ios):
    with pytest.raises(InvalidType, match='SplitAxis'):
        F.split_axis(numpy.zeros((2, 5)), ios, 1)


def test_axis_out_of_range_is_invalid_type():
    with pytest.raises(InvalidType, match='SplitAxis'):
        F.split_axis(numpy.zeros((2, 5)), 1, 2)


def test_unsorted_indices():
    with pytest.raises(ValueError, match='sorted'):
        F.split_axis(numpy.zeros((2, 5)), [3, 1], 1)


@pytest.mark.parametrize('ios', [0, -1])
def test_non_positive_sections(ios):
    with pytest.raises(ValueError, match='split_axis'):
        F.split_axis(numpy.zeros((2, 4)), ios, 1)


@pytest.mark.parametrize('ios', [1.5, [1.0, 2.0], 'ab'])
def test_bad_indices_type(ios):
    with pytest.raises(TypeError, match='split_axis'):
        F.split_axis(numpy.zeros((2, 4)), ios, 1)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [2, 3],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestSplitAxis(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.shape, self.ios, self.axis = CASES[self.case]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-4}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-4}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, self.shape)).astype(self.dtype),

    def forward(self, inputs, device):
        return tuple(F.split_axis(inputs[0], self.ios, self.axis))

    def forward_expected(self, inputs):
        return tuple(p.copy() for p in numpy.split(inputs[0], self.ios, self.axis))
