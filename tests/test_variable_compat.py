"""Variable / FunctionNode behaviour that Chainer code relies on (Chainer 7.8.1's
documented semantics), checked with our own graphs and NumPy float64 values."""
import re

import numpy as np
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import FunctionNode, Variable

# -- FunctionNode() itself takes attributes on the instance --------------------

def test_plain_function_node_takes_instance_methods():
    f = FunctionNode()
    assert isinstance(f, FunctionNode)
    assert f.label == 'FunctionNode'
    x = np.array([1., 2., 3.])
    f.forward_cpu = lambda inputs: (inputs[0] * 3,)
    gx_given = np.array([7., 8., 9.])
    f.backward = lambda indexes, gys: (Variable(gx_given),)
    xv = Variable(x)
    y, = f.apply((xv,))
    np.testing.assert_array_equal(y.array, x * 3)
    y.grad = np.ones(3)
    y.backward()
    np.testing.assert_array_equal(xv.grad, gx_given)


def test_subclasses_keep_their_own_type_and_slots():
    class Slotted(FunctionNode):
        __slots__ = ()

        def forward(self, inputs):
            return inputs[0] + 1,

    f = Slotted()
    assert type(f) is Slotted
    assert not hasattr(f, '__dict__')
    with pytest.raises(AttributeError):
        f.anything = 1
    y, = f.apply((np.zeros(2),))
    np.testing.assert_array_equal(y.array, [1., 1.])


# -- backward_accumulate ----------------------------------------------------------

class _MulAddAccumulate(FunctionNode):
    """a * b + c whose gradients are summed into what was gathered so far."""

    calls = []

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b, c = inputs
        return a * b + c,

    def backward_accumulate(self, indexes, grad_outputs, grad_inputs):
        a, b = self.get_retained_inputs()
        g, = grad_outputs
        type(self).calls.append((indexes, tuple(
            None if gi is None else gi.array.copy() for gi in grad_inputs)))
        own = {0: g * b, 1: g * a, 2: g}
        return tuple(own[i] if gi is None else own[i] + gi
                     for i, gi in zip(indexes, grad_inputs))


def _muladd(a, b, c):
    return _MulAddAccumulate().apply((a, b, c))[0]


def test_backward_accumulate_receives_gathered_grads():
    rng = np.random.RandomState(0)
    a, b, c = (rng.randn(4) for _ in range(3))
    gy = rng.randn(4)
    _MulAddAccumulate.calls = []
    xa, xb = Variable(a.copy()), Variable(b.copy())
    h = xa * 2.0
    k = (xb * 1.0) * 1.0
    # h's other consumer, h + k, has a higher rank than the MulAdd node (k is
    # deeper), so it runs first and h's gradient from it is waiting
    y = _muladd(h, xb, c) + (h + k) * 5.0
    y.grad = gy.copy()
    y.backward()
    np.testing.assert_allclose(xa.grad, 2 * (gy * b + 5 * gy))
    np.testing.assert_allclose(xb.grad, gy * 2 * a + 5 * gy)
    (indexes, gins), = _MulAddAccumulate.calls
    assert indexes == (0, 1)             # c is a raw array: no gradient
    np.testing.assert_allclose(gins[0], 5 * gy)
    # xb's gradient through k comes later (lower rank)
    assert gins[1] is None


def test_backward_accumulate_same_input_twice_and_existing_leaf_grad():
    x0 = np.array([1.5, -2.0, 0.5])
    g_old = np.array([0.25, 0.5, -1.0])
    gy = np.array([1.0, 2.0, 3.0])
    x = Variable(x0.copy(), grad=g_old.copy())
    y = _muladd(x, x, x)                 # x * x + x
    y.grad = gy.copy()
    y.backward()
    # the stored grad is kept and the three uses are summed: gy * (2x + 1)
    np.testing.assert_allclose(x.grad, g_old + gy * (2 * x0 + 1))


