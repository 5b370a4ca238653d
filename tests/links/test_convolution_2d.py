"""L.Convolution2D: constructor forms, lazy in_channels, initializers, groups,
forward vs a NumPy reference, gradients, printing."""
import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad.gradient_check import check_backward


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


def conv_ref(x, W, b, stride=1, pad=0, dilate=1, groups=1):
    """Direct float64 convolution: sum over kernel taps of strided windows."""
    x = x.astype(numpy.float64)
    W = W.astype(numpy.float64)
    sh, sw = _pair(stride)
    ph, pw = _pair(pad)
    dh, dw = _pair(dilate)
    n, c, h, w = x.shape
    o, cg, kh, kw = W.shape
    og = o // groups
    xp = numpy.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    y = numpy.zeros((n, o, oh, ow))
    for g in range(groups):
        xg = xp[:, g * cg:(g + 1) * cg]
        Wg = W[g * og:(g + 1) * og]
        for i in range(kh):
            for j in range(kw):
                patch = xg[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                           j * dw:j * dw + sw * (ow - 1) + 1:sw]
                y[:, g * og:(g + 1) * og] += numpy.einsum(
                    'nchw,oc->nohw', patch, Wg[:, :, i, j])
    if b is not None:
        y += b.astype(numpy.float64).reshape(1, -1, 1, 1)
    return y


def test_three_argument_form():
    numpy.random.seed(0)
    c = L.Convolution2D(3, 7, 5)
    assert c.W.shape == (7, 3, 5, 5) and c.W.dtype == numpy.float32
    assert c.b.shape == (7,)
    numpy.testing.assert_array_equal(c.b.array, numpy.zeros(7))
    assert (c.in_channels, c.out_channels, c.ksize) == (3, 7, 5)
    assert (c.stride, c.pad, c.dilate, c.groups) == ((1, 1), (0, 0), (1, 1), 1)
    assert [n for n, _ in c.namedparams()] == ['/W', '/b']
    # LeCunNormal: N(0, 1/fan_in) drawn from the global RNG.
    numpy.random.seed(0)
    expected = numpy.random.normal(0, numpy.sqrt(1. / 75), (7, 3, 5, 5))
    numpy.testing.assert_allclose(c.W.array, expected.astype(numpy.float32), rtol=1e-6)


@pytest.mark.parametrize('make', [lambda: L.Convolution2D(7, 5),
                                  lambda: L.Convolution2D(None, 7, 5),
                                  lambda: L.Convolution2D(7, 5, stride=1, pad=0),
                                  lambda: L.Convolution2D(None, 7, 5, 1, 0)])
def test_lazy_in_channels(make):
    c = make()
    assert c.W.array is None and c.b.shape == (7,)
    x = numpy.arange(1 * 3 * 10 * 10, dtype=numpy.float32).reshape(1, 3, 10, 10)
    y = c(x)
    assert y.shape == (1, 7, 6, 6) and c.W.shape == (7, 3, 5, 5)
    assert c.in_channels is None   # as in Chainer: the spec is not rewritten


def test_lazy_with_variable_input():
    c = L.Convolution2D(2, 3)
    y = c(fastgrad.Variable(numpy.zeros((2, 4, 5, 5), numpy.float32)))
    assert c.W.shape == (2, 4, 3, 3) and y.shape == (2, 2, 3, 3)


def test_options():
    W = numpy.random.randn(4, 2, 3, 3).astype(numpy.float32)
    c = L.Convolution2D(2, 4, 3, stride=2, pad=1, nobias=True, initialW=W)
    assert c.b is None and c.stride == (2, 2) and c.pad == (1, 1)
    numpy.testing.assert_array_equal(c.W.array, W)
    d = L.Convolution2D(2, 4, (3, 2), initialW=0.5, initial_bias=1.5)
    assert d.W.shape == (4, 2, 3, 2) and d.ksize == (3, 2)
    numpy.testing.assert_array_equal(d.W.array, numpy.full((4, 2, 3, 2), 0.5))
    numpy.testing.assert_array_equal(d.b.array, numpy.full(4, 1.5))
    e = L.Convolution2D(2, 4, 3, initialW=fastgrad.initializers.HeNormal())
    assert e.W.shape == (4, 2, 3, 3)


def test_groups_and_dilate():
    c = L.Convolution2D(6, 4, 3, dilate=2, groups=2)
    assert c.W.shape == (4, 3, 3, 3) and c.dilate == (2, 2) and c.groups == 2
    with pytest.raises(ValueError, match='output channels'):
        L.Convolution2D(6, 3, 3, groups=2)
    with pytest.raises(ValueError, match='input channels'):
        L.Convolution2D(5, 4, 3, groups=2)
    lazy = L.Convolution2D(4, 3, groups=2)
    with pytest.raises(ValueError, match='input channels'):
        lazy(numpy.zeros((1, 3, 5, 5), numpy.float32))


