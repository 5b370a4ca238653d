"""fastgrad.Function: Chainer's old-style op API (raw arrays in forward and backward)."""
import gc
import weakref

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Function, Variable, optimizers, utils
from fastgrad import function as function_module
from fastgrad.gradient_check import check_backward
from fastgrad.utils import type_check
from fastgrad.utils.type_check import InvalidType


class Mul(Function):
    """x * y, the Chainer-1 way: all inputs retained by default."""

    def check_type_forward(self, in_types):
        type_check.expect(in_types.size() == 2)
        x_type, y_type = in_types
        type_check.expect(
            x_type.dtype.kind == 'f',
            x_type.dtype == y_type.dtype,
            x_type.shape == y_type.shape,
        )

    def forward(self, inputs):
        x, y = inputs
        return utils.force_array(x * y),

    def backward(self, inputs, grad_outputs):
        x, y = inputs
        gz, = grad_outputs
        return utils.force_array(gz * y), utils.force_array(gz * x)


class MulAdd(Function):
    """Two outputs: (x * y + z, x - y).  Records what backward received."""

    seen = None

    def forward(self, inputs):
        x, y, z = inputs
        return utils.force_array(x * y + z), utils.force_array(x - y)

    def backward(self, inputs, grad_outputs):
        MulAdd.seen = (inputs, grad_outputs)
        x, y, z = inputs
        g0, g1 = grad_outputs
        xp = utils.array_module(x)
        if g0 is None:
            g0 = xp.zeros_like(x)
        if g1 is None:
            g1 = xp.zeros_like(x)
        return utils.force_array(g0 * y + g1), utils.force_array(g0 * x - g1), g0


def _arrays(*shapes, dtype=numpy.float64):
    return [numpy.random.uniform(-1, 1, s).astype(dtype) for s in shapes]


# -- forward and the graph ---------------------------------------------------

def test_forward_values_and_inputs_unchanged():
    x, y = _arrays((3, 4), (3, 4))
    x0, y0 = x.copy(), y.copy()
    z = Mul()(Variable(x), Variable(y))
    assert isinstance(z, Variable)
    numpy.testing.assert_array_equal(z.array, x0 * y0)
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(y, y0)


def test_accepts_raw_arrays():
    x, y = _arrays((2,), (2,))
    z = Mul()(x, y)
    assert not z.requires_grad
    v = Variable(x)
    z = Mul()(v, y)                      # mixed Variable and array
    assert z.requires_grad
    F.sum(z).backward()
    numpy.testing.assert_array_equal(v.grad, y)


def test_graph_records_the_adapter():
    x, y = Variable(numpy.ones(2)), Variable(numpy.full(2, 2.0))
    f = Mul()
    z = f(x, y)
    node = z.creator_node
    assert isinstance(node, fastgrad.FunctionNode)
    assert isinstance(node, function_module.FunctionAdapter)
    assert z.creator is f and node.function is f and f.node is node   # Chainer's rule
    assert node.label == f.label == 'Mul'
    assert f.inputs[0] is x.node and f.inputs[1] is y.node
    assert f.outputs[0]() is z.node
    assert f.rank == 0 and z.rank == 1
    w = Mul()(z, z)
    assert w.creator.rank == 1 and w.rank == 2
    assert isinstance(w.creator, Mul) and w.node.creator is w.creator


def test_creator_is_the_function_and_the_node_forwards():
    class Scale(Function):
        def __init__(self, k):
            self.k = k

        def forward(self, inputs):
            return inputs[0] * self.k,

    y = Scale(3.0)(numpy.ones(2))
    assert y.creator.k == 3.0            # Chainer's y.creator is the Function
    assert y.creator_node.k == 3.0       # and the adapter forwards to it
    with pytest.raises(AttributeError):
        y.creator_node.no_such_attribute


def test_two_outputs_return_a_tuple():
    x, y, z = _arrays((4,), (4,), (4,))
    out = MulAdd()(x, y, z)
    assert isinstance(out, tuple) and len(out) == 2
    numpy.testing.assert_allclose(out[0].array, x * y + z, rtol=1e-15)
    numpy.testing.assert_allclose(out[1].array, x - y, rtol=1e-15)
    assert out[0].creator is out[1].creator


