import pickle

import numpy
import pytest

from fastgrad.utils import type_check as T


def _types(*arrays, names=None):
    in_types = T.get_types(tuple(arrays), 'in_types', False)
    if names is not None:
        T._argname(in_types, names)
    return in_types


def _fail(*conds):
    with pytest.raises(T.InvalidType) as info:
        T.expect(*conds)
    return info.value


def test_get_types_structure():
    x = numpy.zeros((2, 3), numpy.float32)
    in_types = _types(x, numpy.zeros(4, numpy.int32))
    assert isinstance(in_types, T.TypeInfoTuple)
    assert len(in_types) == 2
    x_type = in_types[0]
    assert isinstance(x_type, T.Variable)
    assert str(x_type) == 'in_types[0]'
    assert T.eval(x_type.shape) == (2, 3)
    assert T.eval(x_type.ndim) == 2
    assert T.eval(x_type.size()) == 6
    assert T.eval(x_type.size) == 6
    assert T.eval(x_type.dtype) == numpy.float32
    assert T.eval(in_types.size()) == 2
    assert len(x_type.shape) == 2
    assert list(x_type.shape) == [2, 3]


def test_passing_checks():
    x = numpy.zeros((2, 3), numpy.float32)
    w = numpy.zeros((4, 3), numpy.float32)
    x_type, w_type = _types(x, w)
    T.expect(
        x_type.dtype == numpy.float32,
        x_type.dtype.kind == 'f',
        x_type.dtype == w_type.dtype,
        x_type.ndim == 2,
        x_type.shape == (2, 3),
        x_type.shape[1] == w_type.shape[1],
        x_type.shape[-1] == 3,
        x_type.shape[1:] == w_type.shape[1:],
        x_type.ndim >= 1, x_type.ndim <= 2, x_type.ndim > 1, x_type.ndim < 3,
        x_type.ndim != 3,
        x_type.shape[0] * 2 == w_type.shape[0],
        x_type.shape[0] + 1 == 3, x_type.shape[0] - 1 == 1,
        w_type.shape[0] // 3 == 1, w_type.shape[0] % 3 == 1,
        w_type.shape[0] / 2 == 2, -x_type.shape[0] == -2,
        x_type.size() == 6,
        T.prod(x_type.shape) == 6,
        2 == x_type.ndim,  # reflected
        numpy.int64(2) <= x_type.ndim,
    )


def test_failure_message_default_names():
    x = numpy.zeros((2, 3, 4), numpy.float32)
    x_type, = _types(x)
    err = _fail(x_type.ndim == 2)
    assert err.expect == 'in_types[0].ndim == 2'
    assert err.actual == '3 != 2'
    assert 'in_types[0].ndim == 2' in str(err)
    assert '3 != 2' in str(err)
    assert str(err) == '\nExpect: in_types[0].ndim == 2\nActual: 3 != 2\n'


def test_failure_message_with_argname():
    x = numpy.zeros((2, 3), numpy.float32)
    w = numpy.zeros((4, 5), numpy.float64)
    in_types = _types(x, w, names=('x', 'W'))
    x_type, w_type = in_types
    err = _fail(x_type.shape[1] == w_type.shape[1])
    assert err.expect == 'x.shape[1] == W.shape[1]'
    assert err.actual == '3 != 5'
    err = _fail(x_type.dtype == w_type.dtype)
    assert err.expect == 'x.dtype == W.dtype'
    assert err.actual == 'float32 != float64'
    err = _fail(x_type.dtype == numpy.float64)
    assert 'x.dtype == ' in err.expect and 'float64' in err.expect
    err = _fail(x_type.dtype.kind == 'i')
    assert err.expect == "x.dtype.kind == 'i'"
    assert err.actual == "'f' != 'i'"
    err = _fail(x_type.ndim < 2)
    assert err.actual == '2 >= 2'
    err = _fail(x_type.shape == (2, 4))
    assert err.actual == '(2, 3) != (2, 4)'
    err = _fail(x_type.shape[1:] == (4,))
    assert err.expect == 'x.shape[1:] == (4,)'
    err = _fail(in_types.size() == 3)
    assert err.expect == 'in_types.size() == 3'
    assert err.actual == '2 != 3'


def test_expect_stops_at_first_failure():
    x_type, = _types(numpy.zeros((2, 3)), names=('x',))
    err = _fail(x_type.ndim == 2, x_type.shape[0] == 5, x_type.ndim == 7)
    assert err.expect == 'x.shape[0] == 5'


def test_operator_printing_and_precedence():
    x_type, = _types(numpy.zeros((2, 3)), names=('x',))
    assert str((x_type.shape[0] + 1) * 2 == 6) == '(x.shape[0] + 1) * 2 == 6'
    assert str(x_type.shape[0] + 1 * 2 == 6) == 'x.shape[0] + 2 == 6'
    assert str(x_type.shape[0] - (x_type.shape[1] - 1) == 0) == \
        'x.shape[0] - (x.shape[1] - 1) == 0'
    assert str(-x_type.ndim == -2) == '-x.ndim == -2'
    assert str(-(x_type.ndim + 1) == -3) == '-(x.ndim + 1) == -3'
    assert T.eval(x_type.shape[0] - (x_type.shape[1] - 1)) == 0
    assert T.eval((x_type.shape[0] + 1) * 2) == 6
    err = _fail((x_type.shape[0] + 1) * 2 == 7)
    assert err.actual == '6 != 7'


