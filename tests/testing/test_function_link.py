"""FunctionTestCase, LinkTestCase, LinkInitializersTestCase and
inject_backend_tests, used the way a Chainer user's suite uses them."""
import unittest

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import initializers, testing


@testing.parameterize(*testing.product({'shape': [(3, 2), ()],
                                        'dtype': [numpy.float32, numpy.float64]}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestTanhCase(testing.FunctionTestCase):

    def setUp(self):
        if self.dtype == numpy.float32:
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return numpy.random.uniform(-1, 1, self.shape).astype(self.dtype),

    def forward(self, inputs, device):
        return F.tanh(*inputs),

    def forward_expected(self, inputs):
        return numpy.asarray(numpy.tanh(inputs[0])).astype(self.dtype),


@testing.inject_backend_tests(None, [{}])
class TestWrongOp(testing.FunctionTestCase):
    """An op whose forward is wrong: the forward check must fail."""

    skip_backward_test = True
    skip_double_backward_test = True

    def generate_inputs(self):
        return numpy.ones((2,), numpy.float64),

    def forward(self, inputs, device):
        return inputs[0] * 2,

    def forward_expected(self, inputs):
        return inputs[0] * 3,

    def test_forward(self, backend_config):
        with pytest.raises(testing.FunctionTestError, match='do not match'):
            self.run_test_forward(backend_config)



class _TwoPathSquare(fastgrad.FunctionNode):
    """x**2 whose differentiable-path gradient (backward) is wrong (2x + 1)
    while its fast path (backward_arrays) is right: each path is
    self-consistent, so only comparing the two paths finds the bug."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return inputs[0] * inputs[0],

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        return 2 * x * grad_outputs[0],

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return (2 * x + 1) * grad_outputs[0],


@testing.inject_backend_tests(None, [{}])
class TestPathsDisagree(testing.FunctionTestCase):
    """test_backward passes (fast path right); test_double_backward must
    fail on the disagreeing differentiable path."""

    def generate_inputs(self):
        return numpy.random.uniform(-1, 1, (3,)),

    def forward(self, inputs, device):
        return _TwoPathSquare().apply(inputs)

    def forward_expected(self, inputs):
        return inputs[0] ** 2,

    def test_double_backward(self, backend_config):
        with pytest.raises(testing.FunctionTestError, match='disagree'):
            self.run_test_double_backward(backend_config)


@testing.inject_backend_tests(['test_with_backend'], [{}])
class TestSomeMethods(unittest.TestCase):

    def test_with_backend(self, backend_config):
        assert backend_config.xp is numpy

    def test_without_backend(self):
        pass


def test_generated_classes():
    names = [n for n in globals() if n.startswith('TestTanhCase_')]
    assert len(names) == 8          # 4 parameter sets x 2 backends
    cpu = [n for n in names if 'use_cuda_false' in n]
    assert len(cpu) == 4
    assert any(n.startswith('TestSomeMethods_no_backend') for n in globals())


@testing.inject_backend_tests(None, [{}])
class TestLinearLink(testing.LinkTestCase):
    param_names = ('W', 'b')
    check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_params(self):
        return (numpy.random.uniform(-1, 1, (3, 2)).astype(numpy.float32),
                numpy.random.uniform(-1, 1, (3,)).astype(numpy.float32))

    def create_link(self, initializers):
        W, b = initializers
        return L.Linear(2, 3, initialW=W, initial_bias=b)

    def generate_inputs(self):
        return numpy.random.uniform(-1, 1, (4, 2)).astype(numpy.float32),

    def forward_expected(self, link, inputs):
        x, = inputs
        return (x.dot(link.W.array.T) + link.b.array).astype(numpy.float32),


@testing.inject_backend_tests(None, [{}])
class TestLinearInitializers(testing.LinkInitializersTestCase):
    param_names = ('W', 'b')

    def generate_params(self):
        return initializers.Constant(1), initializers.Constant(2)

    def create_link(self, inits):
        W, b = inits
        return L.Linear(2, 3, initialW=W, initial_bias=b)

    def generate_inputs(self):
        return numpy.ones((1, 2), numpy.float32),

    def get_initializers(self):
        return ([initializers.Constant(3), 4.0],
                [initializers.Constant(5), testing.InitializerArgument(None, 0)])


def test_backend_config():
    cfg = testing.BackendConfig({})
    assert cfg.xp is numpy and not cfg.use_cuda
    with cfg:
        pass
    assert 'use_cuda_false' in cfg.get_func_str()
    with pytest.raises(ValueError, match='not defined'):
        testing.BackendConfig({'no_such': 1})
    assert testing.BackendConfig({'use_cuda': True}).cuda_device == 0


def test_helpers(tmp_path):
    with testing.assert_warns(UserWarning):
        import warnings
        warnings.warn('x')
    with pytest.raises(AssertionError):
        with testing.assert_warns(UserWarning):
            pass
    m = testing.generate_matrix((2, 3, 4), singular_values=[1.0, 2.0, 3.0])
    numpy.testing.assert_allclose(numpy.linalg.svd(m, compute_uv=False), [[3, 2, 1]] * 2)
    src, dst = L.Linear(2, 3), L.Linear(2, 3)
    testing.save_and_load_npz(src, dst)
    numpy.testing.assert_array_equal(src.W.array, dst.W.array)
    trainer = testing.get_trainer_with_mock_updater((3, 'iteration'), iter_per_epoch=2)
    trainer.run()
    assert trainer.updater.iteration == 3 and trainer.updater.epoch == 1
    assert testing.from_pytest_parameterize('a,b', [(1, 2)]) == [{'a': 1, 'b': 2}]


@testing.with_requires('numpy>=1.0')
class TestRequires(unittest.TestCase):
    def test_runs(self):
        pass


@testing.without_requires('numpy>=1.0')
class TestSkipped(unittest.TestCase):
    def test_never(self):
        raise AssertionError('must be skipped')


@testing.unary_math_function_unittest(F.exp)
class TestExp(unittest.TestCase):
    pass
