"""cuDNN convolutions on a GPU against the im2col + GEMM path.

Each case runs Convolution2D forward, gx and gW (and Deconvolution2D, its
adjoint) once with ``use_cudnn='always'`` and once with ``'never'`` on the same
CuPy arrays, and checks that cuDNN really ran (a plan of each kind was made).
Needs CuPy, a GPU and a libcudnn that fastgrad_cuda.cudnn finds (for example
PyTorch's, in site-packages/nvidia/cudnn/lib); skipped otherwise.
"""
import os
import sys

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import optimizers
from fastgrad.backends import cuda
from fastgrad_cuda import cudnn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), '_helpers'))
import replay_check  # noqa: E402  (tests/_helpers: graph replay vs eager training)

# a cuDNN call that fails disables cuDNN with this warning: here it fails the test
pytestmark = [pytest.mark.gpu, pytest.mark.cudnn,
              pytest.mark.filterwarnings('error:cuDNN is disabled:RuntimeWarning')]
cupy = pytest.importorskip('cupy')
if not cuda.cudnn_enabled:
    pytest.skip('cuDNN not found: {}'.format(cudnn.load_error()), allow_module_level=True)

TOL = {numpy.float32: dict(rtol=2e-4, atol=2e-4), numpy.float64: dict(rtol=1e-10, atol=1e-10)}

# (n, c, h, w, out_c, kh, kw, stride, pad, dilate, groups)
CASES = [
    (2, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1),
    (1, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1),                # batch 1
    (2, 4, 9, 7, 6, 3, 2, (2, 1), (1, 0), 1, 1),
    (2, 4, 11, 11, 6, 3, 3, 2, 2, 2, 2),              # dilation, groups
    (3, 6, 7, 7, 6, 3, 3, 1, 1, 1, 6),                # depthwise
    (2, 8, 6, 6, 4, 1, 1, 1, 0, 1, 1),                # pointwise
    (2, 4, 10, 10, 8, 5, 5, 3, 2, (1, 2), 4),
]


def _planned(kind, a_shape=None, dtype=None, deterministic=None):
    """How many cuDNN plans of ``kind`` (for these operands, where given) have an
    algorithm: a call that found none would have fallen back to im2col."""
    def match(key):
        # key: (kind, handle, a_shape, b_shape, out_shape, dtype, pad, stride,
        #       dilation, groups, deterministic, tensor_core, max_workspace)
        return (key[0] == kind and a_shape in (None, key[2]) and dtype in (None, key[5])
                and deterministic in (None, key[10]))
    return sum(1 for key, plan in list(cudnn._plans.items())
               if match(key) and plan.algo is not None)


def _conv_all(x, W, b, stride, pad, dilate, groups, setting, deterministic):
    xv, Wv, bv = fastgrad.Variable(x), fastgrad.Variable(W), fastgrad.Variable(b)
    with fastgrad.using_config('use_cudnn', setting), \
            fastgrad.using_config('cudnn_deterministic', deterministic):
        y = F.convolution_2d(xv, Wv, bv, stride=stride, pad=pad, dilate=dilate, groups=groups)
        gy = cupy.asarray(numpy.random.RandomState(2).randn(*y.shape)).astype(x.dtype)
        y.grad = gy
        y.backward()
        d = F.deconvolution_2d(y.array, W, b=None, stride=stride, pad=pad, dilate=dilate,
                               groups=groups, outsize=x.shape[2:])
    return [cupy.asnumpy(a) for a in (y.array, xv.grad, Wv.grad, bv.grad, d.array)]


