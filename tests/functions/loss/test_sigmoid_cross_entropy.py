"""F.sigmoid_cross_entropy: forward vs a float64 reference (ignore label,
normalize, reduce), gradients on both paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

DTYPES = [numpy.float16, numpy.float32, numpy.float64]
TOL = {numpy.float16: 5e-3, numpy.float32: 1e-5, numpy.float64: 1e-12}


def _ref(x, t, normalize=True, reduce='mean'):
    x = x.astype(numpy.float64)
    p = 1 / (1 + numpy.exp(-x))
    mask = t != -1
    loss = -(t * numpy.log(p) + (1 - t) * numpy.log(1 - p)) * mask
    if reduce == 'no':
        return loss
    count = max(mask.sum(), 1) if normalize else max(len(x), 1)
    return loss.sum() / count


def _data(shape, dtype=numpy.float64):
    x = numpy.random.uniform(-4, 4, shape).astype(dtype)
    t = numpy.random.randint(-1, 2, shape).astype(numpy.int32)
    return x, t


@pytest.mark.parametrize('shape', [(5,), (4, 3), (2, 3, 4)])
@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('normalize,reduce', [(True, 'mean'), (False, 'mean'), (True, 'no')])
def test_forward(shape, dtype, normalize, reduce):
    x, t = _data(shape, dtype)
    x0, t0 = x.copy(), t.copy()
    y = F.sigmoid_cross_entropy(x, t, normalize, reduce)
    expect = _ref(x, t, normalize, reduce)
    assert y.dtype == dtype and y.shape == numpy.shape(expect)
    numpy.testing.assert_allclose(y.array, expect, rtol=TOL[dtype], atol=TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(t, t0)


def test_extreme_logits_are_finite():
    x = numpy.array([-1e4, -50, 0, 50, 1e4], numpy.float32)
    t = numpy.array([1, 0, 1, 1, 0], numpy.int32)
    with numpy.errstate(over='raise', invalid='raise', divide='raise'):
        y = F.sigmoid_cross_entropy(x, t, reduce='no').array
    numpy.testing.assert_allclose(y, [1e4, 0, numpy.log(2), 0, 1e4], rtol=1e-6, atol=1e-6)


def test_all_ignored_gives_zero():
    x = numpy.random.randn(3, 2)
    y = F.sigmoid_cross_entropy(x, numpy.full((3, 2), -1, numpy.int32))
    assert y.array == 0


@pytest.mark.parametrize('normalize,reduce', [(True, 'mean'), (False, 'mean'), (True, 'no')])
def test_backward(normalize, reduce):
    x, t = _data((4, 3))
    gy = numpy.asarray(numpy.random.randn(*numpy.shape(_ref(x, t, normalize, reduce))))
    f = lambda v: F.sigmoid_cross_entropy(v, t, normalize, reduce)  # NOQA
    check_backward(f, x, gy)
    check_double_backward(f, x, gy, numpy.random.randn(4, 3))


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_gradient_formula_on_both_paths(dtype, reduce):
    x, t = _data((4, 3), dtype)
    gy = numpy.asarray(numpy.random.randn(*((4, 3) if reduce == 'no' else ()))).astype(dtype)
    p = 1 / (1 + numpy.exp(-x.astype(numpy.float64)))
    mask = t != -1
    expect = (p - t) * mask * gy.astype(numpy.float64)
    if reduce == 'mean':
        expect /= mask.sum()
    for double in (False, True):
        vs = [Variable(a.copy()) for a in [x, t]]
        outs = [(lambda a, b: F.sigmoid_cross_entropy(a, b, reduce=reduce))(*vs)]
        fastgrad.backward(outs, [gy.copy()], enable_double_backprop=double)
        gx, gt = [v.grad for v in vs]
        assert gx.dtype == dtype and gt is None
        numpy.testing.assert_allclose(gx, expect, rtol=TOL[dtype], atol=TOL[dtype])


def test_non_contiguous_input():
    x = numpy.random.randn(4, 6)[:, ::2]
    t = numpy.random.randint(0, 2, (3, 4)).T.astype(numpy.int32)
    numpy.testing.assert_allclose(F.sigmoid_cross_entropy(x, t).array, _ref(x, t), rtol=1e-12)
    check_backward(lambda v: F.sigmoid_cross_entropy(v, t), x, None)


def test_errors():
    x = numpy.zeros((2, 3))
    t = numpy.zeros((2, 3), numpy.int32)
    with pytest.raises(InvalidType, match='SigmoidCrossEntropy'):
        F.sigmoid_cross_entropy(x, t.astype(numpy.float64))
    with pytest.raises(InvalidType, match='SigmoidCrossEntropy'):
        F.sigmoid_cross_entropy(x, numpy.zeros((3, 2), numpy.int32))
    with pytest.raises(InvalidType, match='SigmoidCrossEntropy'):
        F.sigmoid_cross_entropy(t, t)
    with pytest.raises(ValueError, match="'reduce'"):
        F.sigmoid_cross_entropy(x, t, reduce='sum')


@pytest.mark.gpu
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_gpu_matches_cpu(reduce):
    import cupy
    x, t = _data((4, 3), numpy.float32)
    gy = numpy.asarray(numpy.random.randn(*((4, 3) if reduce == 'no' else ()))).astype(
        numpy.float32)
    cpu_y = F.sigmoid_cross_entropy(x, t, reduce=reduce).array
    vs = [Variable(a.copy()) for a in [x, t]]
    outs = [(lambda a, b: F.sigmoid_cross_entropy(a, b, reduce=reduce))(*vs)]
    fastgrad.backward(outs, [gy.copy()])
    cpu_g, _ = [v.grad for v in vs]
    v = Variable(cupy.asarray(x))
    y = F.sigmoid_cross_entropy(v, cupy.asarray(t), reduce=reduce)
    numpy.testing.assert_allclose(cupy.asnumpy(y.array), cpu_y, rtol=1e-5, atol=1e-6)
    y.grad = cupy.asarray(gy)
    y.backward()
    numpy.testing.assert_allclose(cupy.asnumpy(v.grad), cpu_g, rtol=1e-5, atol=1e-6)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'reduce': ['mean', 'no'],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestSigmoidCrossEntropy(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 5e-3, 'rtol': 5e-3}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return _data((4, 3), self.dtype)

    def forward(self, inputs, device):
        return F.sigmoid_cross_entropy(*inputs, reduce=self.reduce),

    def forward_expected(self, inputs):
        return numpy.asarray(_ref(*inputs, reduce=self.reduce)).astype(self.dtype),
