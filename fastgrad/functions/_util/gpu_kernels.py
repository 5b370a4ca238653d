"""One-launch CuPy kernels of the 2-D window ops (max pooling and col2im).

The generic window code (functions/pooling/_pooling.py, _util/conv.py) is a
loop over the kernel offsets, a few CuPy launches per offset.  On CuPy arrays
of 4-D (N, C, H, W) shape these replace it, one ``cupy.ElementwiseKernel``
launch each, in gather form (every output element sums what maps to it, no
atomics):

* ``fastgrad_max_pool_2d``: the max of each window and the row-major offset
  ``i * kw + j`` of the FIRST element equal to it (padding is ``ninf``,
  -inf, as in the generic path; a NaN in a window gives NaN and offset 0).
* ``fastgrad_max_unpool_2d``: max pooling's backward (upsampling): each input
  element sums, over the windows that cover it, the gradients whose window
  picked it, in the generic path's order of additions.
* ``fastgrad_max_pool_gather_2d``: the double backward: each output takes the
  (zero-padded) element its index names.
* ``fastgrad_col2im_2d``: ``img += `` the windows of ``col`` (stride and
  dilation, ``img`` the padded image), in the generic path's order.

The convolution's whole-batch GEMM path (_util/conv.py ``gemm_conv_*``) has
three more, around one GEMM each, with the columns as a ``(C*kh*kw, N*oh*ow)``
matrix (rows ``(c, i, j)``, columns ``(n, y, x)``):

* ``fastgrad_im2col_2d``: the columns of ``x`` (zero padding, stride,
  dilation), one element each;
* ``fastgrad_col2im_gather_2d``: the adjoint, straight into the unpadded
  ``(N, C, h, w)`` image: each pixel sums the columns that read it, offsets
  ``(i, j)`` ascending from zero (the generic col2im's order);
* ``fastgrad_conv_output_2d``: the GEMM's ``(O, N*oh*ow)`` result written
  as NCHW, plus the bias.

``SPECS`` lists every kernel (name -> ``Elementwise``, the strings given to
CuPy) so that tests compile each body outside CuPy (host C++ and nvcc).  The
kernels (and the convolution's GEMM path) run when
``fastgrad.config.gpu_pooling_kernels`` is true (the default;
FASTGRAD_GPU_POOLING_KERNELS=0 turns them off).
"""
import numpy

from fastgrad import configuration, utils
from fastgrad.functions._util.kernel_specs import Elementwise, Kernels

SPECS = {}

# (nc, oy, ox) of output element i of an (N, C, out_h, out_w) array
_OUT_COORDS = '''
    const ptrdiff_t _plane = (ptrdiff_t)out_h * out_w;
    const ptrdiff_t _nc = i / _plane;
    const ptrdiff_t _rest = i - _nc * _plane;
    const int _oy = (int)(_rest / out_w);
    const int _ox = (int)(_rest - (ptrdiff_t)_oy * out_w);
'''

_GEOMETRY = ('int32 h, int32 w, int32 out_h, int32 out_w, int32 kh, int32 kw, '
             'int32 sy, int32 sx, int32 ph, int32 pw')

SPECS['fastgrad_max_pool_2d'] = Elementwise(
    'raw T x, T ninf, ' + _GEOMETRY, 'T y, I arg', _OUT_COORDS + '''
    const ptrdiff_t _base = _nc * h * w;
    const int _y0 = _oy * sy - ph;
    const int _x0 = _ox * sx - pw;
    T _m = ninf;
    T _nanv = ninf;
    int _best = -1;
    bool _nan = false;
    for (int _i = 0; _i < kh; ++_i) {
        const int _yy = _y0 + _i;
        const bool _row = _yy >= 0 && _yy < h;
        for (int _j = 0; _j < kw; ++_j) {
            const int _xx = _x0 + _j;
            T _v = ninf;
            if (_row && _xx >= 0 && _xx < w) {
                _v = x[_base + (ptrdiff_t)_yy * w + _xx];
            }
            if (!(_v == _v)) {
                if (!_nan) {
                    _nan = true;
                    _nanv = _v;
                }
            } else if (_v > _m) {
                _m = _v;
                _best = _i * kw + _j;
            }
        }
    }
    y = _nan ? _nanv : _m;
    arg = (_nan || _best < 0) ? 0 : _best;
''')

