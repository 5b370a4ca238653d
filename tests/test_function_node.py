"""FunctionNode: Chainer's contract for user-defined ops, and the engine's checks."""
import gc
import weakref

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import FunctionNode, Variable
from fastgrad.utils import type_check


class Square(FunctionNode):
    """A user-defined op written the Chainer way (Variables in backward)."""

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return x * x,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return 2 * x * grad_outputs[0],


class FastSquare(Square):
    """The same op with a raw-array fast path as well."""

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        return 2 * x * grad_outputs[0],


class OverridesBackward(FastSquare):
    """A subclass that changes backward must not be bypassed by the fast path."""

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return 3 * x * grad_outputs[0],


def _x():
    return Variable(numpy.array([1.0, 2.0, 3.0]))


def test_apply_builds_the_graph():
    x = _x()
    f = Square()
    ys = f.apply((x,))
    assert isinstance(ys, tuple) and len(ys) == 1
    y, = ys
    assert y.creator is f and y.creator_node is f
    assert y.rank == 1 and f.rank == 0 and y.requires_grad
    assert f.inputs[0] is x.node
    assert f.outputs[0]() is y.node
    assert f.label == 'Square'
    numpy.testing.assert_array_equal(y.array, [1, 4, 9])
    z, = Square().apply((y,))
    assert z.rank == 2 and z.creator.rank == 1


def test_apply_accepts_arrays():
    y, = Square().apply((numpy.array([2.0]),))
    assert not y.requires_grad and y.creator is not None


@pytest.mark.parametrize('cls', [Square, FastSquare])
def test_user_op_gradient(cls):
    x = _x()
    y, = cls().apply((x,))
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, [2, 4, 6])


def test_fast_and_variable_paths_agree():
    for double in (False, True):
        x = _x()
        y, = FastSquare().apply((x,))
        F.sum(y).backward(enable_double_backprop=double)
        numpy.testing.assert_array_equal(x.grad, [2, 4, 6])


def test_subclass_overriding_backward_is_honoured():
    x = _x()
    y, = OverridesBackward().apply((x,))
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, [3, 6, 9])


def test_user_op_double_backprop():
    x = _x()
    y, = Square().apply((x,))
    gx, = fastgrad.grad([y], [x], enable_double_backprop=True)
    ggx, = fastgrad.grad([gx], [x])
    numpy.testing.assert_array_equal(ggx.array, [2, 2, 2])


def test_retained_inputs_survive_dropped_references():
    x = _x()
    y, = Square().apply((x * 1.0,))       # the input Variable is a temporary
    gc.collect()
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, [2, 4, 6])


def test_get_retained_outputs_after_the_output_is_gone():
    class ExpPair(FunctionNode):
        def forward(self, inputs):
            x, = inputs
            self.retain_outputs((0, 1))
            return numpy.exp(x), numpy.exp(x)

        def backward(self, indexes, grad_outputs):
            y0, y1 = self.get_retained_outputs()
            g = 0
            if grad_outputs[0] is not None:
                g = g + grad_outputs[0] * y0
            if grad_outputs[1] is not None:
                g = g + grad_outputs[1] * y1
            return g,

    x = _x()
    y0, y1 = ExpPair().apply((x,))
    del y1                                   # the second output is collected
    F.sum(y0).backward()
    numpy.testing.assert_allclose(x.grad, numpy.exp(x.array))


def test_nothing_retained_gives_empty_tuples():
    class Ident(FunctionNode):
        def forward(self, inputs):
            return inputs[0].copy(),

        def backward(self, indexes, grad_outputs):
            assert self.get_retained_inputs() == ()
            assert self.get_retained_outputs() == ()
            return grad_outputs

    x = _x()
    y, = Ident().apply((x,))
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, [1, 1, 1])