def test_default_backward_accumulate_adds_to_gathered():
    class Double(FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 2,

        def backward(self, indexes, grad_outputs):
            return grad_outputs[0] * 2,

    f = Double()
    x = Variable(np.array([1., 2.]))
    f.apply((x,))
    gy = Variable(np.array([3., 4.]))
    gin = Variable(np.array([10., 20.]))
    out, = f.backward_accumulate((0,), (gy,), (gin,))
    np.testing.assert_array_equal(out.array, [16., 28.])
    out, = f.backward_accumulate((0,), (gy,), (None,))
    np.testing.assert_array_equal(out.array, [6., 8.])


def test_backward_accumulate_wrong_count_is_an_error():
    class Bad(FunctionNode):
        def forward(self, inputs):
            return inputs[0] + inputs[1],

        def backward_accumulate(self, indexes, grad_outputs, grad_inputs):
            return grad_outputs[0],       # one gradient for two targets

    x1, x2 = Variable(np.ones(2)), Variable(np.ones(2))
    y, = Bad().apply((x1, x2))
    y.grad = np.ones(2)
    with pytest.raises(ValueError, match='Bad.backward_accumulate'):
        y.backward()


# -- retain_grad keeps the output's gradient Variable -----------------------------

def test_retain_grad_keeps_output_grad_var_identity():
    x = Variable(np.array([1., 2.]))
    y = x * 3.0
    y.grad = np.array([1., -1.])
    gy = y.grad_var
    y.backward(retain_grad=True)
    assert y.grad_var is gy
    np.testing.assert_array_equal(x.grad, [3., -3.])


def test_retain_grad_stores_intermediate_grads():
    x = Variable(np.array([1., 2.]))
    h = x * 2.0
    y = h * h
    y.grad = np.ones(2)
    y.backward(retain_grad=True)
    np.testing.assert_allclose(h.grad, 2 * np.array([2., 4.]))


# -- printing -------------------------------------------------------------------

def test_str_of_empty_variable_has_no_shape_but_repr_does():
    v = Variable(np.empty((0, 0), np.float32), name='v')
    assert str(v) == 'variable v([])'
    assert repr(v) == 'variable v([], shape=(0, 0))'
    assert str(Variable(np.empty((0,), np.float32))) == 'variable([])'


def test_debug_print():
    a = np.array([[1., 2.], [3., 6.]])
    v = Variable(a, name='w')
    text = v.debug_print()
    lines = text.splitlines()
    assert lines[0] == '<variable w>'
    assert '- device: CPU' in lines
    assert '- backend: {}'.format(np.ndarray) in lines
    assert '- shape: (2, 2)' in lines
    assert '- dtype: float64' in lines
    assert '- statistics: mean=3.00000000, std={:.8f}'.format(np.sqrt(3.5)) in lines
    assert lines[-1] == '- grad: None'
    v.grad = np.zeros_like(a)
    assert v.debug_print().splitlines()[-1] == '- grad: 0'
    v.grad = np.array([[0., 0.], [0., 4.]])
    assert v.debug_print().splitlines()[-1] == '- grad: mean=1.00000000, std={:.8f}'.format(
        np.sqrt(3.0))


def test_debug_print_without_data():
    text = Variable().debug_print()
    for field in ('device', 'backend', 'shape', 'dtype', 'statistics', 'grad'):
        assert '- {}: None'.format(field) in text


# -- small Chainer conventions -------------------------------------------------------

def test_variable_node_rejects_grad_argument():
    with pytest.raises(ValueError, match='grad'):
        fastgrad.variable.VariableNode(Variable(), '', grad=None)
    with pytest.raises(TypeError):
        fastgrad.variable.VariableNode(Variable(), '')


def test_variables_are_never_chainerx_backed():
    assert Variable()._has_chainerx_array is False
    assert Variable(np.zeros(2))._has_chainerx_array is False
    assert fastgrad.Parameter(np.zeros(2))._has_chainerx_array is False


# -- debug mode: a backward error names where the function was applied -----------

def test_debug_mode_backward_error_shows_forward_stack():
    class BadGrad(FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 1,

        def backward(self, indexes, grad_outputs):
            raise ArithmeticError('broken gradient')

    x = Variable(np.array([1., 2.]))
    fastgrad.set_debug(True)
    try:
        import inspect
        line = inspect.currentframe().f_lineno + 1
        y, = BadGrad().apply((x,))
        assert y.creator.stack is not None
        with pytest.raises(ArithmeticError) as info:
            F.sum(y).backward()
    finally:
        fastgrad.set_debug(False)
    msg = str(info.value)
    assert msg.startswith('broken gradient')
    assert 'Stacktrace' in msg and 'BadGrad' in msg
    assert re.search(r'line {}\b'.format(line), msg)


def test_no_stack_outside_debug_mode():
    x = Variable(np.array([1., 2.]))
    y = x * 2.0
    assert y.creator.stack is None
    with np.errstate(divide='raise'):
        z = F.sqrt(Variable(np.array(0.)))
        with pytest.raises(FloatingPointError) as info:
            z.backward()
    assert 'Stacktrace' not in str(info.value)


# -- Parameter: copydata with uninitialized sides, dtype, shallow copies ---------

def test_copydata_from_uninitialized_parameter_initializes_it():
    dst_arr = np.array([1., 2., 3.], np.float32)
    dst = fastgrad.Parameter(dst_arr)
    src = fastgrad.Parameter(fastgrad.initializers.Constant(4.0))
    dst.copydata(src)
    assert dst.array is dst_arr                  # copied in place
    np.testing.assert_array_equal(src.array, [4., 4., 4.])
    np.testing.assert_array_equal(dst.array, [4., 4., 4.])


def test_copydata_between_uninitialized_parameters_does_nothing():
    dst, src = fastgrad.Parameter(), fastgrad.Parameter()
    dst.copydata(src)
    assert dst.array is None and src.array is None


def test_copydata_from_empty_variable_is_an_error():
    with pytest.raises(ValueError, match='copydata'):
        Variable(np.zeros(2)).copydata(Variable())


def test_parameter_dtype_unknown_until_initialized():
    def fill_ones(array):
        array[...] = 1

    p = fastgrad.Parameter(fill_ones)
    with pytest.raises(RuntimeError, match='dtype'):
        p.dtype
    p.initialize((2,))
    assert p.dtype == np.float32
    assert fastgrad.Parameter(fastgrad.initializers.Zero(np.float16)).dtype == np.float16


def test_shallow_copies_of_uninitialized_parameter_share_the_data():
    import copy
    import pickle
    x = fastgrad.Parameter(fastgrad.initializers.Constant(2.0))
    y = copy.copy(x)
    z = copy.copy(y)
    deep = copy.deepcopy(x)
    pickled = pickle.loads(pickle.dumps(x))
    y.initialize((2, 3))                 # any member may be the first
    assert x.array is y.array and z.array is y.array
    np.testing.assert_array_equal(x.array, np.full((2, 3), 2.0, np.float32))
    assert x.grad is not y.grad          # grads are each their own
    assert deep.array is None and pickled.array is None
    # a copy of an initialized parameter shares nothing new
    w = copy.copy(x)
    x.array = np.zeros((2, 3), np.float32)
    assert w.array is y.array