SPECS['fastgrad_max_unpool_2d'] = Elementwise(
    'raw T gy, raw I arg, ' + _GEOMETRY, 'T gx', '''
    const ptrdiff_t _hw = (ptrdiff_t)h * w;
    const ptrdiff_t _nc = i / _hw;
    const ptrdiff_t _rest = i - _nc * _hw;
    const int _py = (int)(_rest / w) + ph;
    const int _px = (int)(_rest - (_rest / w) * w) + pw;
    int _oy_hi = _py / sy;
    if (_oy_hi > out_h - 1) _oy_hi = out_h - 1;
    int _oy_lo = _py - kh + 1;
    _oy_lo = _oy_lo <= 0 ? 0 : (_oy_lo + sy - 1) / sy;
    int _ox_hi = _px / sx;
    if (_ox_hi > out_w - 1) _ox_hi = out_w - 1;
    int _ox_lo = _px - kw + 1;
    _ox_lo = _ox_lo <= 0 ? 0 : (_ox_lo + sx - 1) / sx;
    const ptrdiff_t _obase = _nc * out_h * out_w;
    T _acc = (T)0.0f;
    // offsets k = i * kw + j ascending (the generic order): oy, then ox, descending
    for (int _oy = _oy_hi; _oy >= _oy_lo; --_oy) {
        const int _i = _py - _oy * sy;
        for (int _ox = _ox_hi; _ox >= _ox_lo; --_ox) {
            const int _j = _px - _ox * sx;
            const ptrdiff_t _o = _obase + (ptrdiff_t)_oy * out_w + _ox;
            if (arg[_o] == _i * kw + _j) {
                _acc = _acc + gy[_o];
            }
        }
    }
    gx = _acc;
''')

SPECS['fastgrad_max_pool_gather_2d'] = Elementwise(
    'raw T z, I arg, ' + _GEOMETRY, 'T out', _OUT_COORDS + '''
    T _acc = (T)0.0f;
    const long long _k = (long long)arg;
    if (_k >= 0 && _k < (long long)kh * kw) {
        const int _yy = _oy * sy + (int)(_k / kw) - ph;
        const int _xx = _ox * sx + (int)(_k % kw) - pw;
        if (_yy >= 0 && _yy < h && _xx >= 0 && _xx < w) {
            _acc = _acc + z[_nc * h * w + (ptrdiff_t)_yy * w + _xx];
        }
    }
    out = _acc;
''')

SPECS['fastgrad_col2im_2d'] = Elementwise(
    'raw T col, int32 rows, int32 cols, int32 kh, int32 kw, int32 oh, int32 ow, '
    'int32 sy, int32 sx, int32 dy, int32 dx', 'T img', '''
    const ptrdiff_t _rc = (ptrdiff_t)rows * cols;
    const ptrdiff_t _nc = i / _rc;
    const ptrdiff_t _rest = i - _nc * _rc;
    const int _r = (int)(_rest / cols);
    const int _q = (int)(_rest - (ptrdiff_t)_r * cols);
    T _acc = img;
    // offsets (i, j) ascending: the generic path's order of additions
    for (int _i = 0; _i < kh; ++_i) {
        const int _ry = _r - _i * dy;
        if (_ry < 0) break;
        if (_ry % sy != 0) continue;
        const int _oy = _ry / sy;
        if (_oy >= oh) continue;
        for (int _j = 0; _j < kw; ++_j) {
            const int _qx = _q - _j * dx;
            if (_qx < 0) break;
            if (_qx % sx != 0) continue;
            const int _ox = _qx / sx;
            if (_ox >= ow) continue;
            _acc = _acc + col[(((_nc * kh + _i) * kw + _j) * (ptrdiff_t)oh + _oy) * ow + _ox];
        }
    }
    img = _acc;
''')

