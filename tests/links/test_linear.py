"""L.Linear: Chainer's Links guide, lazy init, options, gradients, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import Variable
from fastgrad.gradient_check import check_backward
from fastgrad.utils.type_check import InvalidType

GUIDE_W = [[1.0184761, 0.23103087, 0.5650746], [1.2937803, 1.0782351, -0.56423163]]
GUIDE_Y = [[3.1757617, 1.7575557], [8.619507, 7.1809077]]


def test_links_guide_numbers_exactly():
    numpy.random.seed(0)
    f = L.Linear(3, 2)
    assert isinstance(f.W, fastgrad.Parameter) and isinstance(f.W, Variable)
    assert f.W.shape == (2, 3) and f.W.dtype == numpy.float32
    numpy.testing.assert_array_equal(f.W.array, numpy.array(GUIDE_W, numpy.float32))
    numpy.testing.assert_array_equal(f.b.array, [0, 0])
    x = numpy.array([[1, 2, 3], [4, 5, 6]], dtype=numpy.float32)
    y = f(x)
    numpy.testing.assert_array_equal(y.array, numpy.array(GUIDE_Y, numpy.float32))
    f.cleargrads()
    y.grad = numpy.ones((2, 2), dtype=numpy.float32)
    y.backward()
    numpy.testing.assert_array_equal(f.W.grad, [[5, 7, 9], [5, 7, 9]])
    numpy.testing.assert_array_equal(f.b.grad, [2, 2])


def test_grads_accumulate_until_cleargrads():
    f = L.Linear(3, 2)
    x = numpy.array([[1, 2, 3], [4, 5, 6]], dtype=numpy.float32)
    f.cleargrads()
    for k in (1, 2, 3):
        y = f(x)
        y.grad = numpy.ones((2, 2), dtype=numpy.float32)
        y.backward()
        numpy.testing.assert_array_equal(f.W.grad, numpy.array([[5, 7, 9]] * 2) * k)
    f.cleargrads()
    assert f.W.grad is None and f.b.grad is None
    with pytest.warns(DeprecationWarning):
        f.zerograds()
    numpy.testing.assert_array_equal(f.W.grad, numpy.zeros((2, 3)))


def test_new_params_have_nan_grads_until_cleargrads():
    f = L.Linear(3, 2)
    assert numpy.isnan(f.W.grad).all()


def test_variable_input_gets_its_grad():
    f = L.Linear(3, 2)
    x = Variable(numpy.ones((4, 3), numpy.float32))
    F.sum(f(x)).backward()
    numpy.testing.assert_allclose(x.grad, numpy.tile(f.W.array.sum(axis=0), (4, 1)))


@pytest.mark.parametrize('make', [lambda: L.Linear(2), lambda: L.Linear(None, 2)])
@pytest.mark.parametrize('as_variable', [False, True])
def test_lazy_input_size(make, as_variable):
    f = make()
    assert f.W.array is None and f.in_size is None and f.out_size == 2
    assert f.b is not None and f.b.shape == (2,)
    x = numpy.random.standard_normal((4, 3)).astype(numpy.float32)
    y = f(Variable(x) if as_variable else x)
    assert f.W.shape == (2, 3) and y.shape == (4, 2)
    numpy.testing.assert_allclose(y.array, x @ f.W.array.T + f.b.array, rtol=1e-6)


def test_lazy_cleargrads_before_init_gives_none_grad():
    f = L.Linear(2)
    f.cleargrads()
    f(numpy.ones((1, 3), numpy.float32))
    assert f.W.grad is None


def test_lazy_with_empty_batch():
    f = L.Linear(4)
    y = f(numpy.zeros((0, 3), numpy.float32))
    assert y.shape == (0, 4) and f.W.shape == (4, 3)


def test_input_with_more_axes_is_flattened():
    f = L.Linear(12, 5)
    x = numpy.random.standard_normal((4, 3, 2, 2)).astype(numpy.float32)
    xv = Variable(x)
    y = f(xv)
    assert y.shape == (4, 5)
    numpy.testing.assert_allclose(y.array, x.reshape(4, 12) @ f.W.array.T + f.b.array,
                                  rtol=1e-5)
    F.sum(y).backward()
    assert xv.grad.shape == x.shape


def test_n_batch_axes():
    f = L.Linear(4)
    x = numpy.random.standard_normal((2, 5, 3)).astype(numpy.float32)
    y = f(x, n_batch_axes=2)
    assert y.shape == (2, 5, 4) and f.W.shape == (4, 3)
    numpy.testing.assert_allclose(y.array, x @ f.W.array.T + f.b.array, rtol=1e-5)


def test_nobias_initialW_initial_bias():
    W = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
    f = L.Linear(3, 2, nobias=True, initialW=W)
    assert f.b is None
    numpy.testing.assert_array_equal(f.W.array, W)
    g = L.Linear(3, 2, initialW=0.5, initial_bias=2.0)
    numpy.testing.assert_array_equal(g.W.array, numpy.full((2, 3), 0.5))
    numpy.testing.assert_array_equal(g.b.array, [2, 2])
    h = L.Linear(3, 2, initial_bias=numpy.array([1, 2], numpy.float32))
    numpy.testing.assert_array_equal(h.b.array, [1, 2])
    k = L.Linear(3, 2, initialW=fastgrad.initializers.Constant(3.0))
    numpy.testing.assert_array_equal(k.W.array, numpy.full((2, 3), 3.0))


def test_from_params():
    W = numpy.random.standard_normal((2, 3)).astype(numpy.float32)
    b = numpy.array([1, 2], numpy.float32)
    f = L.Linear.from_params(W, b)
    numpy.testing.assert_array_equal(f.W.array, W)
    numpy.testing.assert_array_equal(f.b.array, b)
    assert (f.in_size, f.out_size) == (3, 2)
    assert L.Linear.from_params(W, nobias=True).b is None
    with pytest.raises(ValueError):
        L.Linear.from_params(W, numpy.ones(3, numpy.float32))


def test_printed_form():
    assert str(L.Linear(3, 2)) == 'Linear(in_size=3, out_size=2, nobias=False)'


def test_wrong_in_size_is_invalid_type():
    f = L.Linear(3, 2)
    with pytest.raises(InvalidType, match=r'(?s)LinearFunction.*x.shape\[1\] == W.shape\[1\]'):
        f(numpy.ones((4, 1, 2), numpy.float32))


def test_int_input_is_invalid_type():
    f = L.Linear(3, 2)
    with pytest.raises(InvalidType, match="(?s)LinearFunction.*x.dtype.kind == 'f'"):
        f(numpy.ones((4, 3), numpy.int32))


@pytest.mark.parametrize('x_dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('W_dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_mixed_dtypes_take_x_dtype(x_dtype, W_dtype):
    f = L.Linear(3, 2, initialW=fastgrad.initializers.Normal(1.0, dtype=W_dtype),
                 initial_bias=fastgrad.initializers.Zero(dtype=x_dtype))
    x = numpy.random.standard_normal((4, 3)).astype(x_dtype)
    y = f(x)
    assert y.dtype == x_dtype
    tol = 1e-2 if numpy.float16 in (x_dtype, W_dtype) else 1e-5
    numpy.testing.assert_allclose(
        y.array.astype(numpy.float64),
        x.astype(numpy.float64) @ f.W.array.astype(numpy.float64).T, rtol=tol, atol=tol)
    f.cleargrads()
    F.sum(y).backward()
    assert f.W.grad.dtype == W_dtype and f.b.grad.dtype == x_dtype


def test_check_backward_float64():
    f = L.Linear(3, 2, initialW=fastgrad.initializers.Normal(1.0, dtype=numpy.float64),
                 initial_bias=fastgrad.initializers.Normal(1.0, dtype=numpy.float64))
    x = numpy.random.standard_normal((4, 3))
    gy = numpy.random.standard_normal((4, 2))
    check_backward(f, x, gy, (f.W, f.b), dtype='d', atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('nobias', [False, True])
def test_from_params_takes_parameters_of_another_link(nobias):
    src = L.Linear(5, 4, nobias=nobias)
    copy = L.Linear.from_params(src.W, src.b, nobias=nobias)
    numpy.testing.assert_array_equal(copy.W.array, src.W.array)
    assert copy.W.array is not src.W.array           # its own parameter
    assert (copy.b is None) == nobias
    if not nobias:
        numpy.testing.assert_array_equal(copy.b.array, src.b.array)
    with pytest.raises(ValueError, match='b.size must equal'):
        L.Linear.from_params(src.W, numpy.zeros(3, numpy.float32))
