"""The one-launch 2-D window kernels (fastgrad/functions/_util/gpu_kernels.py).

* Every kernel body compiles with nvcc for sm_90, wrapped the way CuPy wraps
  an ElementwiseKernel body, for float16/float32/float64 (skipped without
  nvcc; runs on the CPU machine).
* The same bodies compiled as host C++ (tests/_helpers/host_kernels.py: g++,
  one loop over ``i``, called like the CuPy kernels) give the
  generic NumPy path's numbers exactly (max, argmax with ties and NaN,
  max pooling's backward and double backward, col2im) across ksize, stride,
  pad, dilation and cover_all; the convolution GEMM path's im2col, col2im
  gather and NCHW output give ``conv.ArrayKernels``' numbers exactly.
* On a GPU: the kernel path equals the generic path
  (``config.gpu_pooling_kernels`` off) on CuPy arrays, and the convolution
  kernels equal ``conv.ArrayKernels`` on CuPy arrays.

GPU run: python -m pytest tests/functions/pooling/test_gpu_pooling_kernels.py -q -m gpu
"""
import os
import subprocess
import sys
import tempfile
import zlib

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad.functions._util import conv as _conv
from fastgrad.functions._util import gpu_kernels, kernel_specs
from fastgrad.functions.pooling import _pooling

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), '_helpers'))
import host_kernels  # noqa: E402  (tests/_helpers: CuPy kernel bodies outside CuPy)


def _arrays(in_params):
    """The inputs passed as arrays (not raw): T or I, but the scalar ninf."""
    return [n for raw, typ, n in host_kernels.parse_params(in_params)
            if not raw and typ in ('T', 'I') and n != 'ninf']


def _uses_index_type(in_params, out_params):
    return any(typ == 'I' for _, typ, _ in host_kernels.parse_params(in_params + ',' + out_params))


def test_specs_build_as_elementwise_kernels():
    """gpu_kernels uses kernel_specs' build-once cache: each spec an
    ``Elementwise`` (a plain tuple would be built as a ReductionKernel)."""
    assert isinstance(gpu_kernels.kernel, kernel_specs.Kernels)
    assert gpu_kernels.kernel.specs is gpu_kernels.SPECS
    assert len(gpu_kernels.SPECS) == 7
    for name, spec in gpu_kernels.SPECS.items():
        assert type(spec) is kernel_specs.Elementwise, name


# -- nvcc (CPU machine) -------------------------------------------------------------

@pytest.mark.skipif(host_kernels.find_nvcc() is None, reason='nvcc not installed')
def test_kernel_bodies_compile_with_nvcc():
    src, count = '#include <cstddef>\n' + host_kernels.DEVICE_FLOAT16, 0
    for name, (in_params, out_params, body) in sorted(gpu_kernels.SPECS.items()):
        for ctype in ('float16', 'float', 'double'):
            for itype in ('signed char', 'int', 'long long'):
                src += host_kernels.elementwise_source(
                    'k{}_{}'.format(count, name), in_params, out_params, body,
                    typedefs={'T': ctype, 'I': itype}, arrays=_arrays(in_params))
                count += 1
    proc = host_kernels.nvcc_compile(src)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert count == 7 * 9


# -- the bodies on the host (CPU) ------------------------------------------------------

_HOST_TYPES = ('float', 'double')
_HOST_ITYPES = ('signed char', 'short', 'int', 'long long')


@pytest.fixture(scope='module')
def host_lib():
    """The bodies as host C++, called like the CuPy kernels
    (``host_lib.elementwise(name)(*args)``: inputs then outputs)."""
    lib = host_kernels.HostLibrary(host_kernels.HOST_MATH)
    for name, spec in sorted(gpu_kernels.SPECS.items()):
        itypes = _HOST_ITYPES if _uses_index_type(spec.in_params, spec.out_params) else (None,)
        for ctype in _HOST_TYPES:
            for itype in itypes:
                typedefs = {'T': ctype} if itype is None else {'T': ctype, 'I': itype}
                lib.add_spec(name, spec, typedefs, _arrays(spec.in_params))
    with host_kernels.built(lib):
        yield lib


