"""F.convolution_2d: forward against a naive float64 loop over stride / pad /
dilate / groups / cover_all, gradients (both backward paths, double backward),
dtypes, non-contiguous inputs, the 1x1 shortcut and errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _outsize(size, k, s, p, d, cover_all):
    dk = k + (k - 1) * (d - 1)
    if cover_all:
        return (size + 2 * p - dk + s - 1) // s + 1
    return (size + 2 * p - dk) // s + 1


def _conv_ref(x, W, b, stride, pad, dilate, groups, cover_all):
    """Direct definition: y[n, o, y, x] = sum_{c,i,j} W[o, c, i, j] *
    x[n, g*Cg + c, y*sy + i*dy - ph, x*sx + j*dx - pw] (zero outside)."""
    x = x.astype(numpy.float64)
    W = W.astype(numpy.float64)
    n, c, h, w = x.shape
    out_c, cg, kh, kw = W.shape
    sy, sx = stride
    ph, pw = pad
    dy, dx = dilate
    og = out_c // groups
    oh = _outsize(h, kh, sy, ph, dy, cover_all)
    ow = _outsize(w, kw, sx, pw, dx, cover_all)
    y = numpy.zeros((n, out_c, oh, ow))
    for o in range(out_c):
        g = o // og
        for yy in range(oh):
            for xx in range(ow):
                acc = numpy.zeros(n)
                for i in range(kh):
                    iy = yy * sy + i * dy - ph
                    if not 0 <= iy < h:
                        continue
                    for j in range(kw):
                        ix = xx * sx + j * dx - pw
                        if not 0 <= ix < w:
                            continue
                        acc += x[:, g * cg:(g + 1) * cg, iy, ix].dot(W[o, :, i, j])
                y[:, o, yy, xx] = acc
    if b is not None:
        y += b.astype(numpy.float64).reshape(1, -1, 1, 1)
    return y


# (x shape, W shape, stride, pad, dilate, groups, cover_all)
CASES = [
    ((2, 3, 5, 6), (4, 3, 3, 3), (1, 1), (1, 1), (1, 1), 1, False),
    ((2, 3, 7, 6), (4, 3, 3, 3), (2, 2), (1, 1), (1, 1), 1, True),
    ((2, 3, 7, 6), (4, 3, 3, 3), (2, 2), (1, 1), (1, 1), 1, False),
    ((1, 2, 9, 8), (3, 2, 3, 2), (2, 1), (0, 2), (1, 1), 1, False),
    ((2, 2, 9, 9), (2, 2, 3, 3), (1, 1), (2, 2), (2, 2), 1, False),
    ((1, 2, 8, 9), (2, 2, 2, 3), (3, 2), (1, 0), (2, 3), 1, True),
    ((2, 4, 6, 5), (6, 2, 3, 3), (1, 1), (1, 1), (1, 1), 2, False),
    ((2, 6, 7, 7), (3, 2, 2, 2), (2, 2), (0, 0), (1, 1), 3, True),
    ((2, 4, 5, 5), (4, 1, 3, 3), (1, 1), (1, 1), (1, 1), 4, False),  # depthwise
    ((2, 3, 4, 5), (5, 3, 1, 1), (1, 1), (0, 0), (1, 1), 1, False),  # 1x1 shortcut
    ((2, 3, 5, 5), (5, 3, 1, 1), (2, 2), (0, 0), (1, 1), 1, False),
    ((1, 1, 4, 4), (1, 1, 4, 4), (1, 1), (0, 0), (1, 1), 1, False),  # 1x1 output
]


def _make(case, dtype=numpy.float64, seed=0):
    xs, ws = case[:2]
    rng = numpy.random.RandomState(seed)
    x = rng.uniform(-1, 1, xs).astype(dtype)
    W = rng.uniform(-1, 1, ws).astype(dtype)
    b = rng.uniform(-1, 1, ws[0]).astype(dtype)
    return x, W, b


def _func(case):
    _, _, stride, pad, dilate, groups, cover_all = case

    def f(x, W, b=None):
        return F.convolution_2d(x, W, b, stride=stride, pad=pad, cover_all=cover_all,
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
    ref = _conv_ref(x, W, b, *case[2:])
    assert y.shape == ref.shape and y.dtype == numpy.float64
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-12, atol=1e-12)
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(W, W0)


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
                                  _conv_ref(x, W, b, *case[2:]), **TOL[dtype])


def test_mixed_dtypes_keep_x_dtype():
    case = CASES[0]
    x, W, _ = _make(case)
    y = _func(case)(x.astype(numpy.float32), W)      # W float64
    assert y.dtype == numpy.float32
    numpy.testing.assert_allclose(y.array, _conv_ref(x.astype(numpy.float32), W, None,
                                                     *case[2:]), rtol=1e-5, atol=1e-5)


def test_output_size_formula_and_defaults():
    x = numpy.zeros((1, 1, 7, 7), numpy.float32)
    W = numpy.zeros((2, 1, 3, 3), numpy.float32)
    assert F.convolution_2d(x, W).shape == (1, 2, 5, 5)
    assert F.convolution_2d(x, W, stride=2).shape == (1, 2, 3, 3)
    assert F.convolution_2d(x, W, stride=3).shape == (1, 2, 2, 2)
    assert F.convolution_2d(x, W, stride=3, cover_all=True).shape == (1, 2, 3, 3)
    assert F.convolution_2d(x, W, pad=1, dilate=2).shape == (1, 2, 5, 5)


@pytest.mark.parametrize('case', CASES)
def test_backward(case):
    x, W, b = _make(case)
    f = _func(case)
    gy = numpy.random.randn(*f(x, W, b).shape)
    check_backward(f, (x, W, b), gy, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('case', [CASES[0], CASES[2], CASES[5], CASES[7], CASES[10]])
def test_double_backward(case):
    x, W, b = _make(case)
    f = _func(case)
    gy = numpy.random.randn(*f(x, W, b).shape)
    ggs = tuple(numpy.random.randn(*a.shape) for a in (x, W, b))
    check_double_backward(f, (x, W, b), gy, ggs, atol=1e-5, rtol=1e-4)


def test_gradients_match_naive_adjoints():
    """gx and gW from backward equal the transposes of the naive loop."""
    case = CASES[6]
    x, W, b = _make(case)
    f = _func(case)
    gy = numpy.random.randn(*f(x, W, b).shape)
    vs = [Variable(a.copy()) for a in (x, W, b)]
    fastgrad.backward([f(*vs)], [gy.copy()])
    gx, gW, gb = [v.grad for v in vs]
    # <conv(x, W), gy> is linear in x and in W: its gradients by finite rules
    eye_x = numpy.eye(x.size).reshape((x.size,) + x.shape)
    num_gx = numpy.array([(_conv_ref(e, W, None, *case[2:]) * gy).sum() for e in eye_x])
    numpy.testing.assert_allclose(gx.ravel(), num_gx, rtol=1e-10, atol=1e-10)
    eye_w = numpy.eye(W.size).reshape((W.size,) + W.shape)
    num_gW = numpy.array([(_conv_ref(x, e, None, *case[2:]) * gy).sum() for e in eye_w])
    numpy.testing.assert_allclose(gW.ravel(), num_gW, rtol=1e-10, atol=1e-10)
    numpy.testing.assert_allclose(gb, gy.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_non_contiguous_inputs():
    case = CASES[1]
    x, W, b = _make(case)
    xt = numpy.asfortranarray(x)
    Wt = numpy.ascontiguousarray(W.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2)
    xs = numpy.repeat(x, 2, axis=3)[:, :, :, ::2]
    for xx, WW in ((xt, W), (x, Wt), (xs, Wt)):
        assert not (xx.flags.c_contiguous and WW.flags.c_contiguous)
        y = _func(case)(xx, WW, b[::-1].copy()[::-1])
        numpy.testing.assert_allclose(y.array, _conv_ref(x, W, b, *case[2:]), rtol=1e-12,
                                      atol=1e-12)
    gy = numpy.random.randn(*y.shape)
    check_backward(_func(case), (xs, Wt, b), gy, atol=1e-6, rtol=1e-5)


def test_non_contiguous_grad_output():
    case = CASES[0]
    x, W, b = _make(case)
    f = _func(case)
    shape = f(x, W, b).shape
    gy = numpy.random.randn(*shape)
    gy_t = numpy.ascontiguousarray(gy.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    vs = [Variable(a.copy()) for a in (x, W, b)]
    fastgrad.backward([f(*vs)], [gy.copy()])
    a = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in (x, W, b)]
    fastgrad.backward([f(*vs)], [gy_t.copy()])
    c = [v.grad for v in vs]
    for u, v in zip(a, c):
        numpy.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-12)


def test_no_grad_for_x_when_constant():
    case = CASES[0]
    x, W, b = _make(case)
    Wv = Variable(W)
    y = _func(case)(x, Wv)
    y.grad = numpy.ones_like(y.array)
    y.backward()
    assert Wv.grad.shape == W.shape


def test_chained_layers_and_no_backprop_mode():
    rng = numpy.random.RandomState(3)
    x = Variable(rng.randn(2, 3, 8, 8).astype(numpy.float32))
    W1 = Variable(rng.randn(4, 3, 3, 3).astype(numpy.float32))
    W2 = Variable(rng.randn(2, 4, 3, 3).astype(numpy.float32))
    h = F.relu(F.convolution_2d(x, W1, pad=1))
    y = F.sum(F.convolution_2d(h, W2, stride=2))
    y.backward()
    assert x.grad.shape == x.shape and W1.grad.shape == W1.shape
    with fastgrad.no_backprop_mode():
        z = F.convolution_2d(x, W1, pad=1)
    assert z.creator is None


@pytest.mark.parametrize('x_shape,W_shape,kwargs,match', [
    ((2, 3, 5, 5), (4, 2, 3, 3), {}, 'x.shape\\[1\\] == W.shape\\[1\\] \\* self.groups'),
    ((2, 4, 5, 5), (3, 2, 3, 3), {'groups': 2}, 'W.shape\\[0\\] % self.groups'),
    ((3, 5, 5), (4, 3, 3, 3), {}, 'x.ndim == 4'),
    ((2, 3, 5, 5), (4, 3, 3), {}, 'W.ndim == 4'),
])
def test_bad_shapes(x_shape, W_shape, kwargs, match):
    with pytest.raises(InvalidType, match=match) as e:
        F.convolution_2d(numpy.zeros(x_shape, numpy.float32),
                         numpy.zeros(W_shape, numpy.float32), **kwargs)
    assert 'Convolution2DFunction' in str(e.value)


def test_bad_dtypes_and_bias():
    x = numpy.zeros((1, 2, 4, 4), numpy.float32)
    W = numpy.zeros((3, 2, 3, 3), numpy.float32)
    with pytest.raises(InvalidType, match='x.dtype.kind'):
        F.convolution_2d(x.astype(numpy.int32), W)
    with pytest.raises(InvalidType, match='W.dtype.kind'):
        F.convolution_2d(x, W.astype(numpy.int32))
    with pytest.raises(InvalidType, match='b.dtype == x.dtype'):
        F.convolution_2d(x, W, numpy.zeros(3, numpy.float64))
    with pytest.raises(InvalidType, match='b.shape\\[0\\] == W.shape\\[0\\]'):
        F.convolution_2d(x, W, numpy.zeros(4, numpy.float32))


def test_bad_arguments():
    x = numpy.zeros((1, 1, 2, 2), numpy.float32)
    W = numpy.zeros((1, 1, 3, 3), numpy.float32)
    with pytest.raises(ValueError, match='convolution_2d.*positive'):
        F.convolution_2d(x, W)
    with pytest.raises(ValueError, match='stride must be >= 1'):
        F.convolution_2d(x, W, stride=0, pad=1)
    with pytest.raises(ValueError, match='pad must be >= 0'):
        F.convolution_2d(x, W, pad=-1)
    with pytest.raises(TypeError, match='stride must be an int or a pair'):
        F.convolution_2d(x, W, stride=1.5, pad=1)
    with pytest.raises(ValueError, match='pair'):
        F.convolution_2d(x, W, stride=(1, 1, 1), pad=1)
    with pytest.raises(ValueError, match='groups must be >= 1'):
        F.convolution_2d(x, W, pad=1, groups=0)


@pytest.mark.parametrize('groups', [1, 3])
def test_backward_on_an_empty_batch(groups):
    # issue #9: gW of an empty batch is zeros (it was an AttributeError)
    x = fastgrad.Variable(numpy.zeros((0, 3, 5, 5), numpy.float32))
    W = fastgrad.Parameter(numpy.ones((6, 3 // groups, 3, 3), numpy.float32))
    b = fastgrad.Parameter(numpy.ones(6, numpy.float32))
    y = F.convolution_2d(x, W, b, pad=1, groups=groups)
    assert y.shape == (0, 6, 5, 5)
    y.grad = numpy.zeros(y.shape, numpy.float32)
    y.backward()
    numpy.testing.assert_array_equal(W.grad, numpy.zeros_like(W.array))
    numpy.testing.assert_array_equal(b.grad, numpy.zeros(6, numpy.float32))
    assert x.grad.shape == (0, 3, 5, 5)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 1, 5, 6, 8, 9],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestConvolution2D(testing.FunctionTestCase):
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
        return _conv_ref(*inputs, *CASES[self.case][2:]).astype(self.dtype),
