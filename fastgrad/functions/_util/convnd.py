"""Raw-array kernels of the N-dimensional convolution family (N >= 1).

The same im2col + GEMM scheme as ``_util/conv.py`` (read its docstring), for
any number of spatial axes; shapes are ``(N, C, d_1, ..., d_k)``:

* ``windows`` is the im2col as a read-only strided *view*
  ``(N, C, k_1..k_k, o_1..o_k)`` of the padded input (no copy);
* the GEMMs walk the batch in cache-sized chunks, copying each chunk's
  windows into one reused column buffer ``(n, G, Cg*prod(k), prod(o))``;
* ``col2im_add`` is the adjoint: one strided ``+=`` per kernel offset.

Float16 is computed in float32; callers cast the result.
"""
import itertools
import operator

import numpy

from fastgrad import utils
from fastgrad.functions._util.conv import _as_strided, _chunk, get_conv_outsize  # NOQA


class OutputSizeError(ValueError, AssertionError):
    """A deconvolution whose output would be empty.  Chainer signals this
    with a bare ``assert``; this is both, so code written against either
    catches it."""


def as_tuple(value, ndim, name, func, minimum):
    """``(v,) * ndim`` from an int, or a checked tuple of ``ndim`` ints."""
    if hasattr(value, '__getitem__') and not isinstance(value, (str, bytes)):
        if len(value) != ndim:
            raise ValueError('{}: {} must be an int or a tuple of {} ints, got {!r}'
                             .format(func, name, ndim, value))
        vals = tuple(value)
    else:
        vals = (value,) * ndim
    try:
        vals = tuple(operator.index(v) for v in vals)
    except TypeError:
        raise TypeError('{}: {} must be an int or a tuple of {} ints, got {!r}'
                        .format(func, name, ndim, value)) from None
    if any(v < minimum for v in vals):
        raise ValueError('{}: {} must be >= {}, got {!r}'.format(func, name, minimum, value))
    return vals


def _extent(out, k, s, d):
    return (out - 1) * s + (k - 1) * d + 1


def padded(x, pads, extents, pval, dtype):
    """``x`` placed at ``[p_1:, ..., p_k:]`` of a buffer at least ``extents``
    big, filled with ``pval``; ``x`` itself when nothing is to be done."""
    spatial = x.shape[2:]
    size = tuple(max(e, p + d) for e, p, d in zip(extents, pads, spatial))
    if size == spatial and x.dtype == dtype:
        return x
    xp = utils.array_module(x)
    buf = xp.full(x.shape[:2] + size, pval, dtype=dtype)
    buf[(Ellipsis,) + tuple(slice(p, p + d) for p, d in zip(pads, spatial))] = x
    return buf


def windows(x, ks, ss, ps, outs, ds, pval=0, dtype=None):
    """im2col as a read-only view ``(N, C, k_1..k_k, o_1..o_k)`` of padded ``x``."""
    extents = [_extent(o, k, s, d) for o, k, s, d in zip(outs, ks, ss, ds)]
    xpad = padded(x, ps, extents, pval, x.dtype if dtype is None else dtype)
    st = xpad.strides
    sp = st[2:]
    return _as_strided(utils.array_module(xpad), xpad,
                       xpad.shape[:2] + tuple(ks) + tuple(outs),
                       st[:2] + tuple(a * d for a, d in zip(sp, ds))
                       + tuple(a * s for a, s in zip(sp, ss)))


def col2im_add(img, col, ss, ds):
    """``img`` (padded, ``(N, C, e_1..e_k)``) += the windows of ``col``."""
    nd = len(ss)
    ks = col.shape[2:2 + nd]
    outs = col.shape[2 + nd:]
    for offs in itertools.product(*[range(k) for k in ks]):
        idx = tuple(slice(i * d, i * d + s * (o - 1) + 1, s)
                    for i, d, s, o in zip(offs, ds, ss, outs))
        img[(slice(None), slice(None)) + idx] += col[(slice(None), slice(None)) + offs]


def _is_pointwise(ks, ss, ps, outs, spatial):
    return all(k == 1 and s == 1 and p == 0 for k, s, p in zip(ks, ss, ps)) \
        and tuple(outs) == tuple(spatial)


def _prod(t):
    r = 1
    for v in t:
        r *= v
    return r