def _host_call(lib, name, args):
    """Call kernel ``name`` like the CuPy one: ``args`` in parameter order
    (arrays of the kernel's types, the outputs C-contiguous and written in
    place; scalars cast to their declared types)."""
    n_in = len(host_kernels.parse_params(gpu_kernels.SPECS[name][0]))
    for out in args[n_in:]:
        assert out.flags.c_contiguous, 'outputs must be C-contiguous arrays'
    lib.elementwise(name)(*args)


def _geometry_args(geo, dims, outs):
    return list(gpu_kernels._geometry(geo, dims, outs))


# (ksize, stride, pad, cover_all, input h x w)
_POOL_CASES = [
    (2, None, 0, True, (6, 6)),
    (2, None, 0, True, (7, 5)),
    (3, 2, 1, True, (7, 8)),
    (3, 2, 1, False, (7, 8)),
    (3, 1, 1, False, (5, 5)),
    ((2, 3), (1, 2), (1, 0), True, (6, 7)),
    ((3, 2), (2, 3), (2, 1), True, (5, 9)),
    (3, 3, 2, True, (4, 4)),        # windows of padding only
    (4, 1, 0, True, (4, 6)),
    (12, 1, 0, True, (12, 12)),     # 144 offsets: int16 indexes
]


def _generic_pool(x, geo, cover_all):
    outs = geo.outsize(x.shape[2:], cover_all)
    win = geo.windows(x, outs, pval=-numpy.inf)
    y = geo.window_max(win, x.dtype)
    return y, geo.argmax(win, y)


def _host_pool(lib, x, geo, cover_all):
    outs = geo.outsize(x.shape[2:], cover_all)
    y = numpy.empty(x.shape[:2] + outs, dtype=x.dtype)
    arg = numpy.empty(y.shape, dtype=geo.index_dtype())
    _host_call(lib, 'fastgrad_max_pool_2d',
               [x, -numpy.inf] + _geometry_args(geo, x.shape[2:], outs) + [y, arg])
    return y, arg


def _inputs(rng, shape, dtype, kind):
    if kind == 'ties':
        x = rng.randint(-2, 3, size=shape).astype(dtype)
    elif kind == 'inf':
        x = rng.randint(-1, 2, size=shape).astype(dtype)
        x[x == -1] = -numpy.inf
    elif kind == 'nan':
        x = rng.randn(*shape).astype(dtype)
        x.ravel()[rng.rand(x.size) < 0.05] = numpy.nan
    else:
        x = rng.randn(*shape).astype(dtype)
    return x


@pytest.mark.parametrize('case', _POOL_CASES)
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('kind', ['randn', 'ties', 'inf', 'nan'])
def test_max_pool_forward_matches_generic(host_lib, case, dtype, kind):
    ksize, stride, pad, cover_all, dims = case
    geo = _pooling.Geometry('max_pooling_2d', 2, ksize, stride, pad)
    rng = numpy.random.RandomState(zlib.crc32((str(case) + kind).encode()) % 1000)
    x = _inputs(rng, (2, 3) + dims, dtype, kind)
    y0, i0 = _generic_pool(x, geo, cover_all)
    y1, i1 = _host_pool(host_lib, x, geo, cover_all)
    numpy.testing.assert_array_equal(y1, y0)
    assert i1.dtype == i0.dtype
    numpy.testing.assert_array_equal(i1, i0)


