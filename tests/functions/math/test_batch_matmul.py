"""F.batch_matmul (Chainer's deprecated 3-D form): 2-D operands as column
vectors, transposes, 3-D output, both backward paths, double backward,
the DeprecationWarning, errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

pytestmark = pytest.mark.filterwarnings('ignore:batch_matmul is deprecated')


def _ref(a, b, transa, transb):
    a = numpy.asarray(a, numpy.float64)
    b = numpy.asarray(b, numpy.float64)
    a = a.reshape(a.shape + (1,)) if a.ndim == 2 else a
    b = b.reshape(b.shape + (1,)) if b.ndim == 2 else b
    if transa:
        a = a.transpose(0, 2, 1)
    if transb:
        b = b.transpose(0, 2, 1)
    return numpy.einsum('bij,bjk->bik', a, b)


# a shape, b shape, transa, transb
CASES = [((2, 3, 4), (2, 4, 5), False, False),
         ((2, 4, 3), (2, 4, 5), True, False),
         ((2, 3, 4), (2, 5, 4), False, True),
         ((2, 4, 3), (2, 5, 4), True, True),
         ((2, 3, 4), (2, 4), False, False),      # b: 2 column vectors (4 x 1)
         ((2, 4), (2, 4), True, False),          # a^T b: per-sample dot products
         ((2, 4), (2, 5), False, True),          # outer products a b^T
         ((2, 3), (2, 1, 5), False, False),
         ((1, 3, 3), (1, 3, 3), False, False)]


@pytest.mark.parametrize('sa,sb,ta,tb', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(sa, sb, ta, tb, dtype):
    a = numpy.random.randn(*sa).astype(dtype)
    b = numpy.random.randn(*sb).astype(dtype)
    a0, b0 = a.copy(), b.copy()
    y = F.batch_matmul(a, b, transa=ta, transb=tb)
    expect = _ref(a, b, ta, tb)
    assert y.ndim == 3 and y.shape == expect.shape and y.dtype == dtype
    tol = {numpy.float16: 1e-2, numpy.float32: 1e-5, numpy.float64: 1e-13}[dtype]
    numpy.testing.assert_allclose(y.array, expect, rtol=tol, atol=tol)
    numpy.testing.assert_array_equal(a, a0)
    numpy.testing.assert_array_equal(b, b0)


def test_warns_deprecated():
    with pytest.warns(DeprecationWarning, match='batch_matmul is deprecated'):
        F.batch_matmul(numpy.ones((2, 3, 4)), numpy.ones((2, 4, 1)))


@pytest.mark.parametrize('sa,sb,ta,tb', CASES)
def test_backward(sa, sb, ta, tb):
    a, b = numpy.random.randn(*sa), numpy.random.randn(*sb)
    gy = numpy.random.randn(*_ref(a, b, ta, tb).shape)
    check_backward(lambda x, y: F.batch_matmul(x, y, ta, tb), (a, b), gy)


@pytest.mark.parametrize('sa,sb,ta,tb', CASES)
def test_double_backward(sa, sb, ta, tb):
    a, b = numpy.random.randn(*sa), numpy.random.randn(*sb)
    gy = numpy.random.randn(*_ref(a, b, ta, tb).shape)
    check_double_backward(lambda x, y: F.batch_matmul(x, y, ta, tb), (a, b), gy,
                          (numpy.random.randn(*sa), numpy.random.randn(*sb)))


def test_matches_matmul_on_3d():
    a, b = numpy.random.randn(3, 2, 4), numpy.random.randn(3, 4, 5)
    numpy.testing.assert_allclose(F.batch_matmul(a, b).array, F.matmul(a, b).array,
                                  rtol=1e-14)


def test_non_contiguous_inputs():
    a = numpy.random.randn(2, 4, 6)[:, :, ::2]          # (2, 4, 3)
    b = numpy.random.randn(2, 5, 3).transpose(0, 2, 1)  # (2, 3, 5)
    assert not a.flags.c_contiguous and not b.flags.c_contiguous
    numpy.testing.assert_allclose(F.batch_matmul(a, b).array, _ref(a, b, False, False),
                                  rtol=1e-13)
    check_backward(F.batch_matmul, (a, b), numpy.random.randn(2, 4, 5))


@pytest.mark.parametrize('sa,sb,ta,tb,what', [
    ((2, 3, 4), (2, 5, 6), False, False, 'inner sizes'),
    ((2, 3, 4), (2, 4, 5), True, False, 'inner sizes'),
    ((2, 3, 4), (3, 4, 5), False, False, 'batch size'),
    ((3,), (3,), False, False, 'a.ndim'),
    ((2, 3, 4, 5), (2, 5, 4), False, False, 'a.ndim'),
    ((2, 3, 4), (2,), False, False, 'b.ndim'),
])
def test_shape_errors(sa, sb, ta, tb, what):
    with pytest.raises(InvalidType, match='BatchMatMul') as e:
        F.batch_matmul(numpy.zeros(sa), numpy.zeros(sb), ta, tb)
    assert what in str(e.value)


def test_dtype_errors():
    with pytest.raises(InvalidType, match='a.dtype == b.dtype'):
        F.batch_matmul(numpy.zeros((2, 3, 4), numpy.float32), numpy.zeros((2, 4, 1)))
    with pytest.raises(InvalidType, match='BatchMatMul'):
        F.batch_matmul(numpy.zeros((2, 3, 4), numpy.int32), numpy.zeros((2, 4, 1), numpy.int32))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 3, 4, 6],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestBatchMatmul(testing.FunctionTestCase):
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
        return F.batch_matmul(*inputs, self.ta, self.tb),

    def forward_expected(self, inputs):
        return _ref(*inputs, self.ta, self.tb).astype(self.dtype),