# The convolution's column matrix: rows (c, i, j), columns (n, y, x).
_CONV_GEOMETRY = ('int32 batch, int32 channels, int32 h, int32 w, int32 out_h, int32 out_w, '
                  'int32 kh, int32 kw, int32 sy, int32 sx, int32 ph, int32 pw, int32 dy, '
                  'int32 dx')

SPECS['fastgrad_im2col_2d'] = Elementwise(
    'raw T x, ' + _CONV_GEOMETRY, 'T col', '''
    const ptrdiff_t _plane = (ptrdiff_t)out_h * out_w;
    const ptrdiff_t _ncols = (ptrdiff_t)batch * _plane;
    const ptrdiff_t _row = i / _ncols;
    const ptrdiff_t _rest = i - _row * _ncols;
    const ptrdiff_t _n = _rest / _plane;
    const ptrdiff_t _p = _rest - _n * _plane;
    const int _oy = (int)(_p / out_w);
    const int _ox = (int)(_p - (ptrdiff_t)_oy * out_w);
    const int _kk = (int)(_row % ((ptrdiff_t)kh * kw));
    const ptrdiff_t _c = _row / ((ptrdiff_t)kh * kw);
    const int _ki = _kk / kw;
    const int _yy = _oy * sy - ph + _ki * dy;
    const int _xx = _ox * sx - pw + (_kk - _ki * kw) * dx;
    T _v = (T)0.0f;
    if (_yy >= 0 && _yy < h && _xx >= 0 && _xx < w) {
        _v = x[((_n * channels + _c) * h + _yy) * (ptrdiff_t)w + _xx];
    }
    col = _v;
''')

SPECS['fastgrad_col2im_gather_2d'] = Elementwise(
    'raw T col, ' + _CONV_GEOMETRY, 'T img', '''
    const ptrdiff_t _hw = (ptrdiff_t)h * w;
    const ptrdiff_t _nc = i / _hw;
    const ptrdiff_t _rest = i - _nc * _hw;
    const ptrdiff_t _n = _nc / channels;
    const ptrdiff_t _c = _nc - _n * channels;
    const int _r = (int)(_rest / w) + ph;          // in the padded image
    const int _q = (int)(_rest - (_rest / w) * w) + pw;
    const ptrdiff_t _plane = (ptrdiff_t)out_h * out_w;
    T _acc = (T)0.0f;
    // offsets (i, j) ascending from zero: the generic col2im's order of additions
    for (int _i = 0; _i < kh; ++_i) {
        const int _ry = _r - _i * dy;
        if (_ry < 0) break;
        if (_ry % sy != 0) continue;
        const int _oy = _ry / sy;
        if (_oy >= out_h) continue;
        for (int _j = 0; _j < kw; ++_j) {
            const int _qx = _q - _j * dx;
            if (_qx < 0) break;
            if (_qx % sx != 0) continue;
            const int _ox = _qx / sx;
            if (_ox >= out_w) continue;
            const ptrdiff_t _row = (_c * kh + _i) * kw + _j;
            _acc = _acc + col[(_row * batch + _n) * _plane + (ptrdiff_t)_oy * out_w + _ox];
        }
    }
    img = _acc;
''')

SPECS['fastgrad_conv_output_2d'] = Elementwise(
    'raw T y2, raw T b, int32 has_b, int32 batch, int32 out_c, int32 plane', 'T y', '''
    const ptrdiff_t _op = (ptrdiff_t)out_c * plane;
    const ptrdiff_t _n = i / _op;
    const ptrdiff_t _rest = i - _n * _op;
    const ptrdiff_t _o = _rest / plane;
    const ptrdiff_t _p = _rest - _o * plane;
    T _v = y2[(_o * batch + _n) * plane + _p];
    if (has_b) {
        _v = _v + b[_o];
    }
    y = _v;
''')


kernel = Kernels(SPECS)     # kernel(name): the CuPy kernel, built once


def enabled(a):
    """Whether the kernels take arrays like ``a``: a CuPy array, with
    ``config.gpu_pooling_kernels`` on."""
    if isinstance(a, numpy.ndarray) or not configuration.config.gpu_pooling_kernels:
        return False
    return getattr(utils.array_module(a), '__name__', '') == 'cupy'