def test_backward_not_called_when_nothing_requires_grad():
    class Boom(FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 2,

        def backward(self, indexes, grad_outputs):
            raise AssertionError('backward must not be called')

    x = Variable(numpy.ones(2), requires_grad=False)
    y, = Boom().apply((x,))
    (F.sum(y * 2)).backward()


def test_forward_cpu_dispatch():
    class CpuOnly(FunctionNode):
        def forward_cpu(self, inputs):
            return inputs[0] + 1,

    y, = CpuOnly().apply((_x(),))
    numpy.testing.assert_array_equal(y.array, [2, 3, 4])


def test_forward_must_return_a_tuple():
    class Bad(FunctionNode):
        def forward(self, inputs):
            return inputs[0]

    with pytest.raises(TypeError, match='Bad.forward must return a tuple'):
        Bad().apply((_x(),))


def test_forward_output_must_be_arrays():
    class Bad(FunctionNode):
        def forward(self, inputs):
            return [1, 2],

    with pytest.raises(TypeError, match='Bad.forward output must be a tuple of ndarrays: output 0 is a list'):
        Bad().apply((_x(),))


def test_bad_input_type_names_the_function():
    with pytest.raises(TypeError, match='Square: input 0'):
        Square().apply(([1.0, 2.0],))


def test_calling_a_function_node_raises():
    with pytest.raises(RuntimeError, match='apply'):
        Square()(_x())


@pytest.mark.parametrize('grad,exc,match', [
    (numpy.ones(3, numpy.float32), TypeError,
     'dtype float32; expected float64 .*dtype of gradients returned from backward is incorrect'),
    (numpy.ones(4), ValueError,
     r'shape \(4,\); expected \(3,\) .*shape of gradients returned from backward is incorrect'),
    ('oops', TypeError, 'ndarray'),
])
def test_bad_gradients_are_named(grad, exc, match):
    class Wrong(FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 2,

        def backward(self, indexes, grad_outputs):
            return grad,

    y, = Wrong().apply((_x(),))
    y.grad = numpy.ones(3)
    with pytest.raises(exc, match='Wrong.backward.*' + match):
        y.backward()


def test_wrong_number_of_gradients():
    class TooMany(FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 2,

        def backward(self, indexes, grad_outputs):
            return grad_outputs[0], grad_outputs[0], grad_outputs[0]

    y, = TooMany().apply((_x(),))
    y.grad = numpy.ones(3)
    # our numbers first, then Chainer's wording (its tests match on it)
    with pytest.raises(ValueError, match='TooMany.backward returned 3 gradients; expected 1 '
                       '.*number of gradients returned from backward is incorrect'):
        y.backward()


def test_failed_backward_leaves_no_stale_gradient():
    class Fails(FunctionNode):
        fail = True

        def forward(self, inputs):
            return inputs[0] * 2,

        def backward(self, indexes, grad_outputs):
            if Fails.fail:
                raise RuntimeError('boom')
            return grad_outputs[0] * 2,

    x = _x()
    y, = Fails().apply((x,))
    z = F.sum(y)
    with pytest.raises(RuntimeError, match='boom'):
        z.backward(retain_grad=True)
    Fails.fail = False
    z.backward()
    numpy.testing.assert_array_equal(x.grad, [2, 2, 2])


def test_returning_grads_for_all_inputs_is_accepted():
    class AddAll(FunctionNode):
        def forward(self, inputs):
            return inputs[0] + inputs[1],

        def backward(self, indexes, grad_outputs):
            return grad_outputs[0], grad_outputs[0]

    a = _x()
    b = Variable(numpy.ones(3), requires_grad=False)
    y, = AddAll().apply((a, b))
    F.sum(y).backward()
    numpy.testing.assert_array_equal(a.grad, [1, 1, 1])
    assert b.grad is None


def test_unchain_function():
    x = _x()
    y, = Square().apply((x,))
    f = y.creator
    f.unchain()
    assert f.inputs is None and y.creator is None


def test_type_check_dsl_errors_name_the_function():
    type_check = pytest.importorskip('fastgrad.utils.type_check')

    class NeedsMatrix(FunctionNode):
        def check_type_forward(self, in_types):
            x_type, = in_types
            type_check.expect(x_type.ndim == 2)

        def forward(self, inputs):
            return inputs[0],

    with pytest.raises(type_check.InvalidType, match='NeedsMatrix'):
        NeedsMatrix().apply((_x(),))
    with fastgrad.using_config('type_check', False):
        NeedsMatrix().apply((_x(),))
    NeedsMatrix().apply((numpy.ones((2, 2)),))


def test_function_is_freed_after_backward_and_drop():
    gc.disable()
    try:
        x = _x()
        y, = Square().apply((x,))
        ref = weakref.ref(y.creator)
        F.sum(y).backward()
        del y
        assert ref() is None
    finally:
        gc.enable()


def test_check_type_forward_set_on_a_bare_instance_runs_in_light_mode():
    # FunctionNode() takes methods set on the instance, check_type_forward too;
    # the first pass sees plain type infos (Chainer's light mode).
    seen = []
    f = fastgrad.FunctionNode()
    f.check_type_forward = lambda in_types: seen.append(in_types)
    f.forward_cpu = lambda inputs: (inputs[0] * 2,)
    x = numpy.arange(3, dtype=numpy.float32)
    y, = f.apply((x, numpy.zeros((2, 1), numpy.int32)))
    numpy.testing.assert_array_equal(y.array, [0., 2., 4.])
    assert len(seen) == 1
    assert isinstance(seen[0], type_check.LightTypeInfoTuple)
    assert seen[0][0].shape == (3,) and seen[0][0].dtype == numpy.float32
    assert seen[0][1].shape == (2, 1) and seen[0][1].dtype == numpy.int32


def test_failed_light_check_is_rerun_for_a_readable_message():
    class NeedsFloat32(fastgrad.FunctionNode):
        calls = 0

        def check_type_forward(self, in_types):
            NeedsFloat32.calls += 1
            type_check.expect(in_types[0].dtype == numpy.float32)

        def forward(self, inputs):
            return inputs[0].copy(),

    NeedsFloat32().apply((numpy.zeros(2, numpy.float32),))
    assert NeedsFloat32.calls == 1
    with pytest.raises(type_check.InvalidType, match=r'NeedsFloat32 \(Forward\)'):
        NeedsFloat32().apply((numpy.zeros(2, numpy.float64),))
    assert NeedsFloat32.calls == 3
    assert not type_check.in_light_mode()


def test_non_array_forward_output_says_a_tuple_of_ndarrays_is_expected():
    class Bad(fastgrad.FunctionNode):
        def forward(self, inputs):
            return object(),

    with pytest.raises(TypeError, match='forward output must be a tuple of ndarrays'):
        Bad().apply((numpy.zeros(2, numpy.float32),))


def test_retained_output_node_keeps_its_array():
    class Two(fastgrad.FunctionNode):
        def forward(self, inputs):
            self.retain_outputs((1,))
            x, = inputs
            return x + 1, x * 3

    x = Variable(numpy.array([1., 2.], numpy.float32))
    y0, y1 = Two().apply((x,))
    n0, n1 = y0.node, y1.node
    expected = y1.array
    del y0, y1
    assert n0.data is None
    assert n1.data is expected
    numpy.testing.assert_array_equal(n1.data, [3., 6.])


def test_none_inputs_are_absent_and_take_no_gradient():
    class ScaleMiddle(fastgrad.FunctionNode):
        def forward(self, inputs):
            a, x, c = inputs
            assert a is None and c is None
            self.retain_inputs((1, 2))
            return x * 3,

        def backward(self, indexes, grad_outputs):
            assert indexes == (1,)
            x, c = self.get_retained_inputs()
            assert c is None
            numpy.testing.assert_array_equal(x.array, [2., 3.])
            return None, 3 * grad_outputs[0], None

    x = Variable(numpy.array([2., 3.], numpy.float32))
    y, = ScaleMiddle().apply((None, x, None))
    numpy.testing.assert_array_equal(y.array, [6., 9.])
    y.grad = numpy.array([1., 2.], numpy.float32)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [3., 6.])


def test_none_outputs_are_variables_without_data():
    class Middle(fastgrad.FunctionNode):
        def forward(self, inputs):
            self.retain_outputs((1, 2))
            return None, inputs[0] * 2 + 1, None

        def backward(self, indexes, grad_outputs):
            g0, g1, g2 = grad_outputs
            assert g0 is None and g2 is None
            y1, y2 = self.get_retained_outputs()
            assert y2 is None
            numpy.testing.assert_array_equal(y1.array, [3., 5.])
            return 2 * g1,

    x = Variable(numpy.array([1., 2.], numpy.float32))
    y0, y1, y2 = Middle().apply((x,))
    assert y0.array is None and y2.array is None
    y1.grad = numpy.array([1., 1.], numpy.float32)
    y1.backward()
    numpy.testing.assert_array_equal(x.grad, [2., 2.])


def test_a_non_array_input_is_refused():
    with pytest.raises(TypeError, match='input 0 must be a Variable, numpy.ndarray, None'):
        Square().apply(([1., 2.],))
