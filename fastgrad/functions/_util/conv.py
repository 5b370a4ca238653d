"""Raw-array kernels shared by the 2-D convolution family (and the pooling ops).

Layouts, NCHW throughout:

* ``windows`` is the im2col of Chainer as a *view*: ``col[n, c, i, j, y, x] =
  xpad[n, c, y*sy + i*dy, x*sx + j*dx]`` (as_strided, no copy, no loop).
* The convolution GEMMs walk the batch in chunks of a few samples: each
  chunk's windows are copied into one reused, cache-sized column buffer
  ``(n, G, Cg*kh*kw, oh*ow)`` and multiplied at once (a batched GEMM per
  sample and group, ``W_g @ col[n, g]``), which writes NCHW output directly.
  The column matrix of the whole batch (kh*kw times the input) never exists,
  and the copy lands in cache right before the GEMM reads it.
* ``col2im_add`` is the adjoint: one strided ``+=`` per kernel offset (kh*kw
  vectorised adds, never a loop over pixels), also done chunk by chunk.
* On NumPy, the column copy and its adjoint are compiled loops instead
  (``fastgrad._core.conv2d``: padding read as zeros on the fly, no padded
  copy of x; planes split over ``fastgrad.set_num_threads`` threads).
* On CuPy (``gpu_kernels.enabled``, not depthwise) ``gemm_conv_*`` make each
  product one GEMM over the whole batch instead: launches, not memory, bound
  a GPU step.  The columns are one ``(G, K, N*P)`` matrix (``K = C/G*kh*kw``,
  ``P = oh*ow``), written by one gather kernel; see ``gemm_conv_forward``.
  On NumPy the same products run over batch chunks (``CompiledKernels``) where a
  sample has few output pixels (``_WHOLE_BATCH_PIXELS``): a GEMM per sample
  would have only P columns.

Float16 is computed in float32 (NumPy has no float16 GEMM); mixed float
dtypes are computed in the wider one.  Callers cast the result.
"""
import operator
import warnings

import numpy

from fastgrad import configuration, utils
from fastgrad._core import conv2d as _conv2d
from fastgrad.functions._util import gpu_kernels

# Bytes of column buffer per batch chunk (CPU): small enough to stay in cache
# between the im2col copy and the GEMM, big enough for efficient GEMMs.
_CHUNK_BYTES = 1 << 23


def pair(value, name, func, minimum):
    """``(a, b)`` from an int or a pair of ints (Chainer's ``_pair``), checked."""
    if hasattr(value, '__getitem__') and not isinstance(value, (str, bytes)):
        if len(value) != 2:
            raise ValueError('{}: {} must be an int or a pair of ints, got {!r}'
                             .format(func, name, value))
        a, b = value[0], value[1]
    else:
        a = b = value
    try:
        a = operator.index(a)
        b = operator.index(b)
    except TypeError:
        raise TypeError('{}: {} must be an int or a pair of ints, got {!r}'
                        .format(func, name, value)) from None
    if a < minimum or b < minimum:
        raise ValueError('{}: {} must be >= {}, got {!r}'.format(func, name, minimum, value))
    return a, b


def outsize_pair(outsize, func):
    """None, or ``(out_h, out_w)`` (either may be None: computed)."""
    if outsize is None:
        return None, None
    try:
        out_h, out_w = outsize
    except (TypeError, ValueError):
        raise ValueError('{}: outsize must be None or a pair (out_h, out_w), got {!r}'
                         .format(func, outsize)) from None
    return out_h, out_w


def get_conv_outsize(size, k, s, p, cover_all=False, d=1):
    """Output length of a convolution (Chainer's ``utils.get_conv_outsize``)."""
    dk = k + (k - 1) * (d - 1)
    if cover_all:
        return (size + p * 2 - dk + s - 1) // s + 1
    return (size + p * 2 - dk) // s + 1


def get_deconv_outsize(size, k, s, p, cover_all=False, d=1):
    """Output length of a deconvolution (Chainer's ``utils.get_deconv_outsize``)."""
    dk = (k - 1) * d + 1
    if cover_all:
        return s * (size - 1) + dk - s + 1 - 2 * p
    return s * (size - 1) + dk - 2 * p


