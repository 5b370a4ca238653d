"""The compiled loops of 2-D convolutions on NumPy (fastgrad/_core/conv2d.pyx,
used by functions/_util/conv.py): im2col/col2im and the depthwise convolution.

* Both against float64 formulas written element by element (and the
  batch-major layout of the whole-batch GEMMs against the transposed one) (each column
  entry is the input pixel its window covers, or 0 outside the image; col2im
  is the exact adjoint: <im2col(x), c> == <x, col2im(c)>), over strides,
  padding, dilation, cover_all's extra windows and windows wider than the
  image, float32 and float64, on one and several threads (the same bits).
* The depthwise forward and both gradients against einsums over those
  columns (channel multipliers 1 to 3), and against the array code that CuPy
  runs (conv._depthwise_*).
* A convolution's forward and gradients with the compiled loops equal the
  float64 reference in tests/functions/connection (run elsewhere); here, that
  the conv path really calls them.
* Wrong arguments raise, in a subprocess (a crash fails one test).
"""
import itertools

import numpy
import pytest

import fastgrad
from fastgrad._core import conv2d
from fastgrad.functions._util import conv

# (n, c, h, w, kh, kw, sy, sx, ph, pw, dy, dx, cover_all)
GEOMETRIES = [
    (2, 3, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, False),
    (2, 3, 8, 8, 3, 2, 2, 3, 2, 1, 1, 1, True),
    (1, 2, 10, 11, 3, 3, 2, 2, 0, 3, 2, 3, False),
    (3, 4, 5, 5, 1, 1, 1, 1, 0, 0, 1, 1, False),
    (2, 2, 4, 4, 5, 5, 1, 1, 3, 3, 1, 1, False),       # window wider than the image
    (1, 1, 3, 3, 2, 2, 5, 5, 4, 4, 1, 1, True),        # stride past the image
    (2, 5, 6, 1, 3, 1, 1, 1, 1, 0, 1, 1, False),       # one column
]


def _sizes(g):
    n, c, h, w, kh, kw, sy, sx, ph, pw, dy, dx, cover = g
    oh = conv.get_conv_outsize(h, kh, sy, ph, cover, dy)
    ow = conv.get_conv_outsize(w, kw, sx, pw, cover, dx)
    return oh, ow


def _reference_im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx):
    n, c, h, w = x.shape
    col = numpy.zeros((n, c, kh, kw, oh, ow))
    for i, j, y, z in itertools.product(range(kh), range(kw), range(oh), range(ow)):
        r, q = y * sy + i * dy - ph, z * sx + j * dx - pw
        if 0 <= r < h and 0 <= q < w:
            col[:, :, i, j, y, z] = x[:, :, r, q]
    return col


@pytest.fixture(params=[1, 3])
def threads(request):
    before = fastgrad.get_num_threads()
    fastgrad.set_num_threads(request.param)
    yield request.param
    fastgrad.set_num_threads(before)


@pytest.mark.parametrize('g', GEOMETRIES)
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_im2col_matches_the_formula(g, dtype, threads):
    n, c, h, w, kh, kw, sy, sx, ph, pw, dy, dx, _ = g
    oh, ow = _sizes(g)
    x = numpy.random.RandomState(0).randn(n, c, h, w).astype(dtype)
    col = conv2d.im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx)
    assert col.dtype == dtype and col.shape == (n, c, kh, kw, oh, ow)
    numpy.testing.assert_array_equal(
        col, _reference_im2col(x.astype(numpy.float64), kh, kw, sy, sx, ph, pw, oh, ow, dy, dx))


@pytest.mark.parametrize('g', GEOMETRIES)
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_col2im_is_the_adjoint(g, dtype, threads):
    n, c, h, w, kh, kw, sy, sx, ph, pw, dy, dx, _ = g
    oh, ow = _sizes(g)
    rng = numpy.random.RandomState(1)
    x = rng.randn(n, c, h, w)
    cols = rng.randn(n, c, kh, kw, oh, ow)
    img = conv2d.col2im(cols.astype(dtype), sy, sx, ph, pw, h, w, dy, dx)
    assert img.dtype == dtype and img.shape == (n, c, h, w)
    # <im2col(x), cols> == <x, col2im(cols)>, for every x: col2im sums into each
    # pixel the entries of every window that covers it
    lhs = (_reference_im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx) * cols).sum()
    rhs = (x * img.astype(numpy.float64)).sum()
    numpy.testing.assert_allclose(lhs, rhs, rtol=1e-5 if dtype == numpy.float32 else 1e-12)
    # and pixel by pixel against the strided-add reference (the CuPy-side code)
    padded = numpy.zeros((n, c, max(conv._extent(oh, kh, sy, dy), ph + h),
                          max(conv._extent(ow, kw, sx, dx), pw + w)))
    conv.col2im_add(padded, cols, sy, sx, dy, dx)
    numpy.testing.assert_allclose(img, padded[:, :, ph:ph + h, pw:pw + w],
                                  rtol=1e-5 if dtype == numpy.float32 else 1e-12, atol=1e-6)