def test_label_can_be_overridden():
    class Named(Mul):
        @property
        def label(self):
            return 'Named(k=1)'

    z = Named()(numpy.ones(1), numpy.ones(1))
    assert z.creator.label == 'Named(k=1)'


def test_no_backprop_mode_records_nothing():
    assert function_module.no_backprop_mode is fastgrad.no_backprop_mode
    assert function_module.force_backprop_mode is fastgrad.force_backprop_mode
    x = Variable(numpy.ones(2))
    with function_module.no_backprop_mode():
        z = Mul()(x, x)
    assert z.creator is None
    with function_module.no_backprop_mode():
        with function_module.force_backprop_mode():
            z = Mul()(x, x)
    assert z.creator is not None


# -- backward ----------------------------------------------------------------

def test_check_backward_mul():
    x, y = _arrays((3, 4), (3, 4))
    check_backward(lambda a, b: Mul()(a, b), (x, y), numpy.random.randn(3, 4),
                   dtype=numpy.float64)


def test_check_backward_two_outputs():
    x, y, z = _arrays((2, 3), (2, 3), (2, 3))
    gys = (numpy.random.randn(2, 3), numpy.random.randn(2, 3))
    check_backward(lambda a, b, c: MulAdd()(a, b, c), (x, y, z), gys, dtype=numpy.float64)


def test_gradient_formulas():
    x, y, z = _arrays((5,), (5,), (5,))
    vx, vy, vz = Variable(x), Variable(y), Variable(z)
    a, b = MulAdd()(vx, vy, vz)
    ga, gb = numpy.random.randn(5), numpy.random.randn(5)
    fastgrad.backward([a, b], [ga, gb])
    numpy.testing.assert_allclose(vx.grad, ga * y + gb, rtol=1e-14)
    numpy.testing.assert_allclose(vy.grad, ga * x - gb, rtol=1e-14)
    numpy.testing.assert_allclose(vz.grad, ga, rtol=1e-14)


@pytest.mark.parametrize('cls,n_in', [(Mul, 2), (MulAdd, 3)])
def test_fast_and_variable_paths_agree(cls, n_in):
    xs = _arrays(*[(3, 2)] * n_in)
    results = []
    for double in (False, True):
        vs = [Variable(a.copy()) for a in xs]
        out = cls()(*vs)
        out = out if isinstance(out, tuple) else (out,)
        loss = F.sum(out[0] * out[0])
        for o in out[1:]:
            loss = loss + F.sum(o)
        loss.backward(enable_double_backprop=double)
        results.append([v.grad for v in vs])
    for g_fast, g_var in zip(*results):
        numpy.testing.assert_allclose(g_fast, g_var, rtol=1e-15)


def test_missing_output_grad_arrives_as_none():
    # Chainer 7.8.1 (FunctionAdapter.backward) passes None, not zeros, for an
    # output that got no gradient; the Function decides what None means.
    x, y, z = _arrays((3,), (3,), (3,))
    vx, vy, vz = Variable(x), Variable(y), Variable(z)
    a, b = MulAdd()(vx, vy, vz)
    for double in (False, True):
        vx.cleargrad()
        MulAdd.seen = None
        F.sum(a).backward(enable_double_backprop=double)
        inputs, gys = MulAdd.seen
        assert gys[1] is None
        assert isinstance(gys[0], numpy.ndarray)      # raw arrays on both paths
        assert all(isinstance(i, numpy.ndarray) for i in inputs)
        numpy.testing.assert_allclose(vx.grad, y, rtol=1e-15)


def test_backward_returning_none_for_one_input():
    class MulNoGradY(Mul):
        def backward(self, inputs, grad_outputs):
            x, y = inputs
            return grad_outputs[0] * y, None

    for double in (False, True):
        x, y = Variable(numpy.array([1.0, 2.0])), Variable(numpy.array([3.0, 4.0]))
        F.sum(MulNoGradY()(x, y)).backward(enable_double_backprop=double)
        numpy.testing.assert_array_equal(x.grad, [3.0, 4.0])
        assert y.grad is None


