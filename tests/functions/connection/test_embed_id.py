"""F.embed_id: row lookup, ignore_label, repeated ids in the gradient, both
backward paths, double backward, dtypes and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, W, ignore_label=None):
    y = numpy.zeros(x.shape + (W.shape[1],), dtype=numpy.float64)
    for idx in numpy.ndindex(*x.shape):
        if ignore_label is not None and x[idx] == ignore_label:
            continue
        y[idx] = W[x[idx]]
    return y


def _grad_ref(x, gy, n_vocab, ignore_label=None):
    gW = numpy.zeros((n_vocab, gy.shape[-1]))
    for idx in numpy.ndindex(*x.shape):
        if ignore_label is not None and x[idx] == ignore_label:
            continue
        gW[x[idx]] += gy[idx]
    return gW


# (ids, ignore_label)
IDS = [(numpy.array([0, 2, 1, 2]), None), (numpy.array([0, 2, 1, 2]), 2),
       (numpy.array([[3, 0, 0], [1, -1, 3]]), -1), (numpy.array([[[4]], [[-1]]]), -1),
       (numpy.array([[3, 0, 0], [1, 4, 3]]), None)]


@pytest.mark.parametrize('x,ignore_label', IDS)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(x, ignore_label, dtype):
    W = numpy.random.randn(5, 3).astype(dtype)
    W0 = W.copy()
    y = F.embed_id(x, W, ignore_label=ignore_label)
    assert y.shape == x.shape + (3,) and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, _ref(x, W, ignore_label).astype(dtype))
    numpy.testing.assert_array_equal(W, W0)


@pytest.mark.parametrize('id_dtype', [numpy.int8, numpy.int32, numpy.int64])
def test_id_dtypes(id_dtype):
    W = numpy.random.randn(4, 2)
    x = numpy.array([3, 1, 0], dtype=id_dtype)
    numpy.testing.assert_array_equal(F.embed_id(x, W).array, W[[3, 1, 0]])


def test_gradient_accumulates_repeated_ids():
    x = numpy.array([[3, 0, 0], [1, -1, 3]])
    W = Variable(numpy.random.randn(5, 2))
    y = F.embed_id(x, W, ignore_label=-1)
    gy = numpy.random.randn(*y.shape)
    y.grad = gy
    y.backward()
    numpy.testing.assert_allclose(W.grad, _grad_ref(x, gy, 5, -1), rtol=1e-14)


def test_float16_gradient_is_summed_accurately():
    x = numpy.zeros(4096, dtype=numpy.int32)
    W = Variable(numpy.zeros((2, 1), numpy.float16))
    y = F.embed_id(x, W)
    y.grad = numpy.full(y.shape, 0.1, numpy.float16)
    y.backward()
    assert W.grad.dtype == numpy.float16
    numpy.testing.assert_allclose(float(W.grad[0, 0]), 4096 * 0.1, rtol=2e-3)


@pytest.mark.parametrize('ignore_label', [None, -1, 2])
def test_backward(ignore_label):
    x = numpy.array([[3, 0, 2], [1, 0, 3]])
    W = numpy.random.randn(5, 3)
    check_backward(lambda W: F.embed_id(x, W, ignore_label), W,
                   numpy.random.randn(2, 3, 3))


@pytest.mark.parametrize('ignore_label', [None, 2])
def test_double_backward(ignore_label):
    x = numpy.array([[3, 0, 2], [1, 0, 3]])
    W = numpy.random.randn(5, 3)
    check_double_backward(lambda W: F.embed_id(x, W, ignore_label), W,
                          numpy.random.randn(2, 3, 3), numpy.random.randn(5, 3))


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(dtype):
    x = numpy.array([[3, 0, 2], [1, 0, -1]])
    gy = numpy.random.randn(2, 3, 4).astype(dtype)
    grads = []
    for double in (False, True):
        W = Variable(numpy.random.RandomState(0).randn(5, 4).astype(dtype))
        y = F.embed_id(x, W, ignore_label=-1)
        y.grad = gy.copy()
        y.backward(enable_double_backprop=double)
        grads.append(W.grad)
    assert grads[0].dtype == grads[1].dtype == dtype
    numpy.testing.assert_array_equal(grads[0], grads[1])


def test_ids_as_variable_and_non_contiguous():
    W = numpy.random.randn(6, 3)
    base = numpy.array([[5, 0, 1, 2], [3, 4, 4, 1]])
    x = base.T[::2]
    assert not x.flags.c_contiguous
    numpy.testing.assert_array_equal(F.embed_id(Variable(x), W).array, _ref(x, W))
    Wt = numpy.asfortranarray(W)
    numpy.testing.assert_array_equal(F.embed_id(x, Wt).array, _ref(x, W))


def test_out_of_range_ids_are_rejected():
    W = numpy.zeros((3, 2), numpy.float32)
    with pytest.raises(ValueError, match='embed_id: .*0 <= id < len\\(W\\) \\(3\\).*got 3'):
        F.embed_id(numpy.array([0, 3]), W)
    with pytest.raises(ValueError, match='got -1'):
        F.embed_id(numpy.array([0, -1]), W)
    with pytest.raises(ValueError, match='ignore_label \\(-2\\).*got -1'):
        F.embed_id(numpy.array([-2, -1]), W, ignore_label=-2)


def test_bad_types():
    W = numpy.zeros((3, 2), numpy.float32)
    with pytest.raises(InvalidType, match='EmbedIDFunction'):
        F.embed_id(numpy.array([0.0, 1.0]), W)
    with pytest.raises(InvalidType, match="x.dtype.kind == 'i'"):
        F.embed_id(numpy.array([0, 1], numpy.uint8), W)
    with pytest.raises(InvalidType, match='x.ndim >= 1'):
        F.embed_id(numpy.array(1), W)
    with pytest.raises(InvalidType, match='W.ndim == 2'):
        F.embed_id(numpy.array([1]), numpy.zeros(3, numpy.float32))
    with pytest.raises(InvalidType, match="W.dtype.kind == 'f'"):
        F.embed_id(numpy.array([1]), numpy.zeros((3, 2), numpy.int32))