class _Columns(object):
    """im2col of ``x`` by batch chunks: ``cols(s, e)`` is samples ``s:e`` as
    ``(e - s, G, K, P)`` in dtype ``ct`` (a reused buffer, or a view of x)."""

    def __init__(self, x, ks, ss, ps, outs, ds, groups, ct):
        xp = utils.array_module(x)
        n, c = x.shape[:2]
        self.shape = (groups, (c // groups) * _prod(ks), _prod(outs))
        if _is_pointwise(ks, ss, ps, outs, x.shape[2:]):
            self.whole = xp.ascontiguousarray(x, dtype=ct).reshape((n,) + self.shape)
            self.step = n
            return
        self.whole = None
        self.win = windows(x, ks, ss, ps, outs, ds, 0, ct)
        self.step = _chunk(xp, n, c * _prod(ks) * _prod(outs), numpy.dtype(ct).itemsize)
        self.buf = xp.empty((self.step,) + self.win.shape[1:], dtype=ct)

    def __call__(self, s, e):
        if self.whole is not None:
            return self.whole[s:e]
        buf = self.buf[:e - s]
        utils.array_module(buf).copyto(buf, self.win[s:e])
        return buf.reshape((e - s,) + self.shape)


def conv_forward(x, W, b, ss, ps, outs, ds, groups, out_dtype):
    """``y[n, o, ...] = sum W[o, c, k...] * xpad[n, c, ...]`` (+ b)."""
    xp = utils.array_module(x)
    n = x.shape[0]
    out_c = W.shape[0]
    ct = utils.compute_dtype(x.dtype, W.dtype)
    cols = _Columns(x, W.shape[2:], ss, ps, outs, ds, groups, ct)
    W2 = W.reshape(groups, out_c // groups, -1).astype(ct, copy=False)
    y = xp.empty((n, groups, out_c // groups, _prod(outs)), dtype=ct)
    for s in range(0, n, cols.step):
        e = min(n, s + cols.step)
        utils.matmul(W2, cols(s, e), out=y[s:e])
    y = y.reshape((n, out_c) + tuple(outs))
    if b is not None:
        y += b.reshape((1, out_c) + (1,) * len(outs))
    return y.astype(out_dtype, copy=False)


def conv_grad_W(x, gy, ks, ss, ps, ds, groups, out_dtype):
    """``gW[o, c, k...] = sum_{n, y...} gy[n, o, y...] * xpad[n, c, ...]``."""
    xp = utils.array_module(x)
    n = x.shape[0]
    out_c = gy.shape[1]
    outs = gy.shape[2:]
    ct = utils.compute_dtype(x.dtype, gy.dtype)
    cols = _Columns(x, ks, ss, ps, outs, ds, groups, ct)
    g = gy.reshape(n, groups, out_c // groups, _prod(outs)).astype(ct, copy=False)
    gW = xp.zeros((groups, out_c // groups, cols.shape[1]), dtype=ct) if n == 0 else None
    for s in range(0, n, cols.step):
        e = min(n, s + cols.step)
        part = utils.matmul(g[s:e], cols(s, e).swapaxes(-1, -2)).sum(axis=0)
        if gW is None:
            gW = part
        else:
            gW += part
    return gW.reshape((out_c, -1) + tuple(ks)).astype(out_dtype, copy=False)


def _flip_transpose(W, groups):
    """``(O, Cg, k...)`` -> ``(C, Og, k...)`` with every kernel flipped: the
    filters of the transposed convolution."""
    out_c, cg = W.shape[:2]
    ks = W.shape[2:]
    og = out_c // groups
    Wt = W.reshape((groups, og, cg) + ks).swapaxes(1, 2).reshape((groups * cg, og) + ks)
    flip = (slice(None), slice(None)) + (slice(None, None, -1),) * len(ks)
    return utils.array_module(W).ascontiguousarray(Wt[flip])


def conv_grad_x(gy, W, spatial, ss, ps, ds, groups, out_dtype):
    """The adjoint of ``conv_forward`` in x (= deconvolution): ``(N, C) + spatial``."""
    xp = utils.array_module(gy)
    n, out_c = gy.shape[:2]
    outs = gy.shape[2:]
    cg = W.shape[1]
    ks = W.shape[2:]
    c = groups * cg
    ct = utils.compute_dtype(gy.dtype, W.dtype)
    W2t = W.reshape(groups, out_c // groups, -1).astype(ct, copy=False).swapaxes(-1, -2)
    g = gy.reshape(n, groups, out_c // groups, _prod(outs)).astype(ct, copy=False)
    if _is_pointwise(ks, ss, ps, outs, spatial):
        gx = utils.matmul(W2t, g).reshape((n, c) + tuple(spatial))
        return gx.astype(out_dtype, copy=False)
    tpad = tuple(d * (k - 1) - p for k, d, p in zip(ks, ds, ps))
    if out_c // groups <= cg and all(s == 1 for s in ss) and all(p >= 0 for p in tpad) \
            and tuple(spatial) == tuple(o + d * (k - 1) - 2 * p
                                        for o, k, d, p in zip(outs, ks, ds, ps)):
        # stride 1, no more output than input channels: the adjoint as a
        # convolution of gy with the flipped, transposed filters (an im2col
        # copy of gy + GEMM) beats prod(k) strided scatter-adds.  With more
        # output channels the copy of gy is the larger and the GEMM thin
        # (C rows): col2im wins, 0.25-0.65x the time on five conv1d/conv3d
        # shapes with 2-5x more output channels, and loses (1.07-4.1x) on five
        # with as many or fewer (measured 2026-12-05, one thread)
        return conv_forward(gy, _flip_transpose(W, groups), None, ss, tpad,
                            tuple(spatial), ds, groups, out_dtype)
    size = tuple(max(_extent(o, k, s, d), p + h)
                 for o, k, s, d, p, h in zip(outs, ks, ss, ds, ps, spatial))
    img = xp.zeros((n, c) + size, dtype=ct)
    step = _chunk(xp, n, c * _prod(ks) * _prod(outs), numpy.dtype(ct).itemsize)
    buf = xp.empty((step, groups, cg * _prod(ks), _prod(outs)), dtype=ct)
    for s in range(0, n, step):
        e = min(n, s + step)
        gcol = buf[:e - s]
        utils.matmul(W2t, g[s:e], out=gcol)
        col2im_add(img[s:e], gcol.reshape((e - s, c) + tuple(ks) + tuple(outs)), ss, ds)
    if size != tuple(spatial):
        img = img[(Ellipsis,) + tuple(slice(p, p + h) for p, h in zip(ps, spatial))]
    return img.astype(out_dtype, copy=False)
