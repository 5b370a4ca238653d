"""Variable: construction, attributes, gradient rules, printing, pickling."""
import copy
import gc
import pickle
import threading
import weakref

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable


def _v(*values, dtype=numpy.float32, **kw):
    return Variable(numpy.array(values, dtype=dtype), **kw)


# -- construction and attributes ---------------------------------------------

def test_init_rejects_non_arrays():
    with pytest.raises(TypeError, match='int'):
        Variable(1)
    with pytest.raises(TypeError, match='list'):
        Variable([1.0, 2.0])


def test_none_data_is_allowed():
    v = Variable(None)
    assert v.array is None and v.xp is numpy


def test_attributes():
    a = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
    v = Variable(a, name='v')
    assert v.array is a and v.data is a
    assert v.shape == (2, 3) and v.ndim == 2 and v.size == 6 and v.dtype == numpy.float32
    assert v.name == 'v' and v.requires_grad and v.creator is None and v.rank == 0
    assert len(v) == 2 and v.xp is numpy and v.label == '(2, 3), float32'
    assert v.grad is None and v.grad_var is None
    assert Variable(numpy.array(2.0, numpy.float32)).item() == 2.0


def test_len_of_0d_raises():
    with pytest.raises(TypeError):
        len(Variable(numpy.array(1.0)))


def test_set_array_updates_shape_and_dtype():
    v = _v(1, 2)
    v.array = numpy.zeros((3, 4), numpy.float64)
    assert v.shape == (3, 4) and v.dtype == numpy.float64
    assert v.node.shape == (3, 4) and v.node.dtype == numpy.float64


def test_requires_grad_false():
    x = _v(1, 2, requires_grad=False)
    y = F.sum(x * 2)
    y.backward()
    assert x.grad is None


# -- grad setter checks ----------------------------------------------------------

def test_grad_setter_checks():
    v = _v(1, 2)
    with pytest.raises(TypeError):
        v.grad = numpy.float32(1)            # a NumPy scalar is not an array
    with pytest.raises(TypeError, match='dtype'):
        v.grad = numpy.zeros(2, numpy.float64)
    with pytest.raises(ValueError, match='shape'):
        v.grad = numpy.zeros(3, numpy.float32)
    g = numpy.ones(2, numpy.float32)
    v.grad = g
    assert v.grad is g
    assert v.grad_var.requires_grad and v.grad_var.array is g


def test_grad_var_setter_stores_the_object():
    v = _v(1, 2)
    gv = _v(3, 4)
    v.grad_var = gv
    assert v.grad_var is gv and v.grad is gv.array
    with pytest.raises(TypeError):
        v.grad_var = numpy.ones(2, numpy.float32)


def test_cleargrad_and_zerograd():
    v = _v(1, 2)
    v.grad = numpy.ones(2, numpy.float32)
    v.cleargrad()
    assert v.grad is None
    with pytest.warns(DeprecationWarning):
        v.zerograd()
    numpy.testing.assert_array_equal(v.grad, [0, 0])


def test_addgrad_rules():
    a, b = _v(1, 2), _v(3, 4)
    a.addgrad(b)                          # src has no grad: nothing happens
    assert a.grad is None
    b.grad = numpy.array([1, 2], numpy.float32)
    a.addgrad(b)                          # dst has none: copy of src
    numpy.testing.assert_array_equal(a.grad, [1, 2])
    assert a.grad is not b.grad
    a.addgrad(b)                          # both: sum
    numpy.testing.assert_array_equal(a.grad, [2, 4])
    numpy.testing.assert_array_equal(b.grad, [1, 2])


def test_parameter_addgrad_of_no_gradient_leaves_it_uninitialized():
    p = fastgrad.Parameter()                       # lazily initialized
    p.addgrad(fastgrad.Variable(numpy.zeros(3, numpy.float32)))
    assert p.array is None
    src = fastgrad.Variable(numpy.zeros(3, numpy.float32))
    src.grad = numpy.ones(3, numpy.float32)
    p.addgrad(src)                                 # a gradient: initialized, then added
    assert p.shape == (3,)
    numpy.testing.assert_array_equal(p.grad, [1, 1, 1])


# -- backward rules -----------------------------------------------------------------

def test_scalar_output_is_seeded_with_ones():
    x = _v(1, 2, 3)
    F.sum(x * x).backward()
    numpy.testing.assert_array_equal(x.grad, [2, 4, 6])


def test_one_element_non_scalar_warns_and_seeds():
    x = _v(3)
    y = x * x
    with pytest.warns(DeprecationWarning):
        y.backward()
    numpy.testing.assert_array_equal(x.grad, [6])


