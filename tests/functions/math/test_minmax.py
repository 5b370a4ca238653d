"""F.max / F.min (axes, keepdims, ties, both backward paths, double backward)
and F.argmax / F.argmin (int32, not differentiable)."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

AXES = [None, 0, 1, 2, -1, (0, 2), (2, 0), (0, 1, 2), ()]


def _distinct(shape, dtype=numpy.float64, seed=0):
    """Distinct values 0.1 apart (no ties)."""
    rng = numpy.random.RandomState(seed)
    n = int(numpy.prod(shape))
    return (rng.permutation(n) * 0.1 - n * 0.05).reshape(shape).astype(dtype)


FUNCS = [('max', F.max, numpy.max, 'Max'), ('min', F.min, numpy.min, 'Min')]
IDS = [c[0] for c in FUNCS]


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('keepdims', [False, True])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(name, func, ref, label, axis, keepdims, dtype):
    x = _distinct((2, 3, 4), dtype)
    x0 = x.copy()
    y = func(x, axis=axis, keepdims=keepdims)
    expect = ref(x, axis=axis, keepdims=keepdims)
    assert y.dtype == dtype and y.shape == expect.shape
    assert isinstance(y.array, numpy.ndarray)
    numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('keepdims', [False, True])
def test_backward(name, func, ref, label, axis, keepdims):
    x = _distinct((2, 3, 4))
    gy = numpy.asarray(numpy.random.randn(*ref(x, axis=axis, keepdims=keepdims).shape))
    check_backward(lambda v: func(v, axis=axis, keepdims=keepdims), x, gy)


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('axis', [None, 1, (0, 2)])
def test_double_backward(name, func, ref, label, axis):
    x = _distinct((2, 3, 4)) + 3.0      # positive: x * x has no ties either
    gy = numpy.asarray(numpy.random.randn(*ref(x, axis=axis).shape))

    def f(v):
        return func(v * v, axis=axis)
    check_double_backward(f, x, gy, numpy.random.randn(2, 3, 4))


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('axis', AXES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(name, func, ref, label, axis, dtype):
    x = _distinct((2, 3, 4), dtype)
    gy = numpy.asarray(numpy.random.randn(*ref(x, axis=axis).shape)).astype(dtype)

    def f(v):
        return func(v, axis=axis)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=True)
    slow, = [v.grad for v in vs]
    assert fast.dtype == slow.dtype == dtype and fast.shape == slow.shape == x.shape
    numpy.testing.assert_array_equal(fast, slow)
    winners = x == ref(x, axis=axis, keepdims=True)
    kept = ref(x, axis=axis, keepdims=True).shape
    numpy.testing.assert_array_equal(fast, numpy.where(winners, gy.reshape(kept), 0))


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
@pytest.mark.parametrize('double', [False, True])
def test_ties_all_get_the_gradient(name, func, ref, label, double):
    # Chainer's rule: every element equal to the result receives gy.
    x = numpy.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    if name == 'min':
        x = -x
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([(lambda v: func(v, axis=1))(*vs)], [numpy.array([5.0, 7.0]).copy()],
                      enable_double_backprop=double)
    g, = [v.grad for v in vs]
    numpy.testing.assert_array_equal(g, [[0, 5, 5], [7, 7, 0]])


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
def test_non_contiguous_input(name, func, ref, label):
    x = _distinct((4, 10))[:, ::2]
    assert not x.flags.c_contiguous
    for axis in (None, 0, 1):
        numpy.testing.assert_array_equal(func(x, axis=axis).array, ref(x, axis=axis))
    check_backward(lambda v: func(v, axis=0), x, numpy.random.randn(5))


@pytest.mark.parametrize('name,func,ref,label', FUNCS, ids=IDS)
def test_errors(name, func, ref, label):
    x = numpy.zeros((2, 3))
    with pytest.raises(InvalidType, match=label):
        func(x, axis=2)
    with pytest.raises(InvalidType, match=label):
        func(x, axis=(0, -3))
    with pytest.raises(ValueError, match='duplicate'):
        func(x, axis=(1, -1))
    with pytest.raises(TypeError, match='axis'):
        func(x, axis=[0])
    with pytest.raises(TypeError, match='axis'):
        func(x, axis=1.0)
    with pytest.raises(InvalidType, match=label):
        func(numpy.zeros((2, 3), numpy.int32))


# -- argmax / argmin ------------------------------------------------------------

ARGS = [('argmax', F.argmax, numpy.argmax, 'ArgMax'), ('argmin', F.argmin, numpy.argmin,
                                                       'ArgMin')]
ARG_IDS = [c[0] for c in ARGS]


@pytest.mark.parametrize('name,func,ref,label', ARGS, ids=ARG_IDS)
@pytest.mark.parametrize('axis', [None, 0, 1, 2, -1, -3])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_arg_forward_is_int32(name, func, ref, label, axis, dtype):
    x = _distinct((2, 3, 4), dtype)
    y = func(x, axis=axis)
    expect = ref(x, axis=axis)
    assert y.dtype == numpy.int32 and y.shape == numpy.shape(expect)
    assert isinstance(y.array, numpy.ndarray)
    numpy.testing.assert_array_equal(y.array, expect)


@pytest.mark.parametrize('name,func,ref,label', ARGS, ids=ARG_IDS)
def test_arg_first_index_on_ties_and_non_contiguous(name, func, ref, label):
    x = numpy.array([[1.0, 5.0, 5.0, 1.0]] * 3).T[::2]     # (2, 3), non-contiguous
    assert not x.flags.c_contiguous
    numpy.testing.assert_array_equal(func(x, axis=0).array, ref(x, axis=0))
    numpy.testing.assert_array_equal(func(x).array, ref(x))


@pytest.mark.parametrize('name,func,ref,label', ARGS, ids=ARG_IDS)
@pytest.mark.parametrize('double', [False, True])
def test_arg_is_not_differentiable(name, func, ref, label, double):
    x = Variable(_distinct((3, 4)))
    idx = func(x, axis=1)
    y = F.sum(x * 2.0) + F.sum(x * 0.0)
    y.backward(enable_double_backprop=double)
    numpy.testing.assert_array_equal(x.grad, numpy.full((3, 4), 2.0))
    # backward through the index output itself gives the input no gradient
    x.cleargrad()
    idx.grad = numpy.ones(3, numpy.int32)
    idx.backward()
    assert x.grad is None


@pytest.mark.parametrize('name,func,ref,label', ARGS, ids=ARG_IDS)
def test_arg_errors(name, func, ref, label):
    x = numpy.zeros((2, 3))
    with pytest.raises(InvalidType, match=label):
        func(x, axis=2)
    with pytest.raises(TypeError, match='axis'):
        func(x, axis=(0,))
    with pytest.raises(InvalidType, match=label):
        func(numpy.zeros((2, 3), numpy.int32))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'func': IDS,
    'axis': [None, 1, (0, 2)],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestMaxMin(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    dodge_nondifferentiable = True

    def setUp(self):
        _, self.func_, self.ref, _ = FUNCS[IDS.index(self.func)]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return _distinct((2, 3, 4), self.dtype, seed=numpy.random.randint(2 ** 31)),

    def forward(self, inputs, device):
        return self.func_(inputs[0], axis=self.axis),

    def forward_expected(self, inputs):
        return numpy.asarray(self.ref(inputs[0], axis=self.axis)),
