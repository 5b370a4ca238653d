"""F.permutate: forward (and inverse) vs NumPy, gradients, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [((4, 3), [2, 0, 3, 1], 0), ((4, 3), [1, 2, 0], 1), ((2, 3, 4), [3, 0, 1, 2], -1),
         ((0, 2), [], 0)]


def _ref(x, ind, axis, inv):
    if inv:
        ind = numpy.argsort(ind)
    return numpy.take(x, ind, axis=axis)


@pytest.mark.parametrize('shape,ind,axis', CASES)
@pytest.mark.parametrize('inv', [False, True])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(shape, ind, axis, inv, dtype):
    x = numpy.random.randn(*shape).astype(dtype)
    ind = numpy.array(ind, numpy.int32)
    x0 = x.copy()
    y = F.permutate(x, ind, axis, inv)
    assert y.shape == x.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, _ref(x, ind, axis, inv))
    numpy.testing.assert_array_equal(x, x0)


def test_inverse_undoes_forward():
    x = numpy.random.randn(5, 2)
    ind = numpy.random.permutation(5)
    y = F.permutate(F.permutate(x, ind), ind, inv=True)
    numpy.testing.assert_array_equal(y.array, x)
    # inv=True means y[indices[i]] = x[i]
    z = F.permutate(x, ind, inv=True).array
    numpy.testing.assert_array_equal(z[ind], x)


@pytest.mark.parametrize('shape,ind,axis', CASES)
@pytest.mark.parametrize('inv', [False, True])
def test_backward_both_paths(shape, ind, axis, inv):
    x = numpy.random.randn(*shape)
    ind = numpy.array(ind, numpy.int64)
    gy = numpy.random.randn(*shape)
    f = lambda v: F.permutate(v, ind, axis, inv)  # NOQA
    check_backward(f, x, gy)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        g, = [v.grad for v in vs]
        numpy.testing.assert_array_equal(g, _ref(gy, ind, axis, not inv))


def test_indices_as_variable():
    x = numpy.random.randn(3, 2)
    ind = Variable(numpy.array([2, 0, 1]))
    numpy.testing.assert_array_equal(F.permutate(x, ind).array, x[[2, 0, 1]])


def test_double_backward():
    ind = numpy.array([1, 2, 0])
    check_double_backward(lambda v: F.permutate(v * v, ind, 1), numpy.random.randn(2, 3),
                          numpy.random.randn(2, 3), numpy.random.randn(2, 3))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    ind = numpy.array([2, 0, 1])
    numpy.testing.assert_array_equal(F.permutate(x, ind, 1).array, x[:, ind])
    check_backward(lambda v: F.permutate(v, ind, 1), x, numpy.random.randn(4, 3))


def test_errors():
    x = numpy.zeros((3, 2))
    with pytest.raises(ValueError, match='permutation'):
        F.permutate(x, numpy.array([0, 0, 1]))
    with pytest.raises(ValueError, match='permutate'):
        F.permutate(x, numpy.array([0, 1, 3]))
    with pytest.raises(ValueError, match='permutate'):
        F.permutate(x, numpy.array([0, -1, 1]))
    with pytest.raises(InvalidType, match='Permutate'):
        F.permutate(x, numpy.array([0, 1]))             # length != x.shape[axis]
    with pytest.raises(InvalidType, match='Permutate'):
        F.permutate(x, numpy.array([0.0, 1.0, 2.0]))
    with pytest.raises(InvalidType, match='Permutate'):
        F.permutate(x, numpy.array([0, 1]), axis=2)


@pytest.mark.gpu
@pytest.mark.parametrize('inv', [False, True])
def test_gpu(inv):
    import cupy
    x = numpy.random.randn(4, 3)
    ind = numpy.array([2, 0, 3, 1])
    v = Variable(cupy.asarray(x))
    y = F.permutate(v, cupy.asarray(ind), 0, inv)
    numpy.testing.assert_array_equal(cupy.asnumpy(y.array), _ref(x, ind, 0, inv))
    gy = numpy.random.randn(4, 3)
    y.grad = cupy.asarray(gy)
    y.backward()
    numpy.testing.assert_array_equal(cupy.asnumpy(v.grad), _ref(gy, ind, 0, not inv))
    with pytest.raises(ValueError, match='permutation'):
        F.permutate(v, cupy.asarray([0, 0, 1, 2]))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 2],
    'inv': [False, True],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestPermutate(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.shape, ind, self.axis = CASES[self.case]
        self.ind = numpy.array(ind, numpy.int64)
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
        return F.permutate(inputs[0], self.ind, self.axis, self.inv),

    def forward_expected(self, inputs):
        return _ref(inputs[0], self.ind, self.axis, self.inv),