def test_non_scalar_output_without_grad_is_a_clear_error():
    x = _v(1, 2, 3)
    y = x * 2
    with pytest.raises(ValueError, match=r'shape \(3,\).*y\.grad'):
        y.backward()


def test_x_times_x_of_0d():
    x = Variable(numpy.array(3.0))
    (x * x).backward()
    assert x.grad.shape == () and x.grad == 6.0


def test_leaf_grads_accumulate_until_cleargrad():
    x = _v(1, 2)
    for expected in ([2, 2], [4, 4], [6, 6]):
        F.sum(x * 2).backward()
        numpy.testing.assert_array_equal(x.grad, expected)
    x.cleargrad()
    F.sum(x * 2).backward()
    numpy.testing.assert_array_equal(x.grad, [2, 2])


def test_fan_out_is_summed():
    x = _v(1, 2)
    F.sum(x * 3 + x * 4).backward()
    numpy.testing.assert_array_equal(x.grad, [7, 7])
    x.cleargrad()
    F.sum(x * x).backward()
    numpy.testing.assert_array_equal(x.grad, [2, 4])


def test_wide_fan_out():
    x = _v(1, 2)
    ys = [x * float(i) for i in range(100)]
    total = ys[0]
    for y in ys[1:]:
        total = total + y
    F.sum(total).backward()
    numpy.testing.assert_array_equal(x.grad, [4950, 4950])


def test_output_grad_is_consumed_and_intermediates_keep_none():
    x = _v(1, 2)
    h = x * 2
    y = h * 3
    y.grad = numpy.ones(2, numpy.float32)
    y.backward()
    assert y.grad is None and h.grad is None
    numpy.testing.assert_array_equal(x.grad, [6, 6])


def test_intermediate_existing_grad_is_untouched():
    x = _v(1, 2)
    h = x * 2
    old = numpy.full(2, 7, numpy.float32)
    h.grad = old
    y = F.sum(h * 3)
    y.backward()
    assert h.grad is old
    numpy.testing.assert_array_equal(old, [7, 7])
    numpy.testing.assert_array_equal(x.grad, [6, 6])


def test_retain_grad():
    x = _v(1, 2)
    h = x * 2
    y = h * 3
    gy = numpy.ones(2, numpy.float32)
    y.grad = gy
    y.backward(retain_grad=True)
    assert y.grad is gy
    numpy.testing.assert_array_equal(h.grad, [3, 3])
    numpy.testing.assert_array_equal(x.grad, [6, 6])


def test_user_arrays_are_never_written_in_place():
    x = _v(1, 2)
    g0 = numpy.array([10, 10], numpy.float32)
    x.grad = g0
    F.sum(x * 3 + x * 4).backward()
    numpy.testing.assert_array_equal(g0, [10, 10])
    numpy.testing.assert_array_equal(x.grad, [17, 17])
    seen = x.grad                        # the user holds the grad now
    F.sum(x * 3 + x * 4).backward()
    numpy.testing.assert_array_equal(seen, [17, 17])
    numpy.testing.assert_array_equal(x.grad, [24, 24])


def test_output_grad_set_by_user_is_not_modified():
    x = _v(1, 2)
    y = x + x                           # Add's backward hands gy to both inputs
    gy = numpy.ones(2, numpy.float32)
    y.grad = gy
    y.backward()
    numpy.testing.assert_array_equal(gy, [1, 1])
    numpy.testing.assert_array_equal(x.grad, [2, 2])


def test_double_backprop_of_cube():
    x = _v(1, 2, 3, dtype=numpy.float64)
    y = x * x * x
    y.grad = numpy.ones(3)
    y.backward(enable_double_backprop=True)
    gx = x.grad_var
    numpy.testing.assert_allclose(gx.array, 3 * x.array ** 2)
    x.cleargrad()
    F.sum(gx).backward()
    numpy.testing.assert_allclose(x.grad, 6 * x.array)


def test_no_double_backprop_by_default():
    x = _v(1, 2, dtype=numpy.float64)
    F.sum(x * x * x).backward()
    assert x.grad_var.creator is None


def test_int_variable_backward_works():
    x = Variable(numpy.array([1, 2], numpy.int32))
    y = x * 2
    y.grad = numpy.ones(2, numpy.int32)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [2, 2])


def test_loss_scale():
    x = _v(1, 2)
    F.sum(x * 3).backward(loss_scale=4.0)
    numpy.testing.assert_array_equal(x.grad, [12, 12])
    p = fastgrad.Parameter(numpy.ones(2, numpy.float32))
    F.sum(p * 3).backward(loss_scale=4.0)
    assert p._loss_scale == 4.0          # what optimizers divide by


# -- unchain ----------------------------------------------------------------------