def _geometry(geo, dims, outs):
    (kh, kw), (sy, sx), (ph, pw) = geo.ksize, geo.stride, geo.pad
    return (dims[0], dims[1], outs[0], outs[1], kh, kw, sy, sx, ph, pw)


def max_pool_2d(x, geo, outs, index_dtype):
    """``(y, indexes)`` of 2-D max pooling of the CuPy array ``x``."""
    xp = utils.array_module(x)
    x = xp.ascontiguousarray(x)
    shape = x.shape[:2] + tuple(outs)
    y = xp.empty(shape, dtype=x.dtype)
    arg = xp.empty(shape, dtype=index_dtype)
    kernel('fastgrad_max_pool_2d')(x, x.dtype.type(-numpy.inf),
                                   *_geometry(geo, x.shape[2:], outs), y, arg)
    return y, arg


def max_unpool_2d(gy, indexes, geo, dims, dtype):
    """Max pooling's backward: ``(N, C) + dims`` from ``gy`` and ``indexes``."""
    xp = utils.array_module(gy)
    gy = xp.ascontiguousarray(gy, dtype=dtype)
    indexes = xp.ascontiguousarray(indexes)
    gx = xp.empty(gy.shape[:2] + tuple(dims), dtype=dtype)
    kernel('fastgrad_max_unpool_2d')(gy, indexes, *_geometry(geo, dims, gy.shape[2:]), gx)
    return gx


def max_pool_gather_2d(z, indexes, geo, dtype):
    """``out[n, c, o]`` = the zero-padded element of ``z`` at ``indexes``."""
    xp = utils.array_module(z)
    z = xp.ascontiguousarray(z, dtype=dtype)
    out = xp.empty(indexes.shape, dtype=dtype)
    kernel('fastgrad_max_pool_gather_2d')(
        z, indexes, *_geometry(geo, z.shape[2:], indexes.shape[2:]), out)
    return out


def col2im_add_2d(img, col, sy, sx, dy, dx):
    """``img`` (``(N, C, rows, cols)``) += the windows of ``col``
    ``(N, C, kh, kw, oh, ow)``, in place."""
    xp = utils.array_module(col)
    col = xp.ascontiguousarray(col, dtype=img.dtype)
    kh, kw, oh, ow = col.shape[2:]
    rows, cols = img.shape[2:]
    kernel('fastgrad_col2im_2d')(col, rows, cols, kh, kw, oh, ow, sy, sx, dy, dx, img)


# -- the convolution's GEMM path (conv.gemm_conv_*): this module is its ``kernels``

def im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx):
    """The ``(C*kh*kw, N*oh*ow)`` columns of ``x`` ``(N, C, h, w)``."""
    xp = utils.array_module(x)
    x = xp.ascontiguousarray(x)
    n, c, h, w = x.shape
    col = xp.empty((c * kh * kw, n * oh * ow), dtype=x.dtype)
    kernel('fastgrad_im2col_2d')(x, n, c, h, w, oh, ow, kh, kw, sy, sx, ph, pw, dy, dx, col)
    return col


def col2im(col, n, c, h, w, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx):
    """The ``(N, C, h, w)`` adjoint of ``im2col``: each pixel sums its columns."""
    xp = utils.array_module(col)
    col = xp.ascontiguousarray(col)
    img = xp.empty((n, c, h, w), dtype=col.dtype)
    kernel('fastgrad_col2im_gather_2d')(col, n, c, h, w, oh, ow, kh, kw, sy, sx, ph, pw,
                                        dy, dx, img)
    return img


def conv_output(y2, b, n, oh, ow):
    """``(N, O, oh, ow)`` from the GEMM's ``(O, N*oh*ow)``, plus ``b`` (or None)."""
    xp = utils.array_module(y2)
    y2 = xp.ascontiguousarray(y2)
    out_c = y2.shape[0]
    y = xp.empty((n, out_c, oh, ow), dtype=y2.dtype)
    # without a bias y2 stands in for it, never read
    bias = y2 if b is None else xp.ascontiguousarray(b, dtype=y2.dtype)
    kernel('fastgrad_conv_output_2d')(y2, bias, int(b is not None), n, out_c, oh * ow, y)
    return y