def test_default_backward_is_not_differentiable():
    class ForwardOnly(Function):
        def forward(self, inputs):
            return inputs[0] * 2,

    x = Variable(numpy.ones(2))
    F.sum(ForwardOnly()(x)).backward()
    assert x.grad is None


def test_only_target_gradients_are_used():
    # backward computes every input's gradient; the engine takes the ones needed.
    x = Variable(numpy.array([1.0, 2.0]))
    y = Variable(numpy.array([3.0, 4.0]), requires_grad=False)
    F.sum(Mul()(x, y)).backward()
    numpy.testing.assert_array_equal(x.grad, [3.0, 4.0])
    assert y.grad is None


# -- retained inputs and outputs ----------------------------------------------

def test_all_inputs_retained_by_default():
    seen = []

    class Probe(Mul):
        def backward(self, inputs, grad_outputs):
            seen.append(inputs)
            return Mul.backward(self, inputs, grad_outputs)

    x = Variable(numpy.ones(2))
    y = Probe()(x * 2.0, x * 3.0)        # temporaries: only the graph keeps them
    gc.collect()
    F.sum(y).backward()
    numpy.testing.assert_array_equal(seen[0][0], [2.0, 2.0])
    numpy.testing.assert_array_equal(seen[0][1], [3.0, 3.0])
    numpy.testing.assert_array_equal(x.grad, [12.0, 12.0])


@pytest.mark.parametrize('double', [False, True])
def test_unretained_inputs_arrive_as_none(double):
    seen = []

    class AddKeepFirst(Function):
        def forward(self, inputs):
            self.retain_inputs((0,))
            x, y, z = inputs
            return x + y + z,

        def backward(self, inputs, grad_outputs):
            seen.append(inputs)
            g, = grad_outputs
            return g, g, g

    class ReleaseAll(Function):
        def forward(self, inputs):
            self.retain_inputs(())
            return inputs[0] * 2,

        def backward(self, inputs, grad_outputs):
            seen.append(inputs)
            return grad_outputs[0] * 2,

    x = Variable(numpy.ones(3))
    F.sum(AddKeepFirst()(x, x * 2, x * 3)).backward(enable_double_backprop=double)
    assert seen[0][1] is None and seen[0][2] is None
    numpy.testing.assert_array_equal(seen[0][0], numpy.ones(3))
    numpy.testing.assert_array_equal(x.grad, [6.0, 6.0, 6.0])
    x.cleargrad()
    F.sum(ReleaseAll()(x)).backward(enable_double_backprop=double)
    assert seen[1] == (None,)
    numpy.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


class Exp(Function):
    """Uses the retained output instead of the input."""

    def forward(self, inputs):
        self.retain_inputs(())
        self.retain_outputs((0,))
        return numpy.exp(inputs[0]),

    def backward(self, inputs, grad_outputs):
        assert inputs == (None,)
        y, = self.output_data
        return grad_outputs[0] * y,


@pytest.mark.parametrize('double', [False, True])
def test_output_data_in_backward(double):
    x = numpy.random.uniform(-1, 1, (3,))
    v = Variable(x)
    y = Exp()(v)
    assert y.creator.output_data[0] is y.array
    F.sum(y).backward(enable_double_backprop=double)
    numpy.testing.assert_allclose(v.grad, numpy.exp(x), rtol=1e-15)


def test_output_data_survives_the_output_variable():
    x = numpy.random.uniform(-1, 1, (3,))
    v = Variable(x)
    loss = F.sum(Exp()(v) * 2.0)         # the Exp output is a temporary
    gc.collect()
    loss.backward()
    numpy.testing.assert_allclose(v.grad, 2 * numpy.exp(x), rtol=1e-15)
    check_backward(lambda a: Exp()(a), x, numpy.random.randn(3), dtype=numpy.float64)


def test_unretained_output_data_is_none():
    f = Mul()
    z = f(numpy.ones(2), numpy.ones(2))
    assert f.output_data == (None,) and z.creator.output_data == (None,)


def test_retain_after_backward_warns():
    class Old(Function):
        def forward(self, inputs):
            self.retain_outputs((0,), retain_after_backward=True)
            return inputs[0] * 1,

    with pytest.warns(DeprecationWarning):
        Old()(numpy.ones(1))


# -- type checks, dispatch, errors ------------------------------------------