@pytest.mark.parametrize('g', GEOMETRIES)
def test_batch_major_layout_is_the_transposed_one(g, threads):
    n, c, h, w, kh, kw, sy, sx, ph, pw, dy, dx, _ = g
    oh, ow = _sizes(g)
    rng = numpy.random.RandomState(8)
    x = rng.randn(n, c, h, w).astype(numpy.float32)
    col = conv2d.im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx)
    colb = conv2d.im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx, batch_major=True)
    numpy.testing.assert_array_equal(colb, col.transpose(1, 2, 3, 0, 4, 5))
    g_col = rng.randn(*col.shape).astype(numpy.float32)
    numpy.testing.assert_array_equal(
        conv2d.col2im(numpy.ascontiguousarray(g_col.transpose(1, 2, 3, 0, 4, 5)), sy, sx, ph, pw,
                      h, w, dy, dx, batch_major=True),
        conv2d.col2im(g_col, sy, sx, ph, pw, h, w, dy, dx))
    # the whole-batch GEMM path's kernels: the compiled ones equal the array code
    cols = conv.ArrayKernels.im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx)
    numpy.testing.assert_array_equal(
        conv.CompiledKernels.im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx), cols)
    gc = rng.randn(*cols.shape).astype(numpy.float32)
    numpy.testing.assert_allclose(
        conv.CompiledKernels.col2im(gc, n, c, h, w, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx),
        conv.ArrayKernels.col2im(gc, n, c, h, w, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx),
        rtol=1e-5, atol=1e-5)


def test_thread_counts_give_the_same_bits():
    x = numpy.random.RandomState(2).randn(4, 16, 33, 31).astype(numpy.float32)
    before = fastgrad.get_num_threads()
    try:
        outs = []
        for nt in (1, 2, 5):
            fastgrad.set_num_threads(nt)
            col = conv2d.im2col(x, 3, 3, 2, 1, 1, 1, 17, 31, 1, 1)
            outs.append((col, conv2d.col2im(col, 2, 1, 1, 1, 33, 31, 1, 1)))
    finally:
        fastgrad.set_num_threads(before)
    for col, img in outs[1:]:
        numpy.testing.assert_array_equal(col, outs[0][0])
        numpy.testing.assert_array_equal(img, outs[0][1])


def test_out_arrays_are_written():
    x = numpy.arange(2 * 3 * 4 * 4, dtype=numpy.float64).reshape(2, 3, 4, 4)
    out = numpy.full((2, 3, 3, 3, 4, 4), numpy.nan)
    assert conv2d.im2col(x, 3, 3, 1, 1, 1, 1, 4, 4, 1, 1, out=out) is out
    img = numpy.full((2, 3, 4, 4), numpy.nan)
    assert conv2d.col2im(out, 1, 1, 1, 1, 4, 4, 1, 1, out=img) is img
    assert not numpy.isnan(img).any()


def test_convolution_uses_the_compiled_loops(monkeypatch):
    calls = []
    for name in ('im2col', 'col2im'):
        real = getattr(conv2d, name)
        monkeypatch.setattr(conv._conv2d, name,
                            lambda *a, _real=real, _name=name, **k: calls.append(_name)
                            or _real(*a, **k))
    x = fastgrad.Variable(numpy.random.RandomState(3).randn(2, 3, 9, 9).astype(numpy.float32))
    W = fastgrad.Variable(numpy.random.RandomState(4).randn(4, 3, 3, 3).astype(numpy.float32))
    y = fastgrad.functions.convolution_2d(x, W, stride=2, pad=1)
    y.grad = numpy.ones_like(y.array)
    y.backward()
    assert 'im2col' in calls and 'col2im' in calls


