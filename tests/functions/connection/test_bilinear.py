"""F.bilinear: forward against einsum in float64, with and without the linear
terms, flattened inputs, gradients on both paths, double backward, errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(e1, e2, W, V1=None, V2=None, b=None):
    e1 = e1.reshape(len(e1), -1).astype(numpy.float64)
    e2 = e2.reshape(len(e2), -1).astype(numpy.float64)
    y = numpy.einsum('ij,ik,jkl->il', e1, e2, W.astype(numpy.float64))
    if V1 is not None:
        y += e1.dot(V1) + e2.dot(V2) + b
    return y


def _inputs(dtype=numpy.float64, e1_shape=(4, 3), full=True, seed=0):
    rng = numpy.random.RandomState(seed)
    J = int(numpy.prod(e1_shape[1:]))
    arrays = [rng.randn(*e1_shape), rng.randn(4, 2), rng.randn(J, 2, 5)]
    if full:
        arrays += [rng.randn(J, 5), rng.randn(2, 5), rng.randn(5)]
    return tuple(a.astype(dtype) for a in arrays)


TOL = {numpy.float16: dict(rtol=1e-2, atol=1e-2),
       numpy.float32: dict(rtol=1e-5, atol=1e-5),
       numpy.float64: dict(rtol=1e-12, atol=1e-12)}


@pytest.mark.parametrize('full', [True, False])
@pytest.mark.parametrize('e1_shape', [(4, 3), (4, 3, 2)])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(full, e1_shape, dtype):
    xs = _inputs(dtype, e1_shape, full)
    copies = [a.copy() for a in xs]
    y = F.bilinear(*xs)
    assert y.shape == (4, 5) and y.dtype == dtype
    numpy.testing.assert_allclose(y.array.astype(numpy.float64), _ref(*xs), **TOL[dtype])
    for a, c in zip(xs, copies):
        numpy.testing.assert_array_equal(a, c)


@pytest.mark.parametrize('full', [True, False])
@pytest.mark.parametrize('e1_shape', [(4, 3), (4, 3, 2)])
def test_backward(full, e1_shape):
    xs = _inputs(e1_shape=e1_shape, full=full)
    check_backward(F.bilinear, xs, numpy.random.randn(4, 5))


@pytest.mark.parametrize('full', [True, False])
def test_double_backward(full):
    xs = _inputs(full=full)
    ggs = tuple(numpy.random.randn(*a.shape) for a in xs)
    check_double_backward(F.bilinear, xs, numpy.random.randn(4, 5), ggs)


@pytest.mark.parametrize('full', [True, False])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(full, dtype):
    xs = _inputs(dtype, (4, 3, 2), full)
    gy = numpy.random.randn(4, 5).astype(dtype)
    grads = []
    for double in (False, True):
        vs = [Variable(a.copy()) for a in xs]
        y = F.bilinear(*vs)
        y.grad = gy.copy()
        y.backward(enable_double_backprop=double)
        grads.append([v.grad for v in vs])
    for a, g, s in zip(xs, *grads):
        assert g.shape == a.shape and g.dtype == s.dtype == dtype
        numpy.testing.assert_allclose(g.astype(numpy.float64), s.astype(numpy.float64),
                                      **TOL[dtype])


def test_gradient_formulas():
    e1, e2, W, V1, V2, b = _inputs()
    vs = [Variable(a) for a in (e1, e2, W, V1, V2, b)]
    gy = numpy.random.randn(4, 5)
    y = F.bilinear(*vs)
    y.grad = gy
    y.backward()
    numpy.testing.assert_allclose(vs[0].grad, numpy.einsum('ik,jkl,il->ij', e2, W, gy)
                                  + gy.dot(V1.T), rtol=1e-12)
    numpy.testing.assert_allclose(vs[1].grad, numpy.einsum('ij,jkl,il->ik', e1, W, gy)
                                  + gy.dot(V2.T), rtol=1e-12)
    numpy.testing.assert_allclose(vs[2].grad, numpy.einsum('ij,ik,il->jkl', e1, e2, gy),
                                  rtol=1e-12)
    numpy.testing.assert_allclose(vs[5].grad, gy.sum(0), rtol=1e-12)


def test_non_contiguous_inputs():
    e1, e2, W, V1, V2, b = _inputs()
    e1n = numpy.asfortranarray(e1)
    Wn = numpy.ascontiguousarray(W.transpose(2, 1, 0)).transpose(2, 1, 0)
    y = F.bilinear(e1n, e2, Wn, V1.T.copy().T, V2, b)
    numpy.testing.assert_allclose(y.array, _ref(e1, e2, W, V1, V2, b), rtol=1e-12)
    check_backward(F.bilinear, (e1n, e2, Wn, V1, V2, b), numpy.random.randn(4, 5))


def test_partial_linear_terms_are_rejected():
    e1, e2, W, V1, V2, b = _inputs()
    with pytest.raises(ValueError, match='bilinear: V1, V2 and b must all be None'):
        F.bilinear(e1, e2, W, V1)
    with pytest.raises(ValueError, match='V1 given, V2 None, b given'):
        F.bilinear(e1, e2, W, V1, None, b)


def test_bad_shapes_and_dtypes():
    e1, e2, W, V1, V2, b = _inputs(numpy.float32)
    with pytest.raises(InvalidType, match='BilinearFunction'):
        F.bilinear(e1, e2, W.astype(numpy.float64))
    with pytest.raises(InvalidType, match='prod\\(e1.shape\\[1:\\]\\) == W.shape\\[0\\]'):
        F.bilinear(e1[:, :2], e2, W)
    with pytest.raises(InvalidType, match='prod\\(e2.shape\\[1:\\]\\) == W.shape\\[1\\]'):
        F.bilinear(e1, e2[:, :1], W)
    with pytest.raises(InvalidType, match='e1.shape\\[0\\] == e2.shape\\[0\\]'):
        F.bilinear(e1[:3], e2, W)
    with pytest.raises(InvalidType, match='e1.ndim >= 2'):
        F.bilinear(e1[0], e2, W)
    with pytest.raises(InvalidType, match='W.ndim == 3'):
        F.bilinear(e1, e2, W[0])
    with pytest.raises(InvalidType, match=r'V2.shape == \(W.shape\[1\], W.shape\[2\]\)(?s:.*)= \(2, 5\)'):
        F.bilinear(e1, e2, W, V1, V2[:1], b)
    with pytest.raises(InvalidType, match="e1.dtype.kind == 'f'"):
        F.bilinear(e1.astype(numpy.int32), e2, W)