def test_check_type_forward_names_the_function():
    with pytest.raises(InvalidType) as e:
        Mul()(numpy.ones(3), numpy.ones(4))
    msg = str(e.value)
    assert 'Invalid operation is performed in: Mul (Forward)' in msg
    assert 'in_types[0].shape == in_types[1].shape' in msg
    with pytest.raises(InvalidType, match='Mul'):
        Mul()(numpy.ones(3, numpy.int32), numpy.ones(3, numpy.int32))
    with pytest.raises(InvalidType, match='in_types.size'):
        Mul()(numpy.ones(3))


def test_type_check_can_be_disabled():
    with fastgrad.using_config('type_check', False):
        z = Mul()(numpy.ones(3), numpy.ones(1))   # broadcasts: no check ran
    assert z.shape == (3,)


def test_plain_function_skips_the_type_check():
    assert type(MulAdd().node) is function_module.FunctionAdapter
    assert isinstance(Mul().node, function_module.FunctionAdapter)
    assert type(Mul().node) is not function_module.FunctionAdapter


def test_forward_cpu_and_backward_cpu_dispatch():
    calls = []

    class Twice(Function):
        def forward_cpu(self, inputs):
            calls.append('forward_cpu')
            return inputs[0] * 2,

        def forward_gpu(self, inputs):
            raise AssertionError('GPU path taken for NumPy arrays')

        def backward_cpu(self, inputs, grad_outputs):
            calls.append('backward_cpu')
            return grad_outputs[0] * 2,

        def backward_gpu(self, inputs, grad_outputs):
            raise AssertionError('GPU path taken for NumPy arrays')

    x = Variable(numpy.array([1.0, 2.0]))
    y = Twice()(x)
    numpy.testing.assert_array_equal(y.array, [2.0, 4.0])
    F.sum(y).backward()
    assert calls == ['forward_cpu', 'backward_cpu']
    numpy.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_missing_forward_names_the_function():
    class Empty(Function):
        pass

    with pytest.raises(NotImplementedError, match='Empty'):
        Empty()(numpy.ones(1))


def test_forward_must_return_a_tuple():
    class Bad(Function):
        def forward(self, inputs):
            return inputs[0]

    with pytest.raises(TypeError, match='Bad.forward must return a tuple'):
        Bad()(numpy.ones(1))


@pytest.mark.parametrize('grads,exc,match', [
    (lambda g: g, ValueError, 'must return a tuple of 1'),
    (lambda g: (g, g), ValueError, 'must return a tuple of 1'),
    (lambda g: (g.astype(numpy.float32),), TypeError, 'dtype float32'),
    (lambda g: (numpy.ones(4),), ValueError, r'shape \(4,\)'),
    (lambda g: ('oops',), TypeError, 'ndarray'),
])
@pytest.mark.parametrize('double', [False, True])
def test_bad_gradients_name_the_function(grads, exc, match, double):
    class BadGrad(Function):
        def forward(self, inputs):
            return inputs[0] * 2,

        def backward(self, inputs, grad_outputs):
            return grads(grad_outputs[0])

    x = Variable(numpy.ones(3))
    with pytest.raises(exc, match=match) as e:
        F.sum(BadGrad()(x)).backward(enable_double_backprop=double)
    assert 'BadGrad' in str(e.value)


# -- lifetime -----------------------------------------------------------------

def test_function_freed_with_its_graph():
    x = Variable(numpy.ones(3))
    f = Mul()
    ref = weakref.ref(f)
    z = f(x, x)
    del f
    gc.collect()
    assert ref() is not None             # the graph owns it now
    node_ref = weakref.ref(z.creator_node)
    del z
    gc.collect()
    assert ref() is None and node_ref() is None


def test_unapplied_function_owns_its_node():
    f = Mul()
    node = f.node
    node_ref = weakref.ref(node)
    del node
    gc.collect()
    assert node_ref() is f.node          # kept by the Function until the call
    f(numpy.ones(1), numpy.ones(1))      # the graph is dropped at once
    gc.collect()
    assert node_ref() is None


