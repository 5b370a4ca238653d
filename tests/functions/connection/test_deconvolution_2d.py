"""F.deconvolution_2d: forward against a naive float64 scatter loop, the
adjoint relation with convolution_2d, outsize (cover_all), gradients on both
backward paths, double backward, dtypes and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _deconv_outsize(size, k, s, p, d):
    return s * (size - 1) + (k - 1) * d + 1 - 2 * p


def _deconv_ref(x, W, b, stride, pad, dilate, groups, outsize=None):
    """y[n, g*Og + o, y*sy + i*dy - ph, x*sx + j*dx - pw] += x[n, ci, y, x] * W[ci, o, i, j]
    for every input channel ci of group g (positions outside are dropped)."""
    x = x.astype(numpy.float64)
    W = W.astype(numpy.float64)
    n, c, h, w = x.shape
    _, og, kh, kw = W.shape
    sy, sx = stride
    ph, pw = pad
    dy, dx = dilate
    cg = c // groups
    if outsize is None:
        outsize = (_deconv_outsize(h, kh, sy, ph, dy), _deconv_outsize(w, kw, sx, pw, dx))
    oh, ow = outsize
    y = numpy.zeros((n, og * groups, oh, ow))
    for ci in range(c):
        g = ci // cg
        for yy in range(h):
            for xx in range(w):
                for i in range(kh):
                    ty = yy * sy + i * dy - ph
                    if not 0 <= ty < oh:
                        continue
                    for j in range(kw):
                        tx = xx * sx + j * dx - pw
                        if not 0 <= tx < ow:
                            continue
                        y[:, g * og:(g + 1) * og, ty, tx] += \
                            x[:, ci, yy, xx, None] * W[ci, :, i, j]
    if b is not None:
        y += b.astype(numpy.float64).reshape(1, -1, 1, 1)
    return y


# (x shape, W shape, stride, pad, dilate, groups, outsize)
CASES = [
    ((2, 3, 4, 5), (3, 2, 3, 3), (1, 1), (1, 1), (1, 1), 1, None),
    ((2, 3, 4, 3), (3, 2, 3, 3), (2, 2), (1, 1), (1, 1), 1, None),
    ((2, 3, 4, 3), (3, 2, 3, 3), (2, 2), (1, 1), (1, 1), 1, (8, 6)),   # larger outsize
    ((2, 3, 4, 3), (3, 2, 3, 3), (2, 2), (1, 1), (1, 1), 1, (6, 4)),   # cover_all both
    ((2, 3, 4, 3), (3, 2, 3, 3), (2, 2), (1, 1), (1, 1), 1, (6, 5)),   # cover_all h only
    ((1, 2, 3, 4), (2, 3, 2, 3), (3, 2), (0, 1), (1, 1), 1, None),
    ((1, 2, 3, 3), (2, 2, 3, 2), (1, 2), (2, 0), (2, 2), 1, None),
    ((2, 4, 3, 3), (4, 3, 3, 3), (2, 1), (1, 1), (1, 1), 2, None),
    ((2, 4, 3, 3), (4, 1, 2, 2), (2, 2), (0, 0), (1, 1), 4, None),
    ((2, 3, 4, 4), (3, 5, 1, 1), (1, 1), (0, 0), (1, 1), 1, None),     # 1x1 shortcut
]


def _make(case, dtype=numpy.float64, seed=0):
    xs, ws = case[:2]
    groups = case[5]
    rng = numpy.random.RandomState(seed)
    x = rng.uniform(-1, 1, xs).astype(dtype)
    W = rng.uniform(-1, 1, ws).astype(dtype)
    b = rng.uniform(-1, 1, ws[1] * groups).astype(dtype)
    return x, W, b


def _func(case):
    _, _, stride, pad, dilate, groups, outsize = case

    def f(x, W, b=None):
        return F.deconvolution_2d(x, W, b, stride=stride, pad=pad, outsize=outsize,
                                  dilate=dilate, groups=groups)
    return f


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('with_bias', [True, False])
def test_forward_matches_naive_loop(case, with_bias):
    x, W, b = _make(case)
    if not with_bias:
        b = None
    x0, W0 = x.copy(), W.copy()
    y = _func(case)(x, W, b)
    ref = _deconv_ref(x, W, b, *case[2:])
    assert y.shape == ref.shape and y.dtype == numpy.float64
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-12, atol=1e-12)
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(W, W0)


@pytest.mark.parametrize('case', CASES)
def test_is_the_adjoint_of_convolution(case):
    """<conv(z, W), x> == <z, deconv(x, W)> with the matching geometry (cover_all
    on an axis where the plain convolution of the output would come out short)."""
    from fastgrad.functions.connection.convolution_2d import Convolution2DFunction
    x, W, _ = _make(case)
    _, _, stride, pad, dilate, groups, _ = case
    y = _func(case)(x, W)
    z = numpy.random.randn(*y.shape)
    cover = tuple(n != (o + 2 * p - (k - 1) * d - 1) // s + 1 for o, n, k, s, p, d in zip(
        y.shape[2:], x.shape[2:], W.shape[2:], stride, pad, dilate))
    conv, = Convolution2DFunction(stride, pad, cover, dilate, groups).apply((z, W))
    assert conv.shape == x.shape
    numpy.testing.assert_allclose((conv.array * x).sum(), (z * y.array).sum(), rtol=1e-10)


TOL = {numpy.float16: dict(rtol=5e-3, atol=5e-3),
       numpy.float32: dict(rtol=1e-5, atol=1e-5),
       numpy.float64: dict(rtol=1e-12, atol=1e-12)}


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_dtypes(dtype):
    case = CASES[1]
    x, W, b = _make(case, dtype)
    y = _func(case)(x, W, b)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array.astype(numpy.float64),
                                  _deconv_ref(x, W, b, *case[2:]), **TOL[dtype])


def test_mixed_dtypes_keep_x_dtype():
    case = CASES[0]
    x, W, _ = _make(case)
    y = _func(case)(x.astype(numpy.float32), W)
    assert y.dtype == numpy.float32


@pytest.mark.parametrize('case', CASES)
def test_backward(case):
    x, W, b = _make(case)
    f = _func(case)
    gy = numpy.random.randn(*f(x, W, b).shape)
    check_backward(f, (x, W, b), gy, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('case', [CASES[1], CASES[3], CASES[4], CASES[6], CASES[7]])
def test_double_backward(case):
    x, W, b = _make(case)
    f = _func(case)
    gy = numpy.random.randn(*f(x, W, b).shape)
    ggs = tuple(numpy.random.randn(*a.shape) for a in (x, W, b))
    check_double_backward(f, (x, W, b), gy, ggs, atol=1e-5, rtol=1e-4)


def test_non_contiguous_inputs():
    case = CASES[7]
    x, W, b = _make(case)
    xs = numpy.repeat(x, 2, axis=2)[:, :, ::2]
    Wf = numpy.asfortranarray(W)
    y = _func(case)(xs, Wf, b)
    numpy.testing.assert_allclose(y.array, _deconv_ref(x, W, b, *case[2:]), rtol=1e-12,
                                  atol=1e-12)
    check_backward(_func(case), (xs, Wf, b), numpy.random.randn(*y.shape), atol=1e-6,
                   rtol=1e-5)


def test_conv_backward_uses_deconv_shape():
    """The gradient of a strided convolution has the input's (odd) size."""
    x = numpy.random.randn(1, 2, 8, 7)
    W = numpy.random.randn(3, 2, 3, 3)
    y = F.convolution_2d(x, W, stride=2, pad=1)
    gx = F.deconvolution_2d(numpy.ones(y.shape), W, stride=2, pad=1, outsize=x.shape[2:])
    assert gx.shape == x.shape


