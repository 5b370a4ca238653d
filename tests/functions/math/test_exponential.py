"""F.exp and F.log: forward against NumPy, both backward paths, double backward."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward

FUNCS = [('exp', F.exp, numpy.exp, (-2, 2)), ('log', F.log, numpy.log, (0.5, 3))]
IDS = [f[0] for f in FUNCS]
TOL = {numpy.float16: 2e-3, numpy.float32: 1e-6, numpy.float64: 1e-14}


def _input(shape, low_high, dtype=numpy.float64):
    return numpy.asarray(numpy.random.uniform(*low_high, size=shape)).astype(dtype)


@pytest.mark.parametrize('name,func,ref,dom', FUNCS, ids=IDS)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', [(), (4,), (3, 4)])
def test_forward(name, func, ref, dom, dtype, shape):
    x = _input(shape, dom, dtype)
    x0 = x.copy()
    y = func(x)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array, ref(x.astype(numpy.float64)),
                                  rtol=TOL[dtype], atol=TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('name,func,ref,dom', FUNCS, ids=IDS)
def test_backward(name, func, ref, dom):
    check_backward(func, _input((3, 4), dom), numpy.random.randn(3, 4))


@pytest.mark.parametrize('name,func,ref,dom', FUNCS, ids=IDS)
def test_double_backward(name, func, ref, dom):
    check_double_backward(func, _input((3, 4), dom), numpy.random.randn(3, 4),
                          numpy.random.randn(3, 4))


def test_gradient_formulas():
    x = _input((5,), (0.5, 2))
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([F.exp(*vs)], [numpy.ones(5).copy()])
    g, = [v.grad for v in vs]
    numpy.testing.assert_allclose(g, numpy.exp(x), rtol=1e-14)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([F.log(*vs)], [numpy.ones(5).copy()])
    g, = [v.grad for v in vs]
    numpy.testing.assert_allclose(g, 1 / x, rtol=1e-14)


@pytest.mark.parametrize('name,func,ref,dom', FUNCS, ids=IDS)
def test_non_contiguous_input(name, func, ref, dom):
    base = _input((4, 10), dom)
    for x in (base[:, ::2], base.T):
        assert not x.flags.c_contiguous
        numpy.testing.assert_allclose(func(x).array, ref(x), rtol=1e-14)
        check_backward(func, x, numpy.random.randn(*x.shape))


def test_log_of_exp_is_identity_with_unit_gradient():
    x = _input((3, 4), (-2, 2))
    v = Variable(x)
    y = F.sum(F.log(F.exp(v)))
    y.backward()
    numpy.testing.assert_allclose(v.grad, numpy.ones_like(x), rtol=1e-14)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'func': IDS,
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestExpLog(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        _, self.func_, self.ref, self.dom = FUNCS[IDS.index(self.func)]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return _input((3, 4), self.dom, self.dtype),

    def forward(self, inputs, device):
        return self.func_(inputs[0]),

    def forward_expected(self, inputs):
        return self.ref(inputs[0].astype(numpy.float64)).astype(self.dtype),
