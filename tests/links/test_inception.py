"""L.Inception and L.InceptionBN: shapes, structure, gradients (float64) and
the same outputs and gradients as Chainer 7.8.1 for the same parameters
(zoo_reference/inception.npz, made by zoo_reference/make_fixtures.py)."""
import os

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import gradient_check
from fastgrad.serializers import NpzDeserializer

REF = os.path.join(os.path.dirname(__file__), 'zoo_reference', 'inception.npz')


def _x(shape, dtype=numpy.float32):
    return numpy.random.uniform(-1, 1, shape).astype(dtype)


def test_inception_shape_and_children():
    link = L.Inception(3, 2, 2, 3, 2, 3, 4)
    y = link(_x((2, 3, 7, 5)))
    assert y.shape == (2, 2 + 3 + 3 + 4, 7, 5)
    assert sorted(n for n, _ in link.namedparams()) == sorted(
        '/{}/{}'.format(c, p) for c in ('conv1', 'proj3', 'conv3', 'proj5', 'conv5', 'projp')
        for p in ('W', 'b'))
    assert link.conv5.W.shape == (3, 2, 5, 5)
    assert (y.array >= 0).all()       # the ReLU of the concatenation


def test_inception_infers_in_channels():
    link = L.Inception(None, 2, 2, 3, 2, 3, 4)
    assert link(_x((1, 5, 4, 4))).shape == (1, 12, 4, 4)
    assert link.projp.W.shape == (4, 5, 1, 1)


def test_inception_initializers():
    link = L.Inception(3, 2, 2, 3, 2, 3, 4, conv_init=fastgrad.initializers.One(),
                       bias_init=fastgrad.initializers.Constant(0.5))
    assert (link.conv3.W.array == 1).all() and (link.projp.b.array == 0.5).all()


@pytest.mark.parametrize('out1,pooltype,proj_pool,stride,out_hw', [
    (3, 'max', 3, 1, (5, 5)),
    (3, 'avg', 3, 1, (5, 5)),
    (0, 'max', None, 1, (5, 5)),
    (0, 'avg', None, 2, (3, 3)),
    (0, 'max', 2, 2, (3, 3)),
])
def test_inceptionbn_shapes(out1, pooltype, proj_pool, stride, out_hw):
    link = L.InceptionBN(3, out1, 2, 3, 2, 4, pooltype, proj_pool, stride)
    y = link(_x((2, 3, 5, 5)))
    channels = out1 + 3 + 4 + (3 if proj_pool is None else proj_pool)
    assert y.shape == (2, channels) + out_hw
    assert hasattr(link, 'conv1') == (out1 > 0)
    assert hasattr(link, 'poolp') == (proj_pool is not None)


def test_inceptionbn_bad_arguments():
    with pytest.raises(NotImplementedError, match="pooltype must be 'max' or 'avg'"):
        L.InceptionBN(3, 3, 2, 3, 2, 3, 'sum', 3)
    with pytest.raises(AssertionError, match='out1 > 0 needs stride == 1'):
        L.InceptionBN(3, 3, 2, 3, 2, 3, 'max', 3, stride=2)
    with pytest.raises(AssertionError, match='proj_pool'):
        L.InceptionBN(3, 3, 2, 3, 2, 3, 'max', None)


def test_inceptionbn_dtype():
    with fastgrad.using_config('dtype', numpy.float16):
        link = L.InceptionBN(3, 3, 2, 3, 2, 3, 'max', 3)
    assert link.conv1n.beta.dtype == numpy.float16
    assert L.InceptionBN(3, 3, 2, 3, 2, 3, 'max', 3, dtype=numpy.float64).poolpn.gamma.dtype \
        == numpy.float64


def _params(link):
    return tuple(p for _, p in sorted(link.namedparams()))


def test_inception_gradient_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        link = L.Inception(3, 2, 2, 2, 2, 2, 2)
    x = _x((2, 3, 4, 4), numpy.float64)
    gy = _x((2, 8, 4, 4), numpy.float64)
    gradient_check.check_backward(link, x, gy, params=_params(link), dtype=numpy.float64,
                                  atol=1e-6, rtol=1e-5)


def test_inception_double_backward_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        link = L.Inception(3, 2, 2, 2, 2, 2, 2)
    x = _x((1, 3, 4, 4), numpy.float64)
    gy = _x((1, 8, 4, 4), numpy.float64)
    ggx = _x(x.shape, numpy.float64)
    gradient_check.check_double_backward(link, x, gy, ggx, dtype=numpy.float64,
                                         atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('pooltype,proj_pool,stride', [('max', 2, 1), ('avg', None, 2)])
def test_inceptionbn_gradient_float64(pooltype, proj_pool, stride):
    out1 = 2 if stride == 1 else 0
    with fastgrad.using_config('dtype', numpy.float64):
        link = L.InceptionBN(3, out1, 2, 2, 2, 2, pooltype, proj_pool, stride)
    x = _x((3, 3, 4, 4), numpy.float64)
    gy = _x(link(x).shape, numpy.float64)
    gradient_check.check_backward(link, x, gy, params=_params(link), dtype=numpy.float64,
                                  atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('name,make', [
    ('inception', lambda: L.Inception(3, 2, 2, 3, 2, 3, 2)),
    ('inceptionbn_max', lambda: L.InceptionBN(3, 3, 2, 3, 2, 3, 'max', 2)),
    ('inceptionbn_avg_s2', lambda: L.InceptionBN(3, 0, 2, 3, 2, 3, 'avg', None, 2)),
])
def test_same_as_chainer(name, make):
    ref = numpy.load(REF)
    link = make()
    NpzDeserializer(ref, path=name + '/params/').load(link)
    x = ref[name + '/x']
    with fastgrad.using_config('train', False):
        numpy.testing.assert_allclose(link(x).array, ref[name + '/y_test'],
                                      rtol=1e-5, atol=1e-5)
    xv = fastgrad.Variable(x)
    y = link(xv)
    numpy.testing.assert_allclose(y.array, ref[name + '/y_train'], rtol=1e-5, atol=1e-5)
    F.sum(y * ref[name + '/gy']).backward()
    numpy.testing.assert_allclose(xv.grad, ref[name + '/gx'], rtol=1e-4, atol=1e-5)
    numpy.testing.assert_allclose(link.proj3.W.grad, ref[name + '/gW_proj3'],
                                  rtol=1e-4, atol=1e-5)