def test_bad_outsize():
    x = numpy.zeros((1, 4, 5, 5), numpy.float32)
    W = numpy.zeros((4, 2, 3, 3), numpy.float32)
    with pytest.raises(InvalidType, match='Deconvolution2DFunction') as e:
        F.deconvolution_2d(x, W, outsize=(20, 20))
    assert 'out_h = 20' in str(e.value)
    with pytest.raises(InvalidType, match='out_w'):
        F.deconvolution_2d(x, W, stride=2, outsize=(11, 13))
    with pytest.raises(ValueError, match='outsize must be None or a pair'):
        F.deconvolution_2d(x, W, outsize=(5,))


def test_bad_inputs():
    x = numpy.zeros((1, 4, 5, 5), numpy.float32)
    W = numpy.zeros((4, 2, 3, 3), numpy.float32)
    with pytest.raises(InvalidType, match='x.shape\\[1\\] == W.shape\\[0\\]'):
        F.deconvolution_2d(x[:, :3], W)
    with pytest.raises(InvalidType, match='b.shape\\[0\\] == W.shape\\[1\\] \\* self.groups'):
        F.deconvolution_2d(x, W, numpy.zeros(2, numpy.float32), groups=2)
    with pytest.raises(InvalidType, match='b.dtype == x.dtype'):
        F.deconvolution_2d(x, W, numpy.zeros(2, numpy.float64))
    with pytest.raises(InvalidType, match='W.shape\\[0\\] % self.groups'):
        F.deconvolution_2d(x, W, groups=3)
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        F.deconvolution_2d(x.astype(numpy.int32), W)
    with pytest.raises(ValueError, match='positive'):
        F.deconvolution_2d(numpy.zeros((1, 4, 1, 1), numpy.float32),
                           numpy.zeros((4, 2, 1, 1), numpy.float32), pad=1)


def test_grouped_bias_has_all_output_channels():
    x = numpy.random.randn(1, 4, 3, 3)
    W = numpy.random.randn(4, 2, 3, 3)
    b = numpy.arange(4.0)
    y = F.deconvolution_2d(x, W, b, groups=2)
    assert y.shape == (1, 4, 5, 5)
    numpy.testing.assert_allclose(y.array - F.deconvolution_2d(x, W, groups=2).array,
                                  numpy.broadcast_to(b.reshape(1, 4, 1, 1), y.shape))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 2, 5, 7, 8],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestDeconvolution2D(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.func = _func(CASES[self.case])
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return _make(CASES[self.case], self.dtype, seed=numpy.random.randint(2 ** 31))

    def forward(self, inputs, device):
        return self.func(*inputs),

    def forward_expected(self, inputs):
        return _deconv_ref(*inputs, *CASES[self.case][2:]).astype(self.dtype),
