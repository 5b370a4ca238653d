"""F.where: forward vs numpy.where with broadcasting, gradients to x and y only."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

SHAPES = [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((1, 4), (3, 1), ()),
          ((), (2, 3), (2, 3))]


def _sum_to(g, shape):
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead)))
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True) \
        .reshape(shape)


@pytest.mark.parametrize('sc,sx,sy', SHAPES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(sc, sx, sy, dtype):
    c = numpy.asarray(numpy.random.rand(*sc) > 0.5)
    x = numpy.asarray(numpy.random.randn(*sx)).astype(dtype)
    y = numpy.asarray(numpy.random.randn(*sy)).astype(dtype)
    copies = [c.copy(), x.copy(), y.copy()]
    z = F.where(c, x, y)
    expect = numpy.where(c, x, y)
    assert z.shape == expect.shape and z.dtype == dtype
    numpy.testing.assert_array_equal(z.array, expect)
    for a, b in zip((c, x, y), copies):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize('sc,sx,sy', SHAPES)
def test_backward_both_paths(sc, sx, sy):
    c = numpy.asarray(numpy.random.rand(*sc) > 0.5)
    x = numpy.asarray(numpy.random.randn(*sx))
    y = numpy.asarray(numpy.random.randn(*sy))
    out = numpy.broadcast_shapes(sc, sx, sy)
    gz = numpy.random.randn(*out)
    f = lambda a, b: F.where(c, a, b)  # NOQA
    check_backward(f, (x, y), gz)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x, y]]
        fastgrad.backward([f(*vs)], [gz.copy()], enable_double_backprop=double)
        gx, gy = [v.grad for v in vs]
        numpy.testing.assert_allclose(gx, _sum_to(numpy.where(c, gz, 0), x.shape), rtol=1e-12)
        numpy.testing.assert_allclose(gy, _sum_to(numpy.where(c, 0, gz), y.shape), rtol=1e-12)


def test_condition_variable_gets_no_gradient():
    c = Variable(numpy.array([True, False, True]))
    x = Variable(numpy.random.randn(3))
    z = F.where(c, x, numpy.zeros(3))
    F.sum(z).backward()
    assert c.grad is None
    numpy.testing.assert_array_equal(x.grad, [1, 0, 1])


def test_scalar_operands():
    c = numpy.array([True, False])
    x = numpy.array([1.0, 2.0], numpy.float32)
    z = F.where(c, x, 0.0)
    assert z.dtype == numpy.float32
    numpy.testing.assert_array_equal(z.array, [1, 0])
    numpy.testing.assert_array_equal(F.where(c, -1, x).array, [-1, 2])


def test_double_backward():
    c = numpy.random.rand(3, 4) > 0.5
    check_double_backward(lambda a, b: F.where(c, a * a, b * b),
                          (numpy.random.randn(3, 4), numpy.random.randn(4)),
                          numpy.random.randn(3, 4),
                          (numpy.random.randn(3, 4), numpy.random.randn(4)))


def test_non_contiguous_input():
    c = (numpy.random.rand(3, 8) > 0.5)[:, ::2]
    x = numpy.random.randn(4, 3).T
    y = numpy.random.randn(3, 8)[:, 1::2]
    numpy.testing.assert_array_equal(F.where(c, x, y).array, numpy.where(c, x, y))
    check_backward(lambda a, b: F.where(c, a, b), (x, y), numpy.random.randn(3, 4))


def test_errors():
    x = numpy.zeros((2, 3))
    with pytest.raises(InvalidType, match='Where'):
        F.where(numpy.zeros((2, 3)), x, x)             # condition not bool
    with pytest.raises(InvalidType, match='Where'):
        F.where(numpy.ones((2, 3), bool), x, x.astype(numpy.float32))
    with pytest.raises(InvalidType, match='Where'):
        F.where(numpy.ones((4,), bool), x, x)
    with pytest.raises(TypeError, match='where'):
        F.where(numpy.ones((2,), bool), 1.0, 2.0)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 1],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestWhere(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.shapes = SHAPES[self.case]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-4}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-4}

    def generate_inputs(self):
        sc, sx, sy = self.shapes
        return (numpy.asarray(numpy.random.rand(*sc) > 0.5), numpy.asarray(numpy.random.uniform(-1, 1, sx)).astype(self.dtype), numpy.asarray(numpy.random.uniform(-1, 1, sy)).astype(self.dtype))

    def forward(self, inputs, device):
        return F.where(*inputs),

    def forward_expected(self, inputs):
        return numpy.where(*inputs),
