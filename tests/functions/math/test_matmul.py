"""F.matmul (numpy.matmul semantics with transa/transb) and the @ operators."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

# (a shape, b shape, transa, transb)
CASES = [
    ((3, 4), (4, 5), False, False),
    ((4, 3), (4, 5), True, False),
    ((3, 4), (5, 4), False, True),
    ((4, 3), (5, 4), True, True),
    ((2, 3, 4), (2, 4, 5), False, False),
    ((2, 3, 4), (4, 5), False, False),
    ((3, 4), (2, 4, 5), False, False),
    ((2, 1, 3, 4), (3, 4, 5), False, False),
    ((2, 4, 3), (2, 5, 4), True, True),
    ((4,), (4, 5), False, False),
    ((3, 4), (4,), False, False),
    ((4,), (4,), False, False),
    ((4,), (2, 4, 5), True, False),
    ((2, 3, 4), (4,), False, True),
    ((4,), (5, 4), False, True),
    ((1, 1), (1, 1), False, False),
]
IDS = ['{}{}x{}{}'.format(sa, 'T' if ta else '', sb, 'T' if tb else '')
       for sa, sb, ta, tb in CASES]
TOL = {numpy.float16: 5e-3, numpy.float32: 1e-5, numpy.float64: 1e-13}


def _ref(a, b, ta, tb):
    a = a.astype(numpy.float64)
    b = b.astype(numpy.float64)
    if ta and a.ndim > 1:
        a = a.swapaxes(-1, -2)
    if tb and b.ndim > 1:
        b = b.swapaxes(-1, -2)
    return numpy.matmul(a, b)


def _inputs(sa, sb, dtype=numpy.float64):
    rng = numpy.random.RandomState(7)
    return (rng.uniform(-1, 1, sa).astype(dtype), rng.uniform(-1, 1, sb).astype(dtype))


@pytest.mark.parametrize('sa,sb,ta,tb', CASES, ids=IDS)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(sa, sb, ta, tb, dtype):
    a, b = _inputs(sa, sb, dtype)
    a0, b0 = a.copy(), b.copy()
    y = F.matmul(a, b, transa=ta, transb=tb)
    expect = _ref(a, b, ta, tb)
    assert y.dtype == dtype and y.shape == expect.shape
    assert isinstance(y.array, numpy.ndarray)
    numpy.testing.assert_allclose(y.array, expect, rtol=TOL[dtype], atol=TOL[dtype])
    numpy.testing.assert_array_equal(a, a0)
    numpy.testing.assert_array_equal(b, b0)


@pytest.mark.parametrize('sa,sb,ta,tb', CASES, ids=IDS)
def test_backward(sa, sb, ta, tb):
    a, b = _inputs(sa, sb)
    gy = numpy.asarray(numpy.random.randn(*_ref(a, b, ta, tb).shape))
    check_backward(lambda p, q: F.matmul(p, q, ta, tb), (a, b), gy)


@pytest.mark.parametrize('sa,sb,ta,tb', CASES, ids=IDS)
def test_double_backward(sa, sb, ta, tb):
    a, b = _inputs(sa, sb)
    gy = numpy.asarray(numpy.random.randn(*_ref(a, b, ta, tb).shape))
    check_double_backward(lambda p, q: F.matmul(p, q, ta, tb), (a, b), gy,
                          (numpy.random.randn(*sa), numpy.random.randn(*sb)))


def test_gradient_formulas_2d():
    a, b = _inputs((3, 4), (4, 5))
    gy = numpy.random.randn(3, 5)
    vs = [Variable(a.copy()) for a in [a, b]]
    fastgrad.backward([F.matmul(*vs)], [gy.copy()])
    ga, gb = [v.grad for v in vs]
    numpy.testing.assert_allclose(ga, gy @ b.T, rtol=1e-13)
    numpy.testing.assert_allclose(gb, a.T @ gy, rtol=1e-13)


def test_non_contiguous_inputs():
    base_a = numpy.random.randn(3, 8)
    base_b = numpy.random.randn(5, 4)
    a, b = base_a[:, ::2], base_b.T
    assert not a.flags.c_contiguous and not b.flags.c_contiguous
    numpy.testing.assert_allclose(F.matmul(a, b).array, a @ b, rtol=1e-13)
    check_backward(F.matmul, (a, b), numpy.random.randn(3, 5))


def test_matmul_operators():
    a, b = _inputs((3, 4), (4, 5))
    va, vb = Variable(a), Variable(b)
    for y in (va @ vb, va @ b, a @ vb, F.rmatmul(vb, a)):
        assert isinstance(y, Variable)
        numpy.testing.assert_allclose(y.array, a @ b, rtol=1e-13)
    y = a @ vb                          # numpy defers to Variable.__rmatmul__
    y.grad = numpy.ones((3, 5))
    y.backward()
    numpy.testing.assert_allclose(vb.grad, a.T @ numpy.ones((3, 5)), rtol=1e-13)
    check_backward(lambda q: a @ q, b, numpy.random.randn(3, 5))
    check_backward(lambda p: p @ b, a, numpy.random.randn(3, 5))


def test_mixed_float_dtypes_promote_and_grads_keep_their_dtypes():
    # Chainer 7: the product is in the promoted dtype, each gradient in its
    # input's dtype.
    rng = numpy.random.RandomState(0)
    a = Variable(rng.randn(2, 3).astype(numpy.float32))
    b = Variable(rng.randn(3, 4))
    y = F.matmul(a, b)
    assert y.dtype == numpy.float64
    numpy.testing.assert_allclose(y.array, a.array.astype(numpy.float64) @ b.array)
    y.grad = numpy.ones((2, 4))
    y.backward()
    assert a.grad.dtype == numpy.float32 and b.grad.dtype == numpy.float64
    numpy.testing.assert_allclose(a.grad, numpy.ones((2, 4)) @ b.array.T, rtol=1e-6)
    assert (Variable(a.array) @ Variable(b.array)).dtype == numpy.float64


def test_int_inputs_are_invalid_type():
    with pytest.raises(InvalidType, match='MatMul'):
        F.matmul(numpy.zeros((2, 3), numpy.int32), numpy.zeros((3, 4), numpy.int32))


@pytest.mark.parametrize('sa,sb,ta,tb', [
    ((2, 3), (4, 5), False, False),
    ((2, 3), (2, 5), False, False),
    ((2, 3), (3, 5), True, False),
    ((2, 3), (3, 5), False, True),
    ((3,), (4,), False, False),
    ((3,), (4, 5), False, False),
    ((2, 3), (4,), False, False),
    ((2, 2, 3), (3, 3, 4), False, False),
    ((), (3,), False, False),
])
def test_incompatible_shapes_are_invalid_type(sa, sb, ta, tb):
    with pytest.raises(InvalidType, match='MatMul'):
        F.matmul(numpy.zeros(sa), numpy.zeros(sb), ta, tb)


def test_empty_batch():
    a = numpy.zeros((0, 3))
    b = numpy.random.randn(3, 4)
    va, vb = Variable(a), Variable(b)
    y = F.matmul(va, vb)
    assert y.shape == (0, 4)
    y.grad = numpy.zeros((0, 4))
    y.backward()
    assert va.grad.shape == (0, 3)
    numpy.testing.assert_array_equal(vb.grad, numpy.zeros((3, 4)))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 3, 5, 9, 11, 13],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestMatmul(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.sa, self.sb, self.ta, self.tb = CASES[self.case]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, self.sa)).astype(self.dtype), numpy.asarray(numpy.random.uniform(-1, 1, self.sb)).astype(self.dtype)

    def forward(self, inputs, device):
        return F.matmul(*inputs, self.ta, self.tb),

    def forward_expected(self, inputs):
        return numpy.asarray(_ref(*inputs, self.ta, self.tb)).astype(self.dtype),