@pytest.mark.parametrize('deterministic', [False, True])
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('case', CASES)
def test_cudnn_matches_im2col(case, dtype, deterministic):
    n, c, h, w, out_c, kh, kw, stride, pad, dilate, groups = case
    rng = numpy.random.RandomState(0)
    x = cupy.asarray(rng.randn(n, c, h, w).astype(dtype))
    W = cupy.asarray(rng.randn(out_c, c // groups, kh, kw).astype(dtype))
    b = cupy.asarray(rng.randn(out_c).astype(dtype))
    got = _conv_all(x, W, b, stride, pad, dilate, groups, 'always', deterministic)
    name = numpy.dtype(dtype).name
    # cuDNN ran each product: forward and gW (operand x), gx and deconvolution (operand W)
    for kind, a in (('forward', x), ('backward_filter', x), ('backward_data', W)):
        assert _planned(kind, a.shape, name, deterministic), kind
    want = _conv_all(x, W, b, stride, pad, dilate, groups, 'never', deterministic)
    for name, g, e in zip(('y', 'gx', 'gW', 'gb', 'deconv'), got, want):
        assert g.dtype == e.dtype == dtype, name
        numpy.testing.assert_allclose(g, e, err_msg=name, **TOL[dtype])


def test_deterministic_gives_identical_results():
    rng = numpy.random.RandomState(0)
    x = cupy.asarray(rng.randn(8, 16, 12, 12).astype(numpy.float32))
    W = cupy.asarray(rng.randn(16, 16, 3, 3).astype(numpy.float32))
    b = cupy.zeros(16, numpy.float32)
    first = _conv_all(x, W, b, 1, 1, 1, 1, 'always', True)
    second = _conv_all(x, W, b, 1, 1, 1, 1, 'always', True)
    for g, e in zip(first, second):
        numpy.testing.assert_array_equal(g, e)


def test_cover_all_and_float16_and_mixed_dtypes():
    rng = numpy.random.RandomState(0)
    x = cupy.asarray(rng.randn(2, 3, 8, 8).astype(numpy.float32))
    W = cupy.asarray(rng.randn(4, 3, 3, 3).astype(numpy.float32))
    with fastgrad.using_config('use_cudnn', 'always'):
        y = F.convolution_2d(x, W, stride=2, cover_all=True).array    # im2col: cuDNN has no cover_all
        y16 = F.convolution_2d(x.astype(numpy.float16), W.astype(numpy.float16)).array
        ymix = F.convolution_2d(x, W.astype(numpy.float64)).array     # mixed: im2col
    with fastgrad.using_config('use_cudnn', 'never'):
        y_ref = F.convolution_2d(x, W, stride=2, cover_all=True).array
        y16_ref = F.convolution_2d(x.astype(numpy.float16), W.astype(numpy.float16)).array
        ymix_ref = F.convolution_2d(x, W.astype(numpy.float64)).array
    numpy.testing.assert_allclose(cupy.asnumpy(y), cupy.asnumpy(y_ref), rtol=1e-5, atol=1e-5)
    assert y16.dtype == numpy.float16
    assert _planned('forward', x.shape, 'float16')
    numpy.testing.assert_allclose(cupy.asnumpy(y16).astype(numpy.float32),
                                  cupy.asnumpy(y16_ref).astype(numpy.float32), rtol=1e-2, atol=2e-2)
    numpy.testing.assert_allclose(cupy.asnumpy(ymix), cupy.asnumpy(ymix_ref), rtol=1e-6)


def _cnn():
    numpy.random.seed(0)
    return fastgrad.Sequential(
        L.Convolution2D(1, 8, 3, pad=1), F.relu, L.Convolution2D(8, 8, 3, stride=2, pad=1),
        F.relu, lambda h: F.reshape(h, (h.shape[0], -1)), L.Linear(8 * 4 * 4, 3)
    ).to_device('@cupy:0')


def test_capture_step_replays_cudnn_convolutions():
    rng = numpy.random.RandomState(1)
    batches = [(cupy.asarray(rng.randn(8, 1, 8, 8).astype(numpy.float32)),
                cupy.asarray(rng.randn(8, 3).astype(numpy.float32))) for _ in range(4)]
    with fastgrad.using_config('use_cudnn', 'always'), \
            fastgrad.using_config('cudnn_deterministic', True):
        replay_check.assert_replay_matches_eager(
            _cnn, lambda: optimizers.SGD(lr=0.1), batches, rtol=1e-5, atol=1e-6,
            losses_rtol=1e-5)
    for kind in ('forward', 'backward_filter'):
        assert _planned(kind, (8, 1, 8, 8), 'float32', True), kind
    assert _planned('backward_data', (8, 8, 3, 3), 'float32', True)     # 2nd conv's gx


def test_auto_is_the_default_and_uses_cudnn():
    assert fastgrad.config.use_cudnn == 'auto'
    x = cupy.ones((3, 5, 6, 6), numpy.float32)
    W = cupy.ones((7, 5, 3, 3), numpy.float32)
    y = F.convolution_2d(x, W, pad=1).array
    assert _planned('forward', x.shape, 'float32', False)
    assert float(y[0, 0, 2, 2]) == 45.0 and float(y[0, 0, 0, 0]) == 20.0
    with fastgrad.using_config('use_cudnn', 'never'):
        before = len(cudnn._plans)
        F.convolution_2d(x[:2], W, pad=1)
        assert len(cudnn._plans) == before           # 'never': no cuDNN call at all