def _as_strided(xp, a, shape, strides):
    if xp is numpy:
        return numpy.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)


def _extent(out, k, s, d):
    """Rows (or columns) of the padded input that ``out`` windows touch."""
    return (out - 1) * s + (k - 1) * d + 1


def padded(x, ph, pw, rows, cols, pval, dtype):
    """``x`` placed at ``[ph:, pw:]`` of a buffer at least ``rows x cols`` big,
    filled with ``pval``; ``x`` itself when no padding or cast is needed."""
    n, c, h, w = x.shape
    rows = max(rows, ph + h)
    cols = max(cols, pw + w)
    if ph == 0 and pw == 0 and rows == h and cols == w and x.dtype == dtype:
        return x
    xp = utils.array_module(x)
    buf = xp.empty((n, c, rows, cols), dtype=dtype)
    # Fill only the border, then copy x in (each element written once).
    if ph:
        buf[:, :, :ph] = pval
    if rows > ph + h:
        buf[:, :, ph + h:] = pval
    if pw:
        buf[:, :, ph:ph + h, :pw] = pval
    if cols > pw + w:
        buf[:, :, ph:ph + h, pw + w:] = pval
    buf[:, :, ph:ph + h, pw:pw + w] = x
    return buf


def windows(x, kh, kw, sy, sx, ph, pw, oh, ow, dy=1, dx=1, pval=0, dtype=None):
    """im2col as a read-only view ``(N, C, kh, kw, oh, ow)`` of (padded) ``x``."""
    xpad = padded(x, ph, pw, _extent(oh, kh, sy, dy), _extent(ow, kw, sx, dx), pval,
                  x.dtype if dtype is None else dtype)
    n, c = xpad.shape[:2]
    s_n, s_c, s_h, s_w = xpad.strides
    return _as_strided(utils.array_module(xpad), xpad,
                       (n, c, kh, kw, oh, ow),
                       (s_n, s_c, s_h * dy, s_w * dx, s_h * sy, s_w * sx))


def col2im_add(img, col, sy, sx, dy=1, dx=1):
    """``img`` (padded, ``(N, C, rows, cols)``) += the windows of ``col``
    (on CuPy: one kernel, gpu_kernels.col2im_add_2d)."""
    if gpu_kernels.enabled(img):
        gpu_kernels.col2im_add_2d(img, col, sy, sx, dy, dx)
        return
    kh, kw, oh, ow = col.shape[2:]
    hspan = sy * (oh - 1) + 1
    wspan = sx * (ow - 1) + 1
    for i in range(kh):
        r = i * dy
        for j in range(kw):
            q = j * dx
            img[:, :, r:r + hspan:sy, q:q + wspan:sx] += col[:, :, i, j]


def _is_pointwise(kh, kw, sy, sx, ph, pw, oh, ow, h, w):
    """1x1 kernel, stride 1, no padding: the input already is the column matrix."""
    return kh == 1 and kw == 1 and sy == 1 and sx == 1 and ph == 0 and pw == 0 \
        and oh == h and ow == w