@pytest.mark.parametrize('case', _POOL_CASES)
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('itype', [None, numpy.int64])
def test_max_unpool_and_gather_match_generic(host_lib, case, dtype, itype):
    ksize, stride, pad, cover_all, dims = case
    geo = _pooling.Geometry('max_pooling_2d', 2, ksize, stride, pad)
    rng = numpy.random.RandomState(zlib.crc32(str(case).encode()) % 1000)
    x = _inputs(rng, (2, 3) + dims, dtype, 'ties')
    _, idx = _generic_pool(x, geo, cover_all)
    if itype is not None:
        # upsampling_2d takes user indexes: int64, some out of range
        idx = idx.astype(itype)
        idx.ravel()[rng.rand(idx.size) < 0.1] = geo.n_offsets + 1
        idx.ravel()[rng.rand(idx.size) < 0.1] = -1
    gy = rng.randn(*idx.shape).astype(dtype)
    outs = idx.shape[2:]
    # backward: scatter with indexes
    g0 = geo.scatter(gy, dims, dtype, idx)
    g1 = numpy.empty(x.shape, dtype=dtype)
    _host_call(host_lib, 'fastgrad_max_unpool_2d',
               [gy, idx] + _geometry_args(geo, dims, outs) + [g1])
    numpy.testing.assert_array_equal(g1, g0)
    # double backward: gather
    z = rng.randn(*x.shape).astype(dtype)
    o0 = geo.gather(z, idx, dtype)
    o1 = numpy.empty(idx.shape, dtype=dtype)
    _host_call(host_lib, 'fastgrad_max_pool_gather_2d',
               [z, idx] + _geometry_args(geo, dims, outs) + [o1])
    numpy.testing.assert_array_equal(o1, o0)


# (kh, kw, sy, sx, ph, pw, dy, dx, cover_all, h, w)
_CONV_CASES = [
    (3, 3, 1, 1, 1, 1, 1, 1, False, 6, 6),
    (3, 3, 2, 2, 1, 1, 1, 1, False, 7, 8),
    (3, 3, 2, 2, 1, 1, 1, 1, True, 7, 8),
    (2, 3, 1, 2, 0, 1, 2, 1, False, 8, 7),
    (3, 2, 3, 1, 2, 0, 2, 3, True, 9, 10),
    (1, 1, 2, 2, 0, 0, 1, 1, False, 5, 5),
    (5, 5, 1, 1, 2, 2, 1, 1, False, 4, 4),
    (3, 3, 4, 4, 0, 0, 1, 1, False, 9, 9),   # stride > kernel: some pixels get nothing
]


@pytest.mark.parametrize('case', _CONV_CASES)
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_col2im_matches_generic(host_lib, case, dtype):
    kh, kw, sy, sx, ph, pw, dy, dx, cover_all, h, w = case
    oh = _conv.get_conv_outsize(h, kh, sy, ph, cover_all, dy)
    ow = _conv.get_conv_outsize(w, kw, sx, pw, cover_all, dx)
    rows = max(_conv._extent(oh, kh, sy, dy), ph + h)
    cols = max(_conv._extent(ow, kw, sx, dx), pw + w)
    rng = numpy.random.RandomState(zlib.crc32(str(case).encode()) % 1000)
    col = rng.randn(2, 3, kh, kw, oh, ow).astype(dtype)
    for start in (numpy.zeros, lambda s, dtype: rng.randn(*s).astype(dtype)):
        img0 = start((2, 3, rows, cols), dtype=dtype)
        img1 = img0.copy()
        _conv.col2im_add(img0, col, sy, sx, dy, dx)
        _host_call(host_lib, 'fastgrad_col2im_2d',
                   [col, rows, cols, kh, kw, oh, ow, sy, sx, dy, dx, img1])
        numpy.testing.assert_array_equal(img1, img0)


def _conv_case(case):
    kh, kw, sy, sx, ph, pw, dy, dx, cover_all, h, w = case
    oh = _conv.get_conv_outsize(h, kh, sy, ph, cover_all, dy)
    ow = _conv.get_conv_outsize(w, kw, sx, pw, cover_all, dx)
    return kh, kw, sy, sx, ph, pw, dy, dx, h, w, oh, ow