@pytest.mark.parametrize('g', GEOMETRIES)
@pytest.mark.parametrize('m', [1, 3])
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_depthwise_matches_the_formulas(g, m, dtype, threads):
    n, c, h, w, kh, kw, sy, sx, ph, pw, dy, dx, _ = g
    oh, ow = _sizes(g)
    rng = numpy.random.RandomState(6)
    x, W = rng.randn(n, c, h, w), rng.randn(c, m, kh, kw)
    b, gy = rng.randn(c * m), rng.randn(n, c * m, oh, ow)
    col = _reference_im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx)
    y_ref = numpy.einsum('cmij,ncijyx->ncmyx', W, col).reshape(n, c * m, oh, ow) \
        + b.reshape(1, -1, 1, 1)
    gW_ref = numpy.einsum('ncmyx,ncijyx->cmij', gy.reshape(n, c, m, oh, ow), col)
    # grad_x is the adjoint of the forward in x: the same columns, scattered back
    gx_ref = numpy.zeros_like(x)
    cols_g = numpy.einsum('cmij,ncmyx->ncijyx', W, gy.reshape(n, c, m, oh, ow))
    for i, j, u, v in itertools.product(range(kh), range(kw), range(oh), range(ow)):
        r, q = u * sy + i * dy - ph, v * sx + j * dx - pw
        if 0 <= r < h and 0 <= q < w:
            gx_ref[:, :, r, q] += cols_g[:, :, i, j, u, v]
    d = [a.astype(dtype) for a in (x, W, b, gy)]
    y = conv2d.depthwise_forward(d[0], d[1], d[2], sy, sx, ph, pw, oh, ow, dy, dx)
    gx = conv2d.depthwise_grad_x(d[3], d[1], sy, sx, ph, pw, h, w, dy, dx)
    gW = conv2d.depthwise_grad_W(d[0], d[3], kh, kw, sy, sx, ph, pw, dy, dx)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == numpy.float32 else dict(rtol=1e-12, atol=1e-12)
    for got, ref in ((y, y_ref), (gx, gx_ref), (gW, gW_ref)):
        assert got.dtype == dtype and got.shape == ref.shape
        numpy.testing.assert_allclose(got, ref, **tol)
    # the array code CuPy runs gives the same
    W4 = W.reshape(c * m, 1, kh, kw)
    numpy.testing.assert_allclose(
        conv._depthwise_forward(x, W4, sy, sx, ph, pw, oh, ow, dy, dx, numpy.float64)
        + b.reshape(1, -1, 1, 1), y_ref, rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(
        conv._depthwise_grad_x(gy, W4, c, h, w, sy, sx, ph, pw, dy, dx, numpy.float64),
        gx_ref, rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(
        conv._depthwise_grad_W(x, gy, kh, kw, sy, sx, ph, pw, dy, dx, numpy.float64),
        gW_ref.reshape(c * m, 1, kh, kw), rtol=1e-12, atol=1e-12)


def test_depthwise_op_uses_the_compiled_loops(monkeypatch):
    calls = []
    for name in ('depthwise_forward', 'depthwise_grad_x', 'depthwise_grad_W'):
        real = getattr(conv2d, name)
        monkeypatch.setattr(conv._conv2d, name,
                            lambda *a, _real=real, _name=name, **k: calls.append(_name)
                            or _real(*a, **k))
    rng = numpy.random.RandomState(7)
    x = fastgrad.Variable(rng.randn(2, 3, 9, 9).astype(numpy.float32))
    W = fastgrad.Variable(rng.randn(2, 3, 3, 3).astype(numpy.float32))
    y = fastgrad.functions.depthwise_convolution_2d(x, W, pad=1)
    y.grad = numpy.ones_like(y.array)
    y.backward()
    assert sorted(calls) == ['depthwise_forward', 'depthwise_grad_W', 'depthwise_grad_x']
    assert x.grad.shape == x.shape and W.grad.shape == W.shape


def test_wrong_arguments_raise(run_python):
    out = run_python('''
        from fastgrad._core import conv2d
        f32 = np.float32
        x = np.ones((2, 3, 4, 4), f32)
        col = np.ones((2, 3, 3, 3, 4, 4), f32)
        calls = [
            lambda: conv2d.im2col([[1.0]], 3, 3, 1, 1, 1, 1, 4, 4),
            lambda: conv2d.im2col(x.astype(np.int32), 3, 3, 1, 1, 1, 1, 4, 4),
            lambda: conv2d.im2col(x[0], 3, 3, 1, 1, 1, 1, 4, 4),
            lambda: conv2d.im2col(x.transpose(0, 1, 3, 2)[:, :, ::2], 3, 3, 1, 1, 1, 1, 4, 4),
            lambda: conv2d.im2col(x, 0, 3, 1, 1, 1, 1, 4, 4),
            lambda: conv2d.im2col(x, 3, 3, 0, 1, 1, 1, 4, 4),
            lambda: conv2d.im2col(x, 3, 3, 1, 1, -1, 1, 4, 4),
            lambda: conv2d.im2col(x, 3, 3, 1, 1, 1, 1, -4, 4),
            lambda: conv2d.im2col(x, 3, 3, 1, 1, 1, 1, 4, 4, 0, 1),
            lambda: conv2d.im2col(x, 3, 3, 1, 2 ** 40, 1, 1, 4, 4),
            lambda: conv2d.im2col(x, 3, 3, 1, 1, 1, 1, 4, 4, 1, 1.5),
            lambda: conv2d.im2col(x, 3, 3, 1, 1, 1, 1, 4, 4, out=np.ones((2, 3, 3, 3, 4, 5), f32)),
            lambda: conv2d.im2col(x, 3, 3, 1, 1, 1, 1, 4, 4, out=col.astype(np.float64)),
            lambda: conv2d.im2col(x, 3, 3, 1, 1, 1, 1, 4, 4, out=[0]),
            lambda: conv2d.col2im(col[0], 1, 1, 1, 1, 4, 4),
            lambda: conv2d.col2im(col, 1, 1, 1, 1, -4, 4),
            lambda: conv2d.col2im(col, 1, 1, 1, 1, 4, 2 ** 31),
            lambda: conv2d.col2im(col, 1, 0, 1, 1, 4, 4),
            lambda: conv2d.col2im(col, 1, 1, 1, 1, 4, 4, out=np.ones((2, 3, 4, 5), f32)),
            lambda: conv2d.col2im(col[..., ::2], 1, 1, 1, 1, 4, 4),
            lambda: conv2d.col2im(np.ones((2, 3, 0, 3, 4, 4), f32), 1, 1, 1, 1, 4, 4),
            lambda: conv2d.im2col(x, 3, 3, 1, 1, 1, 1, 4, 4, out=col, batch_major=True),
            lambda: conv2d.col2im(col, 1, 1, 1, 1, 4, 4, out=np.ones((2, 3, 4, 4), f32),
                                  batch_major=True),
            lambda: conv2d.depthwise_forward(x, np.ones((4, 1, 3, 3), f32), None, 1, 1, 1, 1, 4, 4),
            lambda: conv2d.depthwise_forward(x, np.ones((3, 1, 3, 3)), None, 1, 1, 1, 1, 4, 4),
            lambda: conv2d.depthwise_forward(x, np.ones((3, 0, 3, 3), f32), None, 1, 1, 1, 1, 4, 4),
            lambda: conv2d.depthwise_forward(x, np.ones((3, 1, 3, 3), f32), np.ones(4, f32),
                                             1, 1, 1, 1, 4, 4),
            lambda: conv2d.depthwise_forward(x, np.ones((3, 1, 3, 3), f32), None, 1, 1, 1, 1,
                                             4, 2 ** 33),
            lambda: conv2d.depthwise_grad_x(np.ones((2, 4, 4, 4), f32), np.ones((3, 1, 3, 3), f32),
                                            1, 1, 1, 1, 4, 4),
            lambda: conv2d.depthwise_grad_x(np.ones((2, 3, 4, 4), f32), np.ones((3, 1, 3, 3), f32),
                                            1, 1, 1, 1, -4, 4),
            lambda: conv2d.depthwise_grad_W(x, np.ones((2, 4, 4, 4), f32), 3, 3, 1, 1, 1, 1),
            lambda: conv2d.depthwise_grad_W(x, np.ones((3, 3, 4, 4), f32), 3, 3, 1, 1, 1, 1),
            lambda: conv2d.depthwise_grad_W(x, np.ones((2, 3, 4, 4), f32), 2 ** 40, 3, 1, 1, 1, 1),
            lambda: conv2d.depthwise_grad_W(x, np.ones((2, 3, 4, 4)), 3, 3, 1, 1, 1, 1),
        ]
        for call in calls:
            try:
                call()
                print('no error')
            except (TypeError, ValueError) as e:
                print(type(e).__name__, str(e).split(':')[0])
        ''')
    lines = out.splitlines()
    assert len(lines) == 34 and 'no error' not in lines, out
    assert all(line.split()[1] in ('im2col', 'col2im', 'depthwise_forward', 'depthwise_grad_x',
                                   'depthwise_grad_W') for line in lines), out