@pytest.mark.parametrize('kw', [
    dict(), dict(stride=2), dict(pad=1), dict(stride=(2, 1), pad=(0, 2)),
    dict(dilate=2, pad=2), dict(groups=2), dict(groups=2, stride=2, pad=1)])
def test_forward_matches_numpy(kw):
    c = L.Convolution2D(4, 6, 3, **kw)
    c.b.array[...] = numpy.random.randn(6)
    x = numpy.random.randn(2, 4, 7, 8).astype(numpy.float32)
    x0 = x.copy()
    y = c(x)
    assert y.dtype == numpy.float32
    ref = conv_ref(x, c.W.array, c.b.array, kw.get('stride', 1), kw.get('pad', 0),
                   kw.get('dilate', 1), kw.get('groups', 1))
    assert y.shape == ref.shape
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-4, atol=1e-5)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('kw', [dict(), dict(stride=2, pad=1), dict(groups=2, dilate=2)])
def test_backward_through_link_float64(kw):
    with fastgrad.using_config('dtype', numpy.float64):
        c = L.Convolution2D(4, 2, 3, **kw)
    c.b.array[...] = numpy.random.randn(2)
    x = numpy.random.randn(2, 4, 6, 5)
    gy = numpy.random.randn(*c(x).shape)
    check_backward(c, x, gy, params=(c.W, c.b))


def test_from_params():
    W = numpy.random.randn(4, 3, 2, 5).astype(numpy.float32)
    b = numpy.random.randn(4).astype(numpy.float32)
    c = L.Convolution2D.from_params(W, b, stride=2, pad=1)
    assert (c.in_channels, c.out_channels, c.ksize) == (3, 4, (2, 5))
    numpy.testing.assert_array_equal(c.W.array, W)
    numpy.testing.assert_array_equal(c.b.array, b)
    assert c.stride == (2, 2) and c.pad == (1, 1)
    g = L.Convolution2D.from_params(W, groups=2)
    assert g.in_channels == 6 and g.groups == 2 and g.W.shape == W.shape
    assert L.Convolution2D.from_params(W, nobias=True).b is None
    with pytest.raises(ValueError):
        L.Convolution2D.from_params(W, numpy.zeros(3, numpy.float32))


def test_printed_form():
    assert str(L.Convolution2D(3, 7, 5)) == (
        'Convolution2D(in_channels=3, out_channels=7, ksize=5, stride=(1, 1), '
        'pad=(0, 0), nobias=False, dilate=(1, 1), groups=1)')
    assert str(L.Convolution2D(7, 5, stride=2, nobias=True)) == (
        'Convolution2D(in_channels=None, out_channels=7, ksize=5, stride=(2, 2), '
        'pad=(0, 0), nobias=True, dilate=(1, 1), groups=1)')


def test_non_contiguous_input():
    c = L.Convolution2D(3, 2, 3, pad=1)
    base = numpy.random.randn(2, 3, 8, 10).astype(numpy.float32)
    x = base[:, :, :, ::2]
    y = c(x)
    numpy.testing.assert_allclose(y.array, conv_ref(x, c.W.array, c.b.array, pad=1),
                                  rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float64])
def test_parameters_follow_config_dtype(dtype):
    with fastgrad.using_config('dtype', dtype):
        c = L.Convolution2D(3, 2, 3)
        lazy = L.Convolution2D(2, 3)
        x = numpy.random.randn(1, 3, 5, 5).astype(dtype)
        y = lazy(x)
    assert c.W.dtype == c.b.dtype == lazy.W.dtype == y.dtype == dtype
    tol = dict(rtol=1e-2, atol=1e-2) if dtype == numpy.float16 else dict(rtol=1e-12)
    numpy.testing.assert_allclose(y.array, conv_ref(x, lazy.W.array, lazy.b.array), **tol)


def test_memory_layouts_identifiers_and_unsupported_channel_last():
    from fastgrad import memory_layouts as ml
    assert ml.CUDNN_CHANNEL_FIRST_X is None and ml.CUDNN_CHANNEL_FIRST_W is None
    assert ml.CUDNN_CHANNEL_LAST_X == 'CUDNN_CHANNEL_LAST_X'
    assert ml.CUDNN_CHANNEL_LAST_W == 'CUDNN_CHANNEL_LAST_W'
    ml.check_layout(ml.CUDNN_CHANNEL_FIRST_X, 'f')           # the default is fine
    with pytest.raises(RuntimeError, match="g: memory layout 'CUDNN_CHANNEL_LAST_W' is not supported"):
        ml.check_layout(ml.CUDNN_CHANNEL_LAST_W, 'g')


def test_convolution_2d_under_cudnn_fast_compute_mode_is_a_clear_error():
    with fastgrad.using_config('compute_mode', 'cudnn_fast'):
        with pytest.raises(RuntimeError, match="Convolution2D: compute_mode='cudnn_fast'.*not support"):
            L.Convolution2D(3, 4, 3)
    assert L.Convolution2D(3, 4, 3).W.shape == (4, 3, 3, 3)