@pytest.mark.parametrize('case', _CONV_CASES)
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('n', [1, 3])
def test_conv_im2col_and_col2im_match_array_kernels(host_lib, case, dtype, n):
    kh, kw, sy, sx, ph, pw, dy, dx, h, w, oh, ow = _conv_case(case)
    c = 2
    rng = numpy.random.RandomState(zlib.crc32(str(case).encode()) % 1000 + n)
    x = rng.randn(n, c, h, w).astype(dtype)
    geo = [n, c, h, w, oh, ow, kh, kw, sy, sx, ph, pw, dy, dx]
    col0 = _conv.ArrayKernels.im2col(x, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx)
    col1 = numpy.empty((c * kh * kw, n * oh * ow), dtype=dtype)
    _host_call(host_lib, 'fastgrad_im2col_2d', [x] + geo + [col1])
    numpy.testing.assert_array_equal(col1, col0)
    # the adjoint: gather back into the unpadded image
    gcol = rng.randn(*col0.shape).astype(dtype)
    img0 = _conv.ArrayKernels.col2im(gcol, n, c, h, w, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx)
    img1 = numpy.empty((n, c, h, w), dtype=dtype)
    _host_call(host_lib, 'fastgrad_col2im_gather_2d', [gcol] + geo + [img1])
    numpy.testing.assert_array_equal(img1, img0)
    # adjointness: <im2col(x), gcol> == <x, col2im(gcol)>
    numpy.testing.assert_allclose(numpy.vdot(col1, gcol), numpy.vdot(x, img1),
                                  rtol=1e-4 if dtype == numpy.float32 else 1e-12)


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('bias', [True, False])
@pytest.mark.parametrize('n, out_c, oh, ow', [(1, 3, 2, 2), (4, 5, 3, 7)])
def test_conv_output_matches_array_kernels(host_lib, dtype, bias, n, out_c, oh, ow):
    rng = numpy.random.RandomState(n + out_c)
    y2 = rng.randn(out_c, n * oh * ow).astype(dtype)
    y2.ravel()[::5] = -0.0               # no bias: no addition, -0 stays -0
    b = rng.randn(out_c).astype(dtype) if bias else None
    y0 = _conv.ArrayKernels.conv_output(y2, b, n, oh, ow)
    y1 = numpy.empty((n, out_c, oh, ow), dtype=dtype)
    _host_call(host_lib, 'fastgrad_conv_output_2d',
               [y2, y2 if b is None else b, int(bias), n, out_c, oh * ow, y1])
    numpy.testing.assert_array_equal(y1, y0)
    numpy.testing.assert_array_equal(numpy.signbit(y1), numpy.signbit(y0))