def test_calling_twice_keeps_both_graphs():
    f = Mul()
    x = Variable(numpy.array([1.0, 2.0]))
    y = Variable(numpy.array([3.0, 4.0]))
    z1 = f(x, y)
    z2 = f(y, y)
    assert z1.creator_node is not z2.creator_node
    assert f.node is z2.creator_node
    F.sum(z1).backward()
    numpy.testing.assert_array_equal(x.grad, [3.0, 4.0])
    numpy.testing.assert_array_equal(y.grad, [1.0, 2.0])


def test_unchain():
    x = Variable(numpy.ones(2))
    f = Mul()
    z = f(x, x)
    f.unchain()
    assert z.creator is None
    z.grad = numpy.ones(2)
    z.backward()
    assert x.grad is None


# -- with links and optimizers ----------------------------------------------

def test_inside_a_chain_with_an_optimizer_step():
    class Scaled(fastgrad.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.w = fastgrad.Parameter(numpy.array([1.0, -2.0, 0.5]))

        def forward(self, x):
            return F.sum(Mul()(x, self.w))

    model = Scaled()
    opt = optimizers.SGD(lr=0.1)
    opt.setup(model)
    x = numpy.array([2.0, 3.0, 4.0])
    w0 = model.w.array.copy()
    model.cleargrads()
    loss = model(x)
    loss.backward()
    numpy.testing.assert_array_equal(model.w.grad, x)
    opt.update()
    numpy.testing.assert_allclose(model.w.array, w0 - 0.1 * x, rtol=1e-15)
    # the loss-function form of update
    opt.update(model, x)
    numpy.testing.assert_allclose(model.w.array, w0 - 0.2 * x, rtol=1e-15)


# -- double backprop ----------------------------------------------------------
# Chainer 7.8.1 does not differentiate old-style Functions twice: the
# FunctionAdapter returns the raw gradients as fresh Variables tagged with the
# Function's label, so double backprop computes first-order gradients normally,
# and only backprop that later reaches such a gradient raises
# RuntimeError('cannot twice-differentiate an old style Function "<label>"')
# (VariableNode._check_old_style_gradient, called by Variable.backward).  The
# Function docs give the reason: its backward works on arrays, not Variables,
# so it cannot record the history of the computation.

def test_double_backprop_gives_first_order_gradients():
    x, y = _arrays((3,), (3,))
    vx, vy = Variable(x), Variable(y)
    F.sum(Mul()(vx, vy) * 2.0).backward(enable_double_backprop=True)
    assert isinstance(vx.grad_var, Variable)
    numpy.testing.assert_allclose(vx.grad, 2 * y, rtol=1e-15)
    numpy.testing.assert_allclose(vy.grad, 2 * x, rtol=1e-15)


def test_second_backprop_through_an_old_style_gradient_raises():
    x, y = _arrays((3,), (3,))
    vx, vy = Variable(x), Variable(y)
    F.sum(Mul()(vx, vy)).backward(enable_double_backprop=True)
    gx = vx.grad_var
    with pytest.raises(RuntimeError, match='cannot twice-differentiate an old style '
                                           'Function "Mul"'):
        F.sum(gx * gx).backward()
    # the same with grad() and a gradient that also has new-style parts
    vx.cleargrad()
    z = Mul()(vx, vy) + vx * vx
    gx, = fastgrad.grad([F.sum(z)], [vx], enable_double_backprop=True)
    numpy.testing.assert_allclose(gx.array, y + 2 * x, rtol=1e-15)
    with pytest.raises(RuntimeError, match='old style Function "Mul"'):
        F.sum(gx).backward(enable_double_backprop=True)


def test_first_order_training_with_double_backprop_flag():
    # Nothing raises unless the old-style gradient itself is differentiated.
    x = Variable(numpy.array([1.0, 2.0]))
    for _ in range(2):
        F.sum(Mul()(x, x)).backward(enable_double_backprop=True)
    numpy.testing.assert_array_equal(x.grad, [4.0, 8.0])


# -- dtypes -------------------------------------------------------------------

@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', [(), (4,), (2, 3)])
def test_dtypes_and_shapes(dtype, shape):
    x, y = _arrays(shape, shape, dtype=dtype)
    vx, vy = Variable(x), Variable(y)
    z = Mul()(vx, vy)
    assert z.dtype == dtype and z.shape == shape
    z.grad = numpy.ones(shape, dtype)
    z.backward()
    assert vx.grad.dtype == dtype
    numpy.testing.assert_array_equal(vx.grad, y)


def test_non_contiguous_inputs():
    x = numpy.random.uniform(-1, 1, (4, 6))[:, ::2]
    y = numpy.random.uniform(-1, 1, (3, 4)).T
    assert not x.flags.c_contiguous and not y.flags.c_contiguous
    check_backward(lambda p, q: Mul()(p, q), (x, y), numpy.random.randn(*x.shape),
                   dtype=numpy.float64)


@pytest.mark.gpu
def test_forward_gpu_and_backward_gpu_dispatch():
    import cupy
    calls = []

    class Twice(Function):
        def forward_cpu(self, inputs):
            raise AssertionError('CPU path taken for CuPy arrays')

        def forward_gpu(self, inputs):
            calls.append('forward_gpu')
            return inputs[0] * 2,

        def backward_gpu(self, inputs, grad_outputs):
            calls.append('backward_gpu')
            assert isinstance(inputs[0], cupy.ndarray)
            return grad_outputs[0] * 2,

    x = Variable(cupy.array([1.0, 2.0]))
    y = Twice()(x)
    F.sum(y).backward()
    assert calls == ['forward_gpu', 'backward_gpu']
    assert isinstance(x.grad, cupy.ndarray)
    cupy.testing.assert_array_equal(x.grad, cupy.array([2.0, 2.0]))
    # the generic Mul on CuPy: raw arrays in, checked gradients out
    a, b = cupy.random.rand(3), cupy.random.rand(3)
    va, vb = Variable(a), Variable(b)
    F.sum(Mul()(va, vb)).backward()
    cupy.testing.assert_allclose(va.grad, b)


def test_creator_setter_accepts_a_function():
    f = Mul()
    z = f(numpy.ones(2), numpy.ones(2))
    v = Variable(numpy.ones(2))
    v.creator = f                          # Chainer: the Function's node becomes creator
    assert v.creator is f and v.creator_node is z.creator_node
    v.creator = None
    assert v.creator is None


def test_check_type_forward_set_on_the_instance_runs():
    seen = []
    f = Function()
    f.check_type_forward = lambda in_types: seen.append(in_types)
    f.forward_cpu = lambda inputs: (inputs[0] + 1,)
    y = f(numpy.zeros((2, 3), numpy.float32))
    numpy.testing.assert_array_equal(y.array, numpy.ones((2, 3)))
    assert len(seen) == 1
    assert isinstance(seen[0], type_check.LightTypeInfoTuple)
    assert seen[0][0].shape == (2, 3) and seen[0][0].dtype == numpy.float32


def test_retained_outputs_stay_on_their_nodes_after_backward():
    class KeepSecond(Function):
        def forward(self, inputs):
            self.retain_outputs([1])
            return inputs[0] * 2, inputs[1] * 5

        def backward(self, inputs, grad_outputs):
            return tuple(None if g is None else g * 1 for g in grad_outputs)

    f = KeepSecond()
    xs = [Variable(numpy.array([1.], numpy.float32)),
          Variable(numpy.array([2.], numpy.float32))]
    ys = f(*xs)
    ys[0].grad = numpy.ones(1, numpy.float32)
    ys[0].backward()
    nodes = [y.node for y in ys]
    del ys
    assert nodes[0].data is None
    numpy.testing.assert_array_equal(nodes[1].data, [10.])
    assert tuple(n.data for n in nodes) == (None, f.output_data[1])


def test_none_inputs_and_outputs():
    class Middle(Function):
        def forward(self, inputs):
            a, x = inputs
            assert a is None
            self.retain_outputs((0, 1))
            return x * 4, None

        def backward(self, inputs, grad_outputs):
            a, x = inputs
            assert a is None
            assert grad_outputs[1] is None
            assert self.output_data[1] is None
            return None, 4 * grad_outputs[0]

    x = Variable(numpy.array([1., -1.], numpy.float32))
    y, z = Middle()(None, x)
    assert z.array is None
    numpy.testing.assert_array_equal(y.array, [4., -4.])
    y.grad = numpy.ones(2, numpy.float32)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [4., 4.])