def test_bool_combination():
    x_type, y_type = _types(numpy.zeros((2, 3)), numpy.zeros(3), names=('x', 'y'))
    T.expect((x_type.ndim == 2) & (y_type.ndim == 1))
    T.expect((x_type.ndim == 5) | (y_type.ndim == 1))
    err = _fail((x_type.ndim == 2) & (y_type.ndim == 2))
    assert err.expect == '(x.ndim == 2) & (y.ndim == 2)'
    assert '1 != 2' in err.actual


def test_expr_is_not_a_bool():
    x_type, = _types(numpy.zeros(3))
    with pytest.raises(RuntimeError):
        bool(x_type.ndim == 1)
    with pytest.raises(RuntimeError):
        if x_type.ndim == 1:
            pass


def test_eval_and_make_variable():
    assert T.eval(3) == 3
    v = T.make_variable(4, 'axis')
    assert str(v) == 'axis'
    assert T.eval(v + 1) == 5
    x_type, = _types(numpy.zeros((2, 3)))
    err = _fail(x_type.ndim == v)
    assert err.expect == 'in_types[0].ndim == axis'
    assert err.actual == '2 != 4'


def test_argname_count_mismatch():
    in_types = _types(numpy.zeros(3), numpy.zeros(3))
    with pytest.raises(T.InvalidType):
        T.argname(in_types, ('x',))
    assert T._argname is T.argname


def test_argname_on_slice():
    in_types = _types(numpy.zeros(3), numpy.zeros((2, 3)), numpy.zeros(2))
    x_type, w_type = in_types[:2]
    T._argname((x_type, w_type), ('x', 'W'))
    err = _fail(w_type.ndim == 1)
    assert err.expect == 'W.ndim == 1'


def test_accept_none():
    in_types = T.get_types((numpy.zeros(2), None), 'out_types', True)
    assert str(in_types[1]) == 'out_types[1]'
    assert T.eval(in_types[1].shape) == ()
    with pytest.raises(TypeError):
        T.get_types((None,), 'in_types', False)


def test_same_types():
    a = numpy.zeros(3)
    assert T.same_types(a, a)
    assert not T.same_types(a, [1, 2, 3])


def test_expect_broadcast_shapes():
    x_type, y_type = _types(numpy.zeros((2, 1, 3)), numpy.zeros((4, 1)),
                            names=('x', 'y'))
    T.expect_broadcast_shapes(x_type.shape, y_type.shape)
    T.expect_broadcast_shapes((2, 3), (3,), (1, 1))
    z_type, w_type = _types(numpy.zeros((2, 3)), numpy.zeros((4,)), names=('z', 'w'))
    with pytest.raises(T.InvalidType) as info:
        T.expect_broadcast_shapes(z_type.shape, w_type.shape)
    msg = str(info.value)
    assert 'z.shape = (2, 3)' in msg and 'w.shape = (4,)' in msg
    T.expect_broadcast_shapes((2, 3), None, allow_none=True)


def test_invalid_type_pickle():
    err = T.InvalidType('x.ndim == 2', '3 != 2')
    err2 = pickle.loads(pickle.dumps(err))
    assert isinstance(err2, T.InvalidType)
    assert err2.expect == 'x.ndim == 2'
    assert err2.actual == '3 != 2'
    assert str(err2) == str(err)

    err = T.InvalidType('a', 'b', msg='custom message')
    err2 = pickle.loads(pickle.dumps(err))
    assert str(err2) == 'custom message'
    assert (err2.expect, err2.actual) == ('a', 'b')


def test_invalid_type_str():
    err = T.InvalidType('e', 'a')
    assert str(err) == '\nExpect: e\nActual: a\n'
    assert str(T.InvalidType('e', 'a', 'm')) == 'm'


def test_light_mode():
    x = numpy.zeros((2, 3), numpy.float32)
    with T.light_mode():
        assert T.in_light_mode()
        in_types = T.get_types((x,), 'in_types', False)
        T.argname(in_types, ('x',))
        x_type, = in_types
        assert x_type.shape == (2, 3)
        assert in_types.size() == 1
        assert T.make_variable(3, 'n') == 3
        T.expect(x_type.ndim == 2, x_type.dtype.kind == 'f')
        with pytest.raises(T.InvalidType):
            T.expect(x_type.ndim == 3)
    assert not T.in_light_mode()


def test_check_type_forward_in_function_node():
    import fastgrad

    class TwoD(fastgrad.FunctionNode):
        def check_type_forward(self, in_types):
            type_check = T
            type_check._argname(in_types, ('x',))
            x_type, = in_types
            type_check.expect(x_type.dtype.kind == 'f', x_type.ndim == 2)

        def forward(self, inputs):
            return inputs[0] * 2,

        def backward(self, indexes, grad_outputs):
            return grad_outputs[0] * 2,

    y, = TwoD().apply((numpy.ones((2, 3), numpy.float32),))
    assert y.shape == (2, 3)
    with pytest.raises(T.InvalidType) as info:
        TwoD().apply((numpy.ones(3, numpy.float32),))
    assert info.value.expect == 'x.ndim == 2'
    assert info.value.actual == '1 != 2'
    assert 'x.ndim == 2' in str(info.value)