def test_unchain_makes_a_leaf_and_keeps_rank():
    x = _v(1, 2)
    h = x * 2
    rank = h.rank
    h.unchain()
    assert h.creator is None and h.rank == rank
    F.sum(h * 3).backward()
    numpy.testing.assert_array_equal(h.grad, [3, 3])
    assert x.grad is None


def test_unchain_backward():
    x = _v(1, 2)
    h = x * 2
    y = h * 3
    y.unchain_backward()
    assert y.creator is None and h.creator is None


def test_set_creator_restores_rank():
    x = _v(1, 2)
    h = x * 2
    y = h * 3
    f = y.creator
    y.creator = None
    assert y.creator is None
    y.creator_node = f
    assert y.creator is f and y.rank == f.rank + 1


# -- modes ----------------------------------------------------------------------

def test_no_backprop_mode_keeps_requires_grad():
    x = _v(1, 2)
    with fastgrad.no_backprop_mode():
        y = x * 2
        with fastgrad.force_backprop_mode():
            z = x * 2
    assert y.creator is None and y.requires_grad
    assert z.creator is not None


def test_no_backprop_mode_is_thread_local():
    x = _v(1, 2)
    results = {}

    def other():
        results['other'] = (x * 2).creator is not None

    with fastgrad.no_backprop_mode():
        t = threading.Thread(target=other)
        t.start()
        t.join()
        results['here'] = (x * 2).creator is not None
    assert results == {'other': True, 'here': False}


# -- printing, pickling, copying, hashing ---------------------------------------------

def test_repr_and_str():
    v = Variable(numpy.array([1., 2.], numpy.float32))
    assert repr(v) == 'variable([1., 2.])'
    assert str(v) == 'variable([1. 2.])'
    v.name = 'v'
    assert repr(v) == 'variable v([1., 2.])'
    assert str(v) == 'variable v([1. 2.])'
    assert repr(Variable(None)) == 'variable(None)'
    assert repr(Variable(numpy.zeros((0, 3)))) == 'variable([], shape=(0, 3))'
    m = Variable(numpy.arange(4, dtype=numpy.float32).reshape(2, 2))
    assert repr(m) == 'variable([[0., 1.],\n          [2., 3.]])'


def test_pickle_round_trip():
    v = _v(1, 2, name='v')
    v.grad = numpy.array([3, 4], numpy.float32)
    w = pickle.loads(pickle.dumps(v))
    numpy.testing.assert_array_equal(w.array, v.array)
    numpy.testing.assert_array_equal(w.grad, v.grad)
    assert w.name == 'v'


def test_copy_shares_data_not_node():
    v = _v(1, 2)
    w = copy.copy(v)
    assert w.array is v.array and w.node is not v.node
    d = copy.deepcopy(v)
    assert d.array is not v.array
    numpy.testing.assert_array_equal(d.array, v.array)


def test_unhashable_and_no_comparisons():
    v = _v(1, 2)
    with pytest.raises(TypeError, match='unhashable type'):
        hash(v)
    for op in (lambda: v == v, lambda: v != v, lambda: v < v, lambda: v <= v,
               lambda: v > v, lambda: v >= v, lambda: bool(v)):
        with pytest.raises(TypeError):
            op()


# -- array-like methods ---------------------------------------------------------

def test_reshape_and_transpose_methods():
    x = Variable(numpy.arange(6, dtype=numpy.float64).reshape(2, 3))
    for y in (x.reshape(3, 2), x.reshape((3, 2)), x.reshape([3, 2]), x.reshape(-1, 2)):
        assert y.shape == (3, 2)
    assert x.reshape(6).shape == (6,)
    assert x.T.shape == (3, 2) and x.transpose().shape == (3, 2)
    assert x.transpose(1, 0).shape == (3, 2) and x.transpose((1, 0)).shape == (3, 2)
    y = x.reshape(3, 2).T
    y.grad = numpy.arange(6, dtype=numpy.float64).reshape(2, 3)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, numpy.arange(6).reshape(2, 3).T.reshape(2, 3))


# -- memory ------------------------------------------------------------------------

def test_intermediate_arrays_are_freed():
    gc.disable()
    try:
        x = _v(1, 2, 3)
        h = x * 2                    # Mul retains x, not its own output
        ref = weakref.ref(h.array)
        y = F.relu(h)                # relu retains its output, not its input
        del h
        assert ref() is None
        del y
    finally:
        gc.enable()


def test_graph_is_freed_with_its_output():
    gc.disable()
    try:
        x = _v(1, 2, 3)
        y = F.relu(x * 2)
        fref = weakref.ref(y.creator)
        del y
        assert fref() is None
    finally:
        gc.enable()