def test_switch_reads_config_and_numpy_never_uses_kernels():
    x = numpy.zeros((1, 1, 2, 2), numpy.float32)
    assert not gpu_kernels.enabled(x)
    assert isinstance(fastgrad.config.gpu_pooling_kernels, bool)
    code = ('import os, fastgrad; print(fastgrad.config.gpu_pooling_kernels)')
    # the fastgrad under test (the installed one in CI), in this interpreter
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))
    env = dict(os.environ, PYTHONPATH=root, FASTGRAD_GPU_POOLING_KERNELS='0')
    out = subprocess.run([sys.executable, '-c', code], cwd=tempfile.gettempdir(), env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'False'


# -- on a GPU: the kernel path equals the generic path ------------------------------------

def _both(fn):
    """``fn()`` with the kernels on and off."""
    with fastgrad.using_config('gpu_pooling_kernels', True):
        on = fn()
    with fastgrad.using_config('gpu_pooling_kernels', False):
        off = fn()
    return on, off


@pytest.mark.gpu
@pytest.mark.parametrize('case', _POOL_CASES)
@pytest.mark.parametrize('dtype', ['float16', 'float32', 'float64'])
@pytest.mark.parametrize('kind', ['randn', 'ties', 'inf'])
def test_gpu_max_pooling_2d_kernels_equal_generic(case, dtype, kind):
    import cupy
    ksize, stride, pad, cover_all, dims = case
    rng = numpy.random.RandomState(zlib.crc32((str(case) + kind).encode()) % 1000)
    x = cupy.asarray(_inputs(rng, (2, 3) + dims, dtype, kind))

    def run():
        v = fastgrad.Variable(x.copy())
        y, idx = F.max_pooling_2d(v, ksize, stride, pad, cover_all, return_indices=True)
        gy = cupy.asarray(numpy.random.RandomState(1).randn(*y.shape).astype(dtype))
        y.grad = gy
        y.backward()
        # double backward: upsampling_2d's gradient gathers
        u = fastgrad.Variable(gy.copy())
        up = F.upsampling_2d(u, idx, ksize, stride, pad, outsize=dims, cover_all=cover_all)
        up.grad = x.copy()
        up.backward()
        return [cupy.asnumpy(a) for a in (y.array, idx, v.grad, up.array, u.grad)]

    on, off = _both(run)
    for i, (a, b) in enumerate(zip(on, off)):
        assert a.dtype == b.dtype
        if kind == 'inf' and i == 4:
            # u.grad gathers x, which holds -inf: the generic path multiplies each
            # window by a 0/1 mask (-inf * 0 = nan at unselected positions), the
            # kernel reads only the selected element (as Chainer's GPU kernel); the
            # H200 run showed exactly that difference, so compare where both are defined
            defined = ~numpy.isnan(b)
            numpy.testing.assert_array_equal(a[defined], b[defined])
            assert not numpy.isnan(a).any()
        else:
            numpy.testing.assert_array_equal(a, b)


@pytest.mark.gpu
@pytest.mark.parametrize('case', _CONV_CASES)
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_gpu_convolution_2d_gx_kernels_equal_generic(case, dtype):
    """With the kernels on, the convolution takes the whole-batch GEMM path
    (a different order of GEMM additions than the generic per-sample one):
    equal within rounding."""
    import cupy
    kh, kw, sy, sx, ph, pw, dy, dx, cover_all, h, w = case
    rng = numpy.random.RandomState(zlib.crc32(str(case).encode()) % 1000)
    x = cupy.asarray(rng.randn(2, 4, h, w).astype(dtype))
    W = cupy.asarray(rng.randn(5, 4, kh, kw).astype(dtype))

    def run():
        v = fastgrad.Variable(x.copy())
        y = F.convolution_2d(v, W, None, (sy, sx), (ph, pw), cover_all, dilate=(dy, dx))
        y.grad = cupy.asarray(numpy.random.RandomState(2).randn(*y.shape).astype(dtype))
        y.backward()
        return cupy.asnumpy(v.grad)

    on, off = _both(run)
    tol = 1e-5 if dtype == 'float32' else 1e-12
    numpy.testing.assert_allclose(on, off, rtol=tol, atol=tol)


@pytest.mark.gpu
@pytest.mark.parametrize('case', _CONV_CASES)
@pytest.mark.parametrize('dtype', ['float16', 'float32', 'float64'])
def test_gpu_conv_kernels_equal_array_kernels(case, dtype):
    """gpu_kernels' im2col, col2im and conv_output on CuPy arrays equal
    ``conv.ArrayKernels`` on the same CuPy arrays, exactly."""
    import cupy
    kh, kw, sy, sx, ph, pw, dy, dx, h, w, oh, ow = _conv_case(case)
    n, c, out_c = 3, 2, 4
    rng = numpy.random.RandomState(zlib.crc32(str(case).encode()) % 1000)
    x = cupy.asarray(rng.randn(n, c, h, w).astype(dtype))
    gcol = cupy.asarray(rng.randn(c * kh * kw, n * oh * ow).astype(dtype))
    y2 = cupy.asarray(rng.randn(out_c, n * oh * ow).astype(dtype))
    b = cupy.asarray(rng.randn(out_c).astype(dtype))
    geo = (kh, kw, sy, sx, ph, pw, oh, ow, dy, dx)
    ref = _conv.ArrayKernels
    with fastgrad.using_config('gpu_pooling_kernels', False):     # generic col2im_add
        want = [ref.im2col(x, *geo),
                ref.col2im(gcol, n, c, h, w, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx),
                ref.conv_output(y2, b, n, oh, ow), ref.conv_output(y2, None, n, oh, ow)]
    got = [gpu_kernels.im2col(x, *geo),
           gpu_kernels.col2im(gcol, n, c, h, w, kh, kw, sy, sx, ph, pw, oh, ow, dy, dx),
           gpu_kernels.conv_output(y2, b, n, oh, ow), gpu_kernels.conv_output(y2, None, n, oh, ow)]
    for a, e in zip(got, want):
        assert a.dtype == e.dtype and a.shape == e.shape
        numpy.testing.assert_array_equal(cupy.asnumpy(a), cupy.asnumpy(e))
