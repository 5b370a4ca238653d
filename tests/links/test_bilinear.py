"""L.Bilinear: parameter shapes/initializers, forward vs NumPy, gradients."""
import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad.gradient_check import check_backward


def _ref(e1, e2, W, V1=None, V2=None, b=None):
    y = numpy.einsum('bi,bj,ijk->bk', e1, e2, W)
    if V1 is not None:
        y = y + e1 @ V1 + e2 @ V2 + b
    return y


def test_parameters():
    numpy.random.seed(0)
    f = L.Bilinear(2, 3, 4)
    assert [n for n, _ in f.namedparams()] == ['/V1', '/V2', '/W', '/b']
    assert f.W.shape == (2, 3, 4) and f.V1.shape == (2, 4) and f.V2.shape == (3, 4)
    assert f.b.shape == (4,) and f.in_sizes == (2, 3) and not f.nobias
    numpy.testing.assert_array_equal(f.b.array, numpy.zeros(4))
    # LeCunNormal (fan_in = shape[1] * prod(shape[2:])), W first, then V1, V2.
    numpy.random.seed(0)
    W = numpy.random.normal(0, numpy.sqrt(1. / 12), (2, 3, 4))
    V1 = numpy.random.normal(0, numpy.sqrt(1. / 4), (2, 4))
    numpy.testing.assert_allclose(f.W.array, W.astype(numpy.float32), rtol=1e-6)
    numpy.testing.assert_allclose(f.V1.array, V1.astype(numpy.float32), rtol=1e-6)
    g = L.Bilinear(2, 3, 4, nobias=True)
    assert [n for n, _ in g.namedparams()] == ['/W'] and g.nobias


def test_initializers():
    W = numpy.ones((2, 3, 4), numpy.float32)
    V1 = numpy.full((2, 4), 2, numpy.float32)
    f = L.Bilinear(2, 3, 4, initialW=W, initial_bias=(V1, 3.0, 4.0))
    numpy.testing.assert_array_equal(f.W.array, W)
    numpy.testing.assert_array_equal(f.V1.array, V1)
    numpy.testing.assert_array_equal(f.V2.array, numpy.full((3, 4), 3))
    numpy.testing.assert_array_equal(f.b.array, numpy.full(4, 4))
    with pytest.raises(ValueError, match='initial_bias must be tuple or None'):
        L.Bilinear(2, 3, 4, initial_bias=1.0)
    with pytest.raises(ValueError, match='initialW'):
        L.Bilinear(2, 3, 4, initialW=numpy.ones((3, 2, 4), numpy.float32))
    with pytest.raises(ValueError, match='initialV1'):
        L.Bilinear(2, 3, 4, initial_bias=(numpy.ones((4, 2), numpy.float32), 0, 0))


@pytest.mark.parametrize('nobias', [False, True])
def test_forward_matches_numpy(nobias):
    f = L.Bilinear(2, 3, 4, nobias=nobias)
    if not nobias:
        f.b.array[...] = numpy.random.randn(4)
    e1 = numpy.random.randn(5, 2).astype(numpy.float32)
    e2 = numpy.random.randn(5, 3).astype(numpy.float32)
    y = f(e1, e2)
    params = [f.W.array] if nobias else [f.W.array, f.V1.array, f.V2.array, f.b.array]
    ref = _ref(e1.astype('d'), e2.astype('d'), *[p.astype('d') for p in params])
    assert y.shape == (5, 4) and y.dtype == numpy.float32
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-5, atol=1e-6)


def test_backward_through_link_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        f = L.Bilinear(2, 3, 4)
    e1 = numpy.random.randn(5, 2)
    e2 = numpy.random.randn(5, 3)
    check_backward(f, (e1, e2), numpy.random.randn(5, 4), params=tuple(f.params()))


def test_printed_form():
    assert str(L.Bilinear(2, 3, 4)) == 'Bilinear()'


def test_wrong_initial_array_shape_is_a_value_and_assertion_error():
    W = numpy.ones((3, 3, 4), dtype=numpy.float32)
    with pytest.raises(ValueError, match=r'initialW.shape must be \(2, 3, 4\), got \(3, 3, 4\)'):
        L.Bilinear(2, 3, 4, initialW=W)
    with pytest.raises(AssertionError, match=r'initialb.shape must be \(4,\), got \(5,\)'):
        L.Bilinear(2, 3, 4, initialW=numpy.ones((2, 3, 4), numpy.float32),
                   initial_bias=(numpy.ones((2, 4), numpy.float32),
                                 numpy.ones((3, 4), numpy.float32),
                                 numpy.ones(5, numpy.float32)))