def _chunk(xp, n, per_sample_elements, itemsize, budget=None):
    """Samples per batch chunk: as many as fit ``budget`` bytes (default
    ``_CHUNK_BYTES``), at least one."""
    if xp is not numpy:
        return n                      # one launch per GEMM on the GPU
    budget = _CHUNK_BYTES if budget is None else budget
    return max(1, min(n, budget // max(per_sample_elements * itemsize, 1)))


class _Columns(object):
    """im2col of ``x`` by batch chunks: ``cols(s, e)`` is samples ``s:e`` as a
    ``(e - s, G, K, P)`` array in dtype ``ct`` (a reused buffer, or a view of
    x itself for pointwise convolutions)."""

    def __init__(self, x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx, groups, ct):
        xp = utils.array_module(x)
        n, c, h, w = x.shape
        self.shape = (groups, (c // groups) * kh * kw, oh * ow)
        if _is_pointwise(kh, kw, sy, sx, ph, pw, oh, ow, h, w):
            self.whole = xp.ascontiguousarray(x, dtype=ct).reshape((n,) + self.shape)
            self.step = n
            return
        self.whole = None
        if xp is numpy:
            self.x = numpy.ascontiguousarray(x, dtype=ct)
            self.geometry = (kh, kw, sy, sx, ph, pw, oh, ow, dy, dx)
            self.win = None
        else:
            self.win = windows(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx, 0, ct)
        per_sample = c * kh * kw * oh * ow
        self.step = _chunk(xp, n, per_sample, numpy.dtype(ct).itemsize)
        self.buf = xp.empty((self.step, c, kh, kw, oh, ow), dtype=ct)

    def __call__(self, s, e):
        if self.whole is not None:
            return self.whole[s:e]
        buf = self.buf[:e - s]
        if self.win is None:
            _conv2d.im2col(self.x[s:e], *self.geometry, out=buf)
        else:
            utils.array_module(buf).copyto(buf, self.win[s:e])
        return buf.reshape((e - s,) + self.shape)


# -- depthwise (one input channel per group): a GEMM per group would have
# K = kh*kw.  On NumPy the compiled loops compute it directly
# (_core/conv2d.pyx, plane by plane); on CuPy these are kh*kw broadcast
# multiply-adds over the whole batch, on the windows view (no im2col copy).

def _dense(a, ct):
    return numpy.ascontiguousarray(a, dtype=ct)


def _depthwise_W(W, c, ct):
    """``W`` ``(C*M, 1, kh, kw)`` as the compiled loops' ``(C, M, kh, kw)``."""
    out_c, _, kh, kw = W.shape
    return _dense(W, ct).reshape(c, out_c // c, kh, kw)


def _is_depthwise(cg, groups):
    return cg == 1 and groups > 1


def _depthwise_forward(x, W, sy, sx, ph, pw, oh, ow, dy, dx, ct):
    """``y[n, c*M + m] = sum_{i,j} W[c*M + m, 0, i, j] * win[n, c, i, j]``."""
    xp = utils.array_module(x)
    n, c = x.shape[:2]
    out_c, _, kh, kw = W.shape
    m = out_c // c
    win = windows(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx, 0, ct)
    Wr = W.astype(ct, copy=False).reshape(1, c, m, kh, kw, 1, 1)
    y = xp.empty((n, c, m, oh, ow), dtype=ct)
    tmp = xp.empty_like(y)
    for i in range(kh):
        for j in range(kw):
            dst = y if i == 0 and j == 0 else tmp
            xp.multiply(win[:, :, None, i, j], Wr[:, :, :, i, j], out=dst)
            if dst is tmp:
                y += tmp
    return y.reshape(n, out_c, oh, ow)


def _depthwise_grad_W(x, gy, kh, kw, sy, sx, ph, pw, dy, dx, ct):
    """``gW[c*M + m, 0, i, j] = sum_{n,y,x} gy[n, c*M + m] * win[n, c, i, j]``."""
    xp = utils.array_module(x)
    n, c = x.shape[:2]
    out_c, oh, ow = gy.shape[1:]
    m = out_c // c
    win = windows(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx, 0, ct)
    g = gy.astype(ct, copy=False).reshape(n, c, m, oh, ow)
    gW = xp.empty((c, m, kh, kw), dtype=ct)
    for i in range(kh):
        for j in range(kw):
            gW[:, :, i, j] = xp.einsum('ncmyx,ncyx->cm', g, win[:, :, i, j])
    return gW.reshape(out_c, 1, kh, kw)


def _depthwise_grad_x(gy, W, c, h, w, sy, sx, ph, pw, dy, dx, ct):
    """The adjoint of _depthwise_forward in x: ``(N, C, h, w)``."""
    xp = utils.array_module(gy)
    n, out_c, oh, ow = gy.shape
    kh, kw = W.shape[2:]
    m = out_c // c
    rows = max(_extent(oh, kh, sy, dy), ph + h)
    cols = max(_extent(ow, kw, sx, dx), pw + w)
    img = xp.zeros((n, c, rows, cols), dtype=ct)
    g = gy.astype(ct, copy=False).reshape(n, c, m, oh, ow)
    Wr = W.astype(ct, copy=False).reshape(1, c, m, kh, kw, 1, 1)
    tmp = xp.empty((n, c, m, oh, ow), dtype=ct)
    hspan = sy * (oh - 1) + 1
    wspan = sx * (ow - 1) + 1
    for i in range(kh):
        for j in range(kw):
            xp.multiply(g, Wr[:, :, :, i, j], out=tmp)
            r, q = i * dy, j * dx
            img[:, :, r:r + hspan:sy, q:q + wspan:sx] += tmp[:, :, 0] if m == 1 \
                else tmp.sum(axis=2)
    if rows == h and cols == w:
        return img
    return img[:, :, ph:ph + h, pw:pw + w]


# -- the whole-batch GEMM path (CuPy).  The array code is generic: ``kernels``
# supplies im2col, col2im and conv_output (gpu_kernels on CuPy; in the tests,
# ArrayKernels below on NumPy, compared with the chunked path above).

def _gemm_path(a, cg, groups):
    return not _is_depthwise(cg, groups) and gpu_kernels.enabled(a)


def _group_matmul(a, b):
    """``(G, m, k) @ (G, k, n)``.  One group is a plain 2-D GEMM: cuBLAS reads a
    transposed operand in place, where a batched matmul copies it and builds
    pointer arrays."""
    if a.shape[0] == 1:
        return utils.matmul(a[0], b[0])[None]
    return utils.matmul(a, b)


def _gy_rows(gy, groups, ct):
    """``gy`` ``(N, O, oh, ow)`` as the ``(G, O/G, N*oh*ow)`` matrix of the GEMMs
    (one transposing copy, which also casts)."""
    n, out_c, oh, ow = gy.shape
    g = utils.array_module(gy).empty((out_c, n, oh * ow), dtype=ct)
    g[...] = gy.reshape(n, out_c, oh * ow).swapaxes(0, 1)
    return g.reshape(groups, out_c // groups, n * oh * ow)


def gemm_conv_forward(x, W, b, sy, sx, ph, pw, oh, ow, dy, dx, groups, out_dtype, kernels):
    """``conv_forward`` as one GEMM per group: ``W_g (O/G, K) @ cols_g (K, N*P)``
    with ``cols[(c, i, j), (n, y, x)] = xpad[n, c, y*sy + i*dy, x*sx + j*dx]``,
    then ``kernels.conv_output`` writes NCHW and adds the bias."""
    n, c = x.shape[:2]
    out_c, cg, kh, kw = W.shape
    ct = utils.compute_dtype(x.dtype, W.dtype)
    cols = kernels.im2col(x.astype(ct, copy=False), kh, kw, sy, sx, ph, pw, oh, ow, dy, dx)
    W2 = W.reshape(groups, out_c // groups, cg * kh * kw).astype(ct, copy=False)
    y2 = _group_matmul(W2, cols.reshape(groups, cg * kh * kw, n * oh * ow))
    bias = None if b is None else b.astype(ct, copy=False)
    y = kernels.conv_output(y2.reshape(out_c, n * oh * ow), bias, n, oh, ow)
    return y.astype(out_dtype, copy=False)


def gemm_conv_grad_W(x, gy, kh, kw, sy, sx, ph, pw, dy, dx, groups, out_dtype, kernels):
    """``conv_grad_W`` as one GEMM per group over the whole batch:
    ``gy_g (O/G, N*P) @ cols_g^T (N*P, K)`` (no per-sample products to sum)."""
    n, c = x.shape[:2]
    out_c, oh, ow = gy.shape[1:]
    cg = c // groups
    ct = utils.compute_dtype(x.dtype, gy.dtype)
    if n == 0:
        gW = utils.array_module(x).zeros((out_c, cg, kh, kw), dtype=ct)
        return gW.astype(out_dtype, copy=False)
    cols = kernels.im2col(x.astype(ct, copy=False), kh, kw, sy, sx, ph, pw, oh, ow, dy, dx)
    cols = cols.reshape(groups, cg * kh * kw, n * oh * ow)
    gW = _group_matmul(_gy_rows(gy, groups, ct), cols.swapaxes(1, 2))
    return gW.reshape(out_c, cg, kh, kw).astype(out_dtype, copy=False)


def gemm_conv_grad_x(gy, W, h, w, sy, sx, ph, pw, dy, dx, groups, out_dtype, kernels):
    """``conv_grad_x`` as one GEMM per group, ``W_g^T (K, O/G) @ gy_g (O/G, N*P)``,
    then ``kernels.col2im`` gathers the columns into the ``(N, C, h, w)`` image."""
    n, out_c, oh, ow = gy.shape
    _, cg, kh, kw = W.shape
    c = groups * cg
    ct = utils.compute_dtype(gy.dtype, W.dtype)
    W2t = W.reshape(groups, out_c // groups, cg * kh * kw).astype(ct, copy=False)
    gcol = _group_matmul(W2t.swapaxes(1, 2), _gy_rows(gy, groups, ct))
    gx = kernels.col2im(gcol.reshape(c * kh * kw, n * oh * ow), n, c, h, w, kh, kw,
                        sy, sx, ph, pw, oh, ow, dy, dx)
    return gx.astype(out_dtype, copy=False)


class ArrayKernels(object):
    """The ``kernels`` of ``gemm_conv_*`` as array code (any xp, from ``windows``
    and ``col2im_add``): the definition the tests hold gpu_kernels' one-launch
    im2col, col2im and conv_output to, and run the GEMM path with on NumPy."""

    @staticmethod
    def im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx):
        n, c = x.shape[:2]
        win = windows(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx)
        return win.transpose(1, 2, 3, 0, 4, 5).reshape(c * kh * kw, n * oh * ow)

    @staticmethod
    def col2im(col, n, c, h, w, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx):
        xp = utils.array_module(col)
        rows = max(_extent(oh, kh, sy, dy), ph + h)
        cols = max(_extent(ow, kw, sx, dx), pw + w)
        img = xp.zeros((n, c, rows, cols), dtype=col.dtype)
        col2im_add(img, col.reshape(c, kh, kw, n, oh, ow).transpose(3, 0, 1, 2, 4, 5),
                   sy, sx, dy, dx)
        return xp.ascontiguousarray(img[:, :, ph:ph + h, pw:pw + w])

    @staticmethod
    def conv_output(y2, b, n, oh, ow):
        out_c = y2.shape[0]
        # a copy even where the transpose is a no-op (n == 1): y2 stays as it was
        y = y2.reshape(out_c, n, oh, ow).transpose(1, 0, 2, 3).copy()
        if b is not None:
            y += b.reshape(1, out_c, 1, 1)
        return y


class CompiledKernels(object):
    """The ``kernels`` of ``gemm_conv_*`` on NumPy in the CPU path: im2col and
    col2im by the compiled loops (_core/conv2d.pyx) in the batch-major layout,
    the output as ArrayKernels writes it."""

    @staticmethod
    def im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx):
        n, c = x.shape[:2]
        col = _conv2d.im2col(numpy.ascontiguousarray(x), kh, kw, sy, sx, ph, pw, oh, ow, dy, dx,
                             batch_major=True)
        return col.reshape(c * kh * kw, n * oh * ow)

    @staticmethod
    def col2im(col, n, c, h, w, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx):
        col = numpy.ascontiguousarray(col).reshape(c, kh, kw, n, oh, ow)
        return _conv2d.col2im(col, sy, sx, ph, pw, h, w, dy, dx, batch_major=True)

    conv_output = ArrayKernels.conv_output


# -- the whole-batch GEMMs on the CPU.  Where a sample has few output pixels
# (P = oh*ow), a GEMM per sample has only P columns (gW's has P as its inner
# dimension) and BLAS runs far below its speed; gemm_conv_* over chunks of the
# batch make one GEMM of chunk*P columns instead, for the price of two
# transposing copies.  The limits were measured at ResNet-50's sizes and
# examples/train_cnn.py's (bench/results/conv_whole_batch.md): up to that many
# pixels, and from that many rows of the column matrix (K = C/G*kh*kw; with
# fewer the copies cost what the GEMM saves), the whole-batch GEMM wins.
_WHOLE_BATCH_PIXELS = {'forward': 64, 'grad_x': 64, 'grad_W': 196}
_WHOLE_BATCH_MIN_K = 256
_WHOLE_BATCH_BYTES = 1 << 25        # the column matrix of one chunk


def _whole_batch(product, a, cg, groups, p, k):
    """Whether ``product`` of a NumPy convolution with ``p`` output pixels
    and ``k`` rows of columns per group goes over batch chunks."""
    return (isinstance(a, numpy.ndarray) and a.shape[0] > 1 and not _is_depthwise(cg, groups)
            and p <= _WHOLE_BATCH_PIXELS[product] and k >= _WHOLE_BATCH_MIN_K)


def _batch_chunks(n, per_sample_elements, dtype):
    step = _chunk(numpy, n, per_sample_elements, dtype.itemsize, _WHOLE_BATCH_BYTES)
    return [(s, min(n, s + step)) for s in range(0, n, step)]


def _joined(xp, parts):
    return parts[0] if len(parts) == 1 else xp.concatenate(parts)


# -- cuDNN (CuPy arrays, config.use_cudnn): the one dispatch of the three products.

_CUDNN_DTYPES = ('float16', 'float32', 'float64')
_CUDNN_MAX_ELEMENTS = 2 ** 31 - 1      # the legacy API describes tensors with ints


def _size(shape):
    out = 1
    for v in shape:
        out *= int(v)
    return out


def _cudnn(kind, a, b, out_shape, sy, sx, ph, pw, dy, dx, groups):
    """The product ``kind`` by cuDNN, or None where the im2col path runs instead.

    ``kind`` is ``'forward'`` (``a, b = x, W``), ``'backward_data'`` (``W, gy``)
    or ``'backward_filter'`` (``x, gy``).  None without cuDNN, with
    ``use_cudnn='never'``, for NumPy arrays, mixed dtypes, empty arrays, and
    ``cover_all`` sizes (cuDNN computes the output size without it).
    """
    if isinstance(a, numpy.ndarray) or a.dtype != b.dtype or a.dtype.name not in _CUDNN_DTYPES:
        return None
    from fastgrad.backends import cuda
    if not (cuda.cudnn_enabled and isinstance(a, cuda.ndarray) and isinstance(b, cuda.ndarray)
            and cuda.should_use_cudnn('>=auto')):
        return None
    x_shape, w_shape, y_shape = {'forward': (a.shape, b.shape, out_shape),
                                 'backward_data': (out_shape, a.shape, b.shape),
                                 'backward_filter': (a.shape, out_shape, b.shape)}[kind]
    kh, kw = w_shape[2:]
    natural = (get_conv_outsize(x_shape[2], kh, sy, ph, False, dy),
               get_conv_outsize(x_shape[3], kw, sx, pw, False, dx))
    if tuple(y_shape[2:]) != natural:
        return None
    sizes = [_size(s) for s in (x_shape, w_shape, y_shape)]
    if min(sizes) == 0 or max(sizes) > _CUDNN_MAX_ELEMENTS:
        return None
    binding = cuda.cudnn
    args = ((ph, pw), (sy, sx), (dy, dx), groups, configuration.config.cudnn_deterministic,
            cuda.should_use_cudnn_tensor_core(a.dtype), cuda.get_max_workspace_size())
    try:
        if kind == 'forward':
            return binding.convolution_forward(a, b, *args)
        return getattr(binding, 'convolution_' + kind)(a, b, out_shape, *args)
    except binding.CudnnError as e:
        # A library that loads but fails (no handle on this GPU, a sublibrary that
        # does not load, a driver too old) is used nowhere from now on; a failed
        # call has launched nothing, so im2col can still compute this product.
        warnings.warn('cuDNN is disabled: {}; convolutions use im2col + GEMM'.format(e),
                      RuntimeWarning, stacklevel=2)
        cuda.cudnn_enabled = False
        return None


def conv_forward(x, W, b, sy, sx, ph, pw, oh, ow, dy, dx, groups, out_dtype):
    """``y[n, o] = sum_{c,i,j} W[o, c, i, j] * xpad[n, c, ...]`` (+ b), NCHW."""
    xp = utils.array_module(x)
    n = x.shape[0]
    out_c, cg, kh, kw = W.shape
    ct = utils.compute_dtype(x.dtype, W.dtype)
    y = _cudnn('forward', x, W, (n, out_c, oh, ow), sy, sx, ph, pw, dy, dx, groups)
    if y is not None:
        if b is not None:
            y += b.astype(y.dtype, copy=False).reshape(1, out_c, 1, 1)
        return y.astype(out_dtype, copy=False)
    if _gemm_path(x, cg, groups):
        return gemm_conv_forward(x, W, b, sy, sx, ph, pw, oh, ow, dy, dx, groups, out_dtype,
                                 gpu_kernels)
    if _is_depthwise(cg, groups) and xp is numpy:
        y = _conv2d.depthwise_forward(_dense(x, ct), _depthwise_W(W, x.shape[1], ct),
                                      None if b is None else _dense(b, ct),
                                      sy, sx, ph, pw, oh, ow, dy, dx)
        return y.astype(out_dtype, copy=False)
    if _is_depthwise(cg, groups):
        y = _depthwise_forward(x, W, sy, sx, ph, pw, oh, ow, dy, dx, ct)
        if b is not None:
            y += b.reshape(1, out_c, 1, 1)
        return y.astype(out_dtype, copy=False)
    if _whole_batch('forward', x, cg, groups, oh * ow, cg * kh * kw):
        y = _joined(xp, [gemm_conv_forward(x[s:e], W, b, sy, sx, ph, pw, oh, ow, dy, dx,
                                           groups, ct, CompiledKernels)
                         for s, e in _batch_chunks(n, x.shape[1] * kh * kw * oh * ow, ct)])
        return y.astype(out_dtype, copy=False)
    cols = _Columns(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx, groups, ct)
    W2 = W.reshape(groups, out_c // groups, -1).astype(ct, copy=False)
    y = xp.empty((n, groups, out_c // groups, oh * ow), dtype=ct)
    for s in range(0, n, cols.step):
        e = min(n, s + cols.step)
        utils.matmul(W2, cols(s, e), out=y[s:e])
    y = y.reshape(n, out_c, oh, ow)
    if b is not None:
        y += b.reshape(1, out_c, 1, 1)
    return y.astype(out_dtype, copy=False)


def conv_grad_W(x, gy, kh, kw, sy, sx, ph, pw, dy, dx, groups, out_dtype):
    """``gW[o, c, i, j] = sum_{n,y,x} gy[n, o, y, x] * xpad[n, c, ...]``."""
    xp = utils.array_module(x)
    n = x.shape[0]
    out_c, oh, ow = gy.shape[1:]
    ct = utils.compute_dtype(x.dtype, gy.dtype)
    gW = _cudnn('backward_filter', x, gy, (out_c, x.shape[1] // groups, kh, kw), sy, sx, ph, pw,
                dy, dx, groups)
    if gW is not None:
        return gW.astype(out_dtype, copy=False)
    if _gemm_path(x, x.shape[1] // groups, groups):
        return gemm_conv_grad_W(x, gy, kh, kw, sy, sx, ph, pw, dy, dx, groups, out_dtype,
                                gpu_kernels)
    if _is_depthwise(x.shape[1] // groups, groups) and xp is numpy:
        gW = _conv2d.depthwise_grad_W(_dense(x, ct), _dense(gy, ct), kh, kw, sy, sx, ph, pw,
                                      dy, dx)
        return gW.reshape(out_c, 1, kh, kw).astype(out_dtype, copy=False)
    if _is_depthwise(x.shape[1] // groups, groups):
        gW = _depthwise_grad_W(x, gy, kh, kw, sy, sx, ph, pw, dy, dx, ct)
        return gW.astype(out_dtype, copy=False)
    if _whole_batch('grad_W', x, x.shape[1] // groups, groups, oh * ow,
                    x.shape[1] // groups * kh * kw):
        gW = None
        for s, e in _batch_chunks(n, x.shape[1] * kh * kw * oh * ow, ct):
            part = gemm_conv_grad_W(x[s:e], gy[s:e], kh, kw, sy, sx, ph, pw, dy, dx, groups,
                                    ct, CompiledKernels)
            if gW is None:
                gW = part
            else:
                gW += part
        return gW.astype(out_dtype, copy=False)
    cols = _Columns(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx, groups, ct)
    g = gy.reshape(n, groups, out_c // groups, oh * ow).astype(ct, copy=False)
    gW = xp.zeros((groups, out_c // groups, cols.shape[1]), dtype=ct) if n == 0 else None
    for s in range(0, n, cols.step):
        e = min(n, s + cols.step)
        part = utils.matmul(g[s:e], cols(s, e).swapaxes(-1, -2)).sum(axis=0)
        if gW is None:
            gW = part
        else:
            gW += part
    return gW.reshape(out_c, -1, kh, kw).astype(out_dtype, copy=False)


def conv_grad_x(gy, W, h, w, sy, sx, ph, pw, dy, dx, groups, out_dtype):
    """The adjoint of ``conv_forward`` in x (= deconvolution): ``(N, C, h, w)``."""
    xp = utils.array_module(gy)
    n, out_c, oh, ow = gy.shape
    _, cg, kh, kw = W.shape
    c = groups * cg
    ct = utils.compute_dtype(gy.dtype, W.dtype)
    gx = _cudnn('backward_data', W, gy, (n, c, h, w), sy, sx, ph, pw, dy, dx, groups)
    if gx is not None:
        return gx.astype(out_dtype, copy=False)
    if _gemm_path(gy, cg, groups):
        return gemm_conv_grad_x(gy, W, h, w, sy, sx, ph, pw, dy, dx, groups, out_dtype,
                                gpu_kernels)
    if _is_depthwise(cg, groups) and xp is numpy:
        gx = _conv2d.depthwise_grad_x(_dense(gy, ct), _depthwise_W(W, c, ct), sy, sx, ph, pw,
                                      h, w, dy, dx)
        return gx.astype(out_dtype, copy=False)
    if _is_depthwise(cg, groups):
        gx = _depthwise_grad_x(gy, W, c, h, w, sy, sx, ph, pw, dy, dx, ct)
        return gx.astype(out_dtype, copy=False)
    if _whole_batch('grad_x', gy, cg, groups, oh * ow, cg * kh * kw):
        gx = _joined(xp, [gemm_conv_grad_x(gy[s:e], W, h, w, sy, sx, ph, pw, dy, dx, groups,
                                           ct, CompiledKernels)
                          for s, e in _batch_chunks(n, c * kh * kw * oh * ow, ct)])
        return gx.astype(out_dtype, copy=False)
    W2t = W.reshape(groups, out_c // groups, -1).astype(ct, copy=False).swapaxes(-1, -2)
    g = gy.reshape(n, groups, out_c // groups, oh * ow).astype(ct, copy=False)
    if _is_pointwise(kh, kw, sy, sx, ph, pw, oh, ow, h, w):
        gx = utils.matmul(W2t, g).reshape(n, c, h, w)
        return gx.astype(out_dtype, copy=False)
    step = _chunk(xp, n, c * kh * kw * oh * ow, numpy.dtype(ct).itemsize)
    buf = xp.empty((step, groups, cg * kh * kw, oh * ow), dtype=ct)
    if xp is numpy:
        gx = numpy.empty((n, c, h, w), dtype=ct)
        for s in range(0, n, step):
            e = min(n, s + step)
            gcol = buf[:e - s]
            utils.matmul(W2t, g[s:e], out=gcol)
            _conv2d.col2im(gcol.reshape(e - s, c, kh, kw, oh, ow), sy, sx, ph, pw, h, w,
                           dy, dx, out=gx[s:e])
        return gx.astype(out_dtype, copy=False)
    rows = max(_extent(oh, kh, sy, dy), ph + h)
    cols = max(_extent(ow, kw, sx, dx), pw + w)
    img = xp.zeros((n, c, rows, cols), dtype=ct)
    for s in range(0, n, step):
        e = min(n, s + step)
        gcol = buf[:e - s]
        utils.matmul(W2t, g[s:e], out=gcol)
        col2im_add(img[s:e], gcol.reshape(e - s, c, kh, kw, oh, ow), sy, sx, dy, dx)
    gx = img if (rows == h and cols == w) else img[:, :, ph:ph + h, pw:pw + w]
    return gx.astype(out_dtype, copy=False)
