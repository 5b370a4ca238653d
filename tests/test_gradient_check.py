import numpy
import pytest

import fastgrad
from fastgrad import gradient_check, testing

# ---------------------------------------------------------------------------
# Helper FunctionNodes
# ---------------------------------------------------------------------------

class Square(fastgrad.FunctionNode):
    """y = x ** 2 with a configurable backward factor (2 is correct)."""

    def __init__(self, factor=2.0):
        self.factor = factor

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return x * x,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        gy, = grad_outputs
        return gy * x * self.factor,


class Cube(fastgrad.FunctionNode):
    """y = x ** 3; ``detach`` computes 3x^2 as a constant (first-order
    correct, second-order wrong)."""

    def __init__(self, detach=False):
        self.detach = detach

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return x * x * x,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        gy, = grad_outputs
        if self.detach:
            c = fastgrad.Variable(3 * x.array * x.array, requires_grad=False)
            return gy * c,
        return gy * x * x * 3,


class MulFirstOnly(fastgrad.FunctionNode):
    """y = a * b; the backward returns only the gradient of ``a``."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b = inputs
        return a * b,

    def backward(self, indexes, grad_outputs):
        a, b = self.get_retained_inputs()
        gy, = grad_outputs
        return tuple(gy * b if i == 0 else None for i in indexes)


class ScaleByIndex(fastgrad.FunctionNode):
    """y = x * k where k is an int array input (no gradient)."""

    def forward(self, inputs):
        self.retain_inputs((1,))
        x, k = inputs
        return (x * k).astype(x.dtype),

    def backward(self, indexes, grad_outputs):
        k, = self.get_retained_inputs()
        gy, = grad_outputs
        gx = gy * fastgrad.Variable(k.array.astype(gy.dtype), requires_grad=False)
        return tuple(gx if i == 0 else None for i in indexes)


class SumAll(fastgrad.FunctionNode):
    def forward(self, inputs):
        self.retain_inputs(())
        x, = inputs
        self._shape = x.shape
        return numpy.asarray(x.sum(), dtype=x.dtype),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        return fastgrad.functions.broadcast_to(gy, self._shape),


def _rand(*shape, dtype=numpy.float64):
    return numpy.random.uniform(-1, 1, shape).astype(dtype)


# ---------------------------------------------------------------------------
# numerical_grad
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_numerical_grad_matches_analytic(dtype):
    x = _rand(3, 4, dtype=dtype)
    y = _rand(3, 4, dtype=dtype)
    gz = _rand(3, 4, dtype=dtype)
    x0, y0 = x.copy(), y.copy()

    def f():
        return numpy.sin(x) * y,

    gx, gy = gradient_check.numerical_grad(f, (x, y), (gz,))
    assert gx.dtype == dtype and gx.shape == x.shape
    tol = dict(atol=1e-3, rtol=1e-2) if dtype == numpy.float32 else {}
    testing.assert_allclose(gx, gz * numpy.cos(x) * y, **tol)
    testing.assert_allclose(gy, gz * numpy.sin(x), **tol)
    # the inputs are restored
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(y, y0)


def test_numerical_grad_multiple_outputs_and_scalars():
    x = _rand(5)
    g1 = _rand(5)

    def f():
        return numpy.exp(x), (x ** 2).sum(), None

    gx, = gradient_check.numerical_grad(f, (x,), (g1, 2.0, None))
    testing.assert_allclose(gx, g1 * numpy.exp(x) + 2.0 * 2 * x)


def test_numerical_grad_zero_dim_and_single_output():
    x = numpy.array(0.7)
    gx, = gradient_check.numerical_grad(lambda: x ** 3, (x,), (1.0,))
    testing.assert_allclose(gx, 3 * 0.7 ** 2)


def test_numerical_grad_accurate_with_detection():
    x = numpy.array([0.3, 1.2])
    f = lambda: (numpy.exp(3 * x),)  # NOQA
    g2, = gradient_check.numerical_grad(f, (x,), (numpy.ones(2),), eps=1e-2)
    g5, = gradient_check.numerical_grad(f, (x,), (numpy.ones(2),), eps=1e-2,
                                        detect_nondifferentiable=True)
    exact = 3 * numpy.exp(3 * x)
    err2 = numpy.abs(g2 - exact).max()
    err5 = numpy.abs(g5 - exact).max()
    assert err5 < err2 / 100


def test_numerical_grad_detects_kink():
    x = numpy.array([0.0])
    with pytest.raises(gradient_check.NondifferentiableError):
        gradient_check.numerical_grad(lambda: (numpy.abs(x),), (x,), (numpy.ones(1),),
                                      detect_nondifferentiable=True)
    x = numpy.array([0.0, 1.0])
    with pytest.raises(gradient_check.NondifferentiableError):
        gradient_check.numerical_grad(lambda: (numpy.maximum(x, 0),), (x,),
                                      (numpy.ones(2),), detect_nondifferentiable=True)


def test_numerical_grad_smooth_points_not_flagged():
    x = numpy.array([-0.5, 1.0, 2.0])
    gx, = gradient_check.numerical_grad(
        lambda: (numpy.abs(x), numpy.tanh(x) * 5 + 3), (x,),
        (numpy.ones(3), numpy.ones(3)), detect_nondifferentiable=True)
    testing.assert_allclose(gx, numpy.sign(x) + 5 * (1 - numpy.tanh(x) ** 2))


def test_numerical_grad_detection_looks_within_eps_only():
    """Differentiable on [x - eps, x + eps] is differentiable: a kink 1.2
    eps away is not reported."""
    eps = 1e-3
    x = numpy.array([1.2 * eps, -1.2 * eps])
    gx, = gradient_check.numerical_grad(lambda: (numpy.abs(x),), (x,), (numpy.ones(2),),
                                        eps=eps, detect_nondifferentiable=True)
    testing.assert_allclose(gx, [1, -1])


def test_numerical_grad_kink_is_measured_against_the_variation():
    """clip(x, 0, 1) at 1: the outputs are all near 1 but vary by eps; the
    kink is as large as that variation, so it is found."""
    x = numpy.array([1.0])
    with pytest.raises(gradient_check.NondifferentiableError):
        gradient_check.numerical_grad(lambda: (x.clip(0, 1),), (x,), (numpy.ones(1),),
                                      detect_nondifferentiable=True)
    # a huge smooth output is not a kink
    x = numpy.array([100.0])
    gx, = gradient_check.numerical_grad(lambda: (numpy.exp(x),), (x,), (numpy.ones(1),),
                                        detect_nondifferentiable=True)
    testing.assert_allclose(gx, numpy.exp(x), rtol=1e-9)


def test_numerical_grad_detects_finiteness_jump():
    x = numpy.array([1e-4])
    with numpy.errstate(divide='ignore', invalid='ignore'):
        with pytest.raises(gradient_check.NondifferentiableError):
            gradient_check.numerical_grad(
                lambda: (numpy.log(x),), (x,), (numpy.ones(1),),
                detect_nondifferentiable=True)


def test_numerical_grad_consistently_nonfinite_is_ignored():
    x = numpy.array([-1.0])
    with numpy.errstate(invalid='ignore'):
        gx, = gradient_check.numerical_grad(
            lambda: (numpy.log(x),), (x,), (numpy.ones(1),),
            detect_nondifferentiable=True)
    assert numpy.isnan(gx).all()


def test_numerical_grad_center_outputs():
    x = numpy.array([0.5, 1.5])
    calls = []

    def f():
        calls.append(1)
        return x ** 2,

    gradient_check.numerical_grad(f, (x,), (numpy.ones(2),),
                                  detect_nondifferentiable=True,
                                  center_outputs=(x ** 2,))
    assert len(calls) == 2 * 4


def test_numerical_grad_eps_too_small():
    x = numpy.array([1.0], numpy.float16)
    with pytest.raises(ValueError):
        gradient_check.numerical_grad(lambda: (x * 2,), (x,), (numpy.ones(1),),
                                      eps=1e-6)


def test_numerical_grad_rejects_int_inputs():
    x = numpy.array([1, 2])
    with pytest.raises(TypeError):
        gradient_check.numerical_grad(lambda: (x * 2,), (x,), (numpy.ones(2),))


# ---------------------------------------------------------------------------
# check_backward
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_check_backward_variable_arithmetic(dtype):
    tol = dict(atol=1e-3, rtol=1e-3) if dtype == numpy.float32 else {}
    x = _rand(3, 4, dtype=dtype)
    y = _rand(3, 4, dtype=dtype)
    gz = _rand(3, 4, dtype=dtype)
    gradient_check.check_backward(lambda x: x * x, x, gz, **tol)
    gradient_check.check_backward(lambda x, y: x * y + x, (x, y), gz, **tol)


def test_check_backward_function_node():
    x = _rand(2, 3)
    gradient_check.check_backward(lambda x: Square().apply((x,))[0], x, _rand(2, 3))


def test_check_backward_with_one_function_node_instance_reused():
    # Chainer's own tests write func as one FunctionNode instance applied on
    # every call; the numerical pass may apply it again once the first graph
    # is dropped
    f = fastgrad.functions.math.basic_math.Mul()
    x = numpy.random.rand(3)
    y = numpy.random.rand(3)
    gradient_check.check_backward(lambda a, b: f.apply((a, b))[0], (x, y),
                                  numpy.random.rand(3))


def test_check_backward_detects_wrong_gradient():
    x = _rand(2, 3)
    with pytest.raises(AssertionError) as info:
        gradient_check.check_backward(
            lambda x: Square(factor=3.0).apply((x,))[0], x, _rand(2, 3))
    msg = str(info.value)
    assert 'check_backward failed' in msg
    assert 'numeric' in msg and 'backward' in msg
    assert 'atol=1e-05' in msg and 'rtol=0.0001' in msg


def test_check_backward_failure_names_the_wrong_input():
    def f(x, y):
        return Square(factor=2.5).apply((x,))[0] + y * y

    with pytest.raises(AssertionError) as info:
        gradient_check.check_backward(f, (_rand(4), _rand(4)), _rand(4))
    lines = [l for l in str(info.value).splitlines() if 'differs' in l]
    assert len(lines) == 1 and 'input 0' in lines[0]


def test_check_backward_multiple_outputs():
    def f(x, y):
        return x * y, x + y, x * x

    x, y = _rand(3), _rand(3)
    gradient_check.check_backward(f, (x, y), (_rand(3), _rand(3), _rand(3)))
    # None skips an output
    gradient_check.check_backward(f, (x, y), (_rand(3), None, _rand(3)))


def test_check_backward_identity_and_repeated_outputs():
    x = _rand(3)
    gradient_check.check_backward(lambda x: x, x, _rand(3))
    gradient_check.check_backward(lambda x: (x * 2, x * 2), x, (_rand(3), _rand(3)))

    def twice(x):
        y = x * x
        return y, y

    gradient_check.check_backward(twice, x, (_rand(3), _rand(3)))


def test_check_backward_y_grad_none():
    x = _rand(2, 3)
    gradient_check.check_backward(lambda x: SumAll().apply((x * x,))[0], x, None)
    with pytest.raises(ValueError):
        gradient_check.check_backward(lambda x: x * x, x, None)


def test_check_backward_y_grad_mismatch():
    x = _rand(2, 3)
    with pytest.raises(ValueError):
        gradient_check.check_backward(lambda x: x * x, x, _rand(3, 2))
    with pytest.raises(ValueError):
        gradient_check.check_backward(lambda x: x * x, x, (_rand(2, 3), _rand(2, 3)))


def test_check_backward_unused_input():
    x, y = _rand(3), _rand(3)
    gradient_check.check_backward(lambda x, y: x * 3, (x, y), _rand(3))


def test_check_backward_no_grads_int_input():
    x = _rand(4)
    k = numpy.array([1, 2, 3, 4], numpy.int32)
    gradient_check.check_backward(lambda x, k: ScaleByIndex().apply((x, k))[0],
                                  (x, k), _rand(4))


def test_check_backward_no_grads_explicit():
    a, b = _rand(3), _rand(3)
    f = lambda a, b: MulFirstOnly().apply((a, b))[0]  # NOQA
    # b has no gradient: checking only a passes
    gradient_check.check_backward(f, (a, b), _rand(3), no_grads=[False, True])
    # ... checking b too fails: its numerical gradient is not zero
    with pytest.raises(AssertionError):
        gradient_check.check_backward(f, (a, b), _rand(3))
    # an input marked no_grad that receives a gradient is an error
    with pytest.raises(RuntimeError):
        gradient_check.check_backward(lambda a, b: a * b, (a, b), _rand(3),
                                      no_grads=[False, True])
    with pytest.raises(ValueError):
        gradient_check.check_backward(f, (a, b), _rand(3), no_grads=[False])


def test_check_backward_params():
    p = fastgrad.Parameter(_rand(3))
    x = _rand(3)
    before = p.array.copy()
    gradient_check.check_backward(lambda x: x * p + p * p, x, _rand(3), params=(p,))
    numpy.testing.assert_array_equal(p.array, before)
    assert p.grad is not None


def test_check_backward_wrong_param_gradient():
    p = fastgrad.Parameter(_rand(3))
    x = _rand(3)
    with pytest.raises(AssertionError) as info:
        gradient_check.check_backward(
            lambda x: x + Square(factor=1.0).apply((p,))[0], x, _rand(3), params=p)
    assert 'param 0' in str(info.value)


def test_check_backward_dtype_option():
    # float16 is too coarse for eps=1e-3 without casting
    x = numpy.random.uniform(0.5, 1.0, (3,)).astype(numpy.float16)
    gy = numpy.random.uniform(-1, 1, (3,)).astype(numpy.float16)
    gradient_check.check_backward(lambda x: x * x, x, gy, dtype=numpy.float64,
                                  atol=1e-2, rtol=1e-2)
    with pytest.raises(ValueError):
        gradient_check.check_backward(lambda x: x * x, x, gy, dtype=numpy.int32)


def test_check_backward_detect_nondifferentiable():
    x = numpy.array([0.0, 0.5, -0.5])
    relu = fastgrad.functions.relu
    with pytest.raises(gradient_check.NondifferentiableError):
        gradient_check.check_backward(relu, x, numpy.ones(3),
                                      detect_nondifferentiable=True)
    gradient_check.check_backward(relu, numpy.array([0.5, -0.5]), numpy.ones(2),
                                  detect_nondifferentiable=True)


def test_check_backward_gradient_shape_error():
    class BadShape(fastgrad.FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 2,

        def backward(self, indexes, grad_outputs):
            return fastgrad.Variable(numpy.zeros(7)),

    with pytest.raises((ValueError, TypeError)):
        gradient_check.check_backward(lambda x: BadShape().apply((x,))[0],
                                      _rand(3), _rand(3))


# ---------------------------------------------------------------------------
# check_double_backward
# ---------------------------------------------------------------------------

def test_check_double_backward_cube():
    x = _rand(3, 2)
    gradient_check.check_double_backward(lambda x: x * x * x, x, _rand(3, 2), _rand(3, 2))


def test_check_double_backward_function_node():
    x = _rand(4)
    f = lambda x: Cube().apply((x,))[0]  # NOQA
    gradient_check.check_backward(f, x, _rand(4))
    gradient_check.check_double_backward(f, x, _rand(4), _rand(4))


def test_check_double_backward_detects_wrong_second_order():
    x = _rand(4)
    f = lambda x: Cube(detach=True).apply((x,))[0]  # NOQA
    gradient_check.check_backward(f, x, _rand(4))  # first order is right
    with pytest.raises(AssertionError) as info:
        gradient_check.check_double_backward(f, x, _rand(4), _rand(4))
    assert 'check_double_backward failed' in str(info.value)


def test_check_double_backward_two_inputs_and_params():
    p = fastgrad.Parameter(_rand(3))
    x, y = _rand(3), _rand(3)
    gradient_check.check_double_backward(
        lambda x, y: x * y * p + x * x, (x, y), _rand(3),
        (_rand(3), _rand(3)), params=(p,), params_grad_grad=(_rand(3),))


def test_check_double_backward_y_grad_none():
    x = _rand(3)
    gradient_check.check_double_backward(
        lambda x: SumAll().apply((x * x * x,))[0], x, None, _rand(3))


def test_assert_allclose_reexported():
    assert gradient_check.assert_allclose is testing.assert_allclose


def test_check_double_backward_with_a_missing_output_grad():
    import numpy as np

    import fastgrad.functions as F
    from fastgrad.gradient_check import check_double_backward
    rng = np.random.RandomState(0)
    # lstm has two outputs (c, h); only h gets an upstream gradient here.
    check_double_backward(F.lstm, (rng.randn(3, 4), rng.randn(3, 16)),
                          (None, rng.randn(3, 4)), (rng.randn(3, 4), rng.randn(3, 16)))


def test_numerical_grad_runs_without_the_input_checks():
    """As in Chainer: check_backward(dtype='d') on a float32 link casts the
    inputs only; the finite differences then mix float64 inputs with float32
    parameters, which the input checks would refuse."""
    seen = []

    def f():
        seen.append(fastgrad.config.type_check)
        return x * 2,
    x = _rand(3)
    gradient_check.numerical_grad(f, (x,), (_rand(3),))
    assert seen and not any(seen) and fastgrad.config.type_check
    import fastgrad.links as L
    link = L.Linear(3, 2)
    gradient_check.check_backward(link, _rand(4, 3).astype(numpy.float32),
                                  _rand(4, 2).astype(numpy.float32), dtype=numpy.float64,
                                  atol=1e-3, rtol=1e-3)
