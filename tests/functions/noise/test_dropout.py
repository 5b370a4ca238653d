"""F.dropout: Chainer's mask from numpy.random, train/test modes, kwargs,
gradients on both paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

DTYPES = [numpy.float16, numpy.float32, numpy.float64]


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('ratio', [0.0, 0.2, 0.5, 0.9])
def test_matches_chainers_mask_from_the_global_rng(dtype, ratio):
    x = numpy.random.uniform(-1, 1, (5, 7)).astype(dtype)
    x0 = x.copy()
    numpy.random.seed(3)
    y, mask = F.dropout(x, ratio, return_mask=True)
    numpy.random.seed(3)
    scale = dtype(1.0 / (1 - ratio))
    expect_mask = scale * (numpy.random.rand(5, 7) >= ratio)
    assert mask.dtype == dtype and mask.shape == x.shape
    numpy.testing.assert_array_equal(mask, expect_mask.astype(dtype))
    assert y.dtype == dtype and y.shape == x.shape
    numpy.testing.assert_array_equal(y.array, x * mask)
    numpy.testing.assert_array_equal(x, x0)


def test_default_ratio_and_statistics():
    x = numpy.ones((200, 500), numpy.float32)
    y = F.dropout(x).array
    kept = y != 0
    assert abs(kept.mean() - 0.5) < 0.01
    numpy.testing.assert_array_equal(y[kept], 2.0)


def test_test_mode_is_identity():
    x = numpy.random.randn(3, 4).astype(numpy.float32)
    v = Variable(x)
    state = numpy.random.get_state()[2]
    with fastgrad.using_config('train', False):
        assert F.dropout(v) is v
        y, mask = F.dropout(x, 0.5, return_mask=True)
    assert mask is None
    assert isinstance(y, Variable) and y.array is x and not y.requires_grad
    assert numpy.random.get_state()[2] == state          # no random numbers drawn


def test_given_mask_is_used():
    x = numpy.random.randn(3, 4)
    mask = numpy.random.choice([0.0, 2.0], (3, 4))
    y, m = F.dropout(x, 0.5, mask=mask, return_mask=True)
    assert m is mask
    numpy.testing.assert_array_equal(y.array, x * mask)


@pytest.mark.parametrize('dtype', DTYPES)
def test_gradient_is_masked_on_both_paths(dtype):
    x = numpy.random.randn(4, 5).astype(dtype)
    gy = numpy.random.randn(4, 5).astype(dtype)
    mask = (numpy.random.rand(4, 5) >= 0.3).astype(dtype) / dtype(0.7)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x]]
        fastgrad.backward([(lambda v: F.dropout(v, 0.3, mask=mask))(*vs)], [gy.copy()],
                          enable_double_backprop=double)
        g, = [v.grad for v in vs]
        assert g.dtype == dtype
        numpy.testing.assert_array_equal(g, gy * mask)


def test_backward_uses_the_forward_mask():
    v = Variable(numpy.random.randn(6, 6))
    y, mask = F.dropout(v, 0.5, return_mask=True)
    gy = numpy.random.randn(6, 6)
    y.grad = gy
    y.backward()
    numpy.testing.assert_array_equal(v.grad, gy * mask)


def test_check_backward_and_double_backward():
    x = numpy.random.randn(3, 4)
    mask = (numpy.random.rand(3, 4) >= 0.4) / 0.6
    f = lambda v: F.dropout(v, 0.4, mask=mask)  # NOQA
    check_backward(f, x, numpy.random.randn(3, 4))
    check_double_backward(lambda v: F.dropout(v * v, 0.4, mask=mask), x,
                          numpy.random.randn(3, 4), numpy.random.randn(3, 4))


def test_non_contiguous_input():
    x = numpy.random.randn(4, 10)[:, ::2]
    numpy.random.seed(0)
    y, mask = F.dropout(x, 0.3, return_mask=True)
    numpy.testing.assert_array_equal(y.array, x * mask)


def test_errors():
    x = numpy.zeros((2, 3), numpy.float32)
    for ratio in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match='ratio'):
            F.dropout(x, ratio)
    with pytest.raises(ValueError, match='using_config'):
        F.dropout(x, 0.5, train=True)
    with pytest.raises(TypeError, match='dropout'):
        F.dropout(x, 0.5, foo=1)
    with pytest.raises(ValueError, match='mask'):
        F.dropout(x, 0.5, mask=numpy.ones((3, 2), numpy.float32))
    with pytest.raises(InvalidType, match='Dropout'):
        F.dropout(numpy.zeros((2, 3), numpy.int32))


@pytest.mark.gpu
def test_gpu_mask_and_gradient():
    import cupy
    x = cupy.ones((100, 100), cupy.float32)
    v = Variable(x)
    y, mask = F.dropout(v, 0.25, return_mask=True)
    assert isinstance(mask, cupy.ndarray) and mask.dtype == cupy.float32
    kept = cupy.asnumpy(mask != 0)
    assert abs(kept.mean() - 0.75) < 0.03
    numpy.testing.assert_allclose(cupy.asnumpy(mask)[kept], 1 / 0.75, rtol=1e-6)
    y.grad = cupy.full((100, 100), 3, cupy.float32)
    y.backward()
    numpy.testing.assert_allclose(cupy.asnumpy(v.grad), 3 * cupy.asnumpy(mask))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'ratio': [0.3, 0.8],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestDropoutWithMask(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) with a given mask."""

    def setUp(self):
        keep = numpy.random.rand(4, 5) >= self.ratio
        self.mask = (keep / (1 - self.ratio)).astype(self.dtype)
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-4}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-4}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, (4, 5))).astype(self.dtype),

    def forward(self, inputs, device):
        x, = inputs
        # the numerical gradient runs x in float64; fastgrad's dropout wants
        # the mask in x's dtype (Chainer's accepts any)
        return F.dropout(x, self.ratio, mask=device.send(self.mask.astype(x.dtype))),

    def forward_expected(self, inputs):
        return (inputs[0] * self.mask).astype(self.dtype),


def test_a_mask_of_another_dtype_is_taken_as_x_dtype():
    # as in Chainer, the mask may come in any dtype; y and gx keep x's
    x = Variable(numpy.arange(6, dtype=numpy.float32).reshape(2, 3))
    mask = numpy.array([[2, 0, 2], [0, 2, 2]], dtype=numpy.int64)
    y = F.dropout(x, 0.5, mask=mask)
    assert y.dtype == numpy.float32
    numpy.testing.assert_array_equal(y.array, x.array * mask)
    y.grad = numpy.ones((2, 3), numpy.float32)
    y.backward()
    assert x.grad.dtype == numpy.float32
    numpy.testing.assert_array_equal(x.grad, mask.astype(numpy.float32))
    with pytest.raises(ValueError, match='shape of x'):
        F.dropout(x, 0.5, mask=numpy.ones((3, 2), numpy.float32))
