"""fastgrad_cuda.cudnn on the CPU: discovery, load errors, and the calls that
need no GPU (version, error strings, descriptors) against a real libcudnn.

The real-library tests run where discovery finds one (FASTGRAD_CUDNN_LIBRARY,
an installed nvidia-cudnn wheel, or the system library) and skip elsewhere;
nothing is ever downloaded.  Convolutions themselves need a GPU
(tests/functions/connection/test_conv_cudnn_gpu.py).
"""
import ctypes
import importlib
import os
import sys

import pytest

from fastgrad.functions._util.conv import get_conv_outsize
from fastgrad_cuda import cudnn


@pytest.fixture
def rediscover():
    """Forget the loaded library before and after the test (discovery reruns)."""
    cudnn._reset_for_tests()
    yield
    cudnn._reset_for_tests()


@pytest.fixture
def lib():
    if not cudnn.available():
        pytest.skip('no libcudnn found: {}'.format(cudnn.load_error()))
    return cudnn.load()


def _fake_site(tmp_path, monkeypatch, names):
    """A site folder holding nvidia/cudnn/lib/<names> (empty files), first on sys.path."""
    lib_dir = tmp_path / 'site' / 'nvidia' / 'cudnn' / 'lib'
    lib_dir.mkdir(parents=True)
    for name in names:
        (lib_dir / name).write_bytes(b'')
    monkeypatch.syspath_prepend(str(tmp_path / 'site'))
    for mod in [m for m in sys.modules if m == 'nvidia' or m.startswith('nvidia.')]:
        monkeypatch.delitem(sys.modules, mod)
    importlib.invalidate_caches()
    return str(lib_dir)


# -- discovery

def test_env_variable_is_the_only_candidate(monkeypatch):
    monkeypatch.setenv(cudnn.ENV_LIBRARY, '/some/where/libcudnn.so.9')
    assert list(cudnn.candidates()) == [(cudnn.ENV_LIBRARY, '/some/where/libcudnn.so.9')]


def test_discovery_order_pip_package_then_find_library_then_sonames(tmp_path, monkeypatch):
    monkeypatch.delenv(cudnn.ENV_LIBRARY, raising=False)
    lib_dir = _fake_site(tmp_path, monkeypatch, ['libcudnn.so.9', 'libcudnn.so.8'])
    found = list(cudnn.candidates())
    assert found[:2] == [('nvidia.cudnn', os.path.join(lib_dir, 'libcudnn.so.9')),
                         ('nvidia.cudnn', os.path.join(lib_dir, 'libcudnn.so.8'))]
    assert found[-2:] == [('soname', 'libcudnn.so.9'), ('soname', 'libcudnn.so.8')]
    # other installed copies of the package, then find_library's answer (if this
    # machine has one), in that order
    rank = {'nvidia.cudnn': 0, 'find_library': 1, 'soname': 2}
    sources = [rank[s] for s, _ in found]
    assert sources == sorted(sources) and sources.count(1) <= 1


def test_pip_package_without_the_library_adds_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(cudnn.ENV_LIBRARY, raising=False)
    lib_dir = _fake_site(tmp_path, monkeypatch, [])
    assert not [p for _, p in cudnn.candidates() if p.startswith(lib_dir)]


def test_missing_library_is_a_clear_error_not_a_crash(monkeypatch, rediscover, tmp_path):
    missing = str(tmp_path / 'libcudnn.so.9')
    monkeypatch.setenv(cudnn.ENV_LIBRARY, missing)
    assert cudnn.available() is False
    assert missing in cudnn.load_error() and cudnn.ENV_LIBRARY in cudnn.load_error()
    with pytest.raises(OSError, match='no usable cuDNN library found'):
        cudnn.load()
    assert cudnn.library_path() is None


def test_a_library_that_is_not_cudnn_is_refused(monkeypatch, rediscover):
    monkeypatch.setenv(cudnn.ENV_LIBRARY, 'libm.so.6')
    assert cudnn.available() is False
    assert 'cudnnGetVersion' in cudnn.load_error()


def test_pip_package_library_loads_when_it_is_real(rediscover, lib, tmp_path, monkeypatch):
    real = cudnn.library_path()
    if not os.path.isabs(real):
        pytest.skip('the library found is not a file path: ' + real)
    monkeypatch.delenv(cudnn.ENV_LIBRARY, raising=False)
    cudnn._reset_for_tests()
    lib_dir = tmp_path / 'site' / 'nvidia' / 'cudnn' / 'lib'
    lib_dir.mkdir(parents=True)
    (lib_dir / 'libcudnn.so.9').symlink_to(real)
    monkeypatch.syspath_prepend(str(tmp_path / 'site'))
    for mod in [m for m in sys.modules if m == 'nvidia' or m.startswith('nvidia.')]:
        monkeypatch.delitem(sys.modules, mod)
    importlib.invalidate_caches()
    assert cudnn.available()
    assert cudnn.library_path() == str(lib_dir / 'libcudnn.so.9')


# -- algorithm choice (cuDNN's perf records, built here)

def _perfs(*rows):
    out = (cudnn._AlgoPerf * len(rows))()
    for p, (algo, status, memory, determinism, math) in zip(out, rows):
        p.algo, p.status, p.memory, p.determinism, p.mathType = (algo, status, memory,
                                                                  determinism, math)
    return list(out)


def test_pick_algorithm_takes_the_first_usable_one():
    perfs = _perfs((5, 3000, 0, 1, cudnn.FMA_MATH),               # failed
                   (4, 0, 1 << 30, 1, cudnn.FMA_MATH),            # too much workspace
                   (3, 0, 0, 0, cudnn.TENSOR_OP_MATH),            # tensor cores, nondeterministic
                   (2, 0, 100, 0, cudnn.FMA_MATH),                # nondeterministic
                   (1, 0, 100, 1, cudnn.DEFAULT_MATH))
    assert cudnn.pick_algorithm(perfs, False, True, 8 << 20).algo == 3
    assert cudnn.pick_algorithm(perfs, False, False, 8 << 20).algo == 2
    assert cudnn.pick_algorithm(perfs, True, True, 8 << 20).algo == 1
    assert cudnn.pick_algorithm(perfs, True, True, 99) is None
    assert cudnn.pick_algorithm(perfs, False, True, 1 << 30).algo == 4
    assert cudnn.pick_algorithm([], False, True, 8 << 20) is None


def test_data_type_rejects_other_dtypes():
    assert cudnn.data_type('float16') == cudnn.DATA_HALF
    with pytest.raises(TypeError, match='float16, float32 or float64, got int32'):
        cudnn.data_type('int32')


# -- against the real library (no GPU needed)

def test_version_and_error_strings(lib):
    version = cudnn.get_version()
    assert version >= 8000
    assert cudnn.get_error_string(0) == 'CUDNN_STATUS_SUCCESS'
    bad_param = 2000 if version >= 90000 else 3      # cuDNN 9 renumbered the statuses
    assert cudnn.get_error_string(bad_param) == 'CUDNN_STATUS_BAD_PARAM'
    cudnn.check('anything', 0)
    with pytest.raises(cudnn.CudnnError) as e:
        cudnn.check('cudnnSomething', bad_param)
    assert e.value.call == 'cudnnSomething' and e.value.status == bad_param
    assert str(e.value) == 'cudnnSomething failed: CUDNN_STATUS_BAD_PARAM ({})'.format(bad_param)


def test_tensor_descriptor_reads_back(lib):
    desc = cudnn.tensor_descriptor((2, 4, 9, 11), 'float64')
    dtype, nd = ctypes.c_int(), ctypes.c_int()
    dims, strides = (ctypes.c_int * 4)(), (ctypes.c_int * 4)()
    cudnn.check('get', lib.cudnnGetTensorNdDescriptor(desc.ptr, 4, ctypes.byref(dtype),
                                                      ctypes.byref(nd), dims, strides))
    assert (dtype.value, nd.value) == (cudnn.DATA_DOUBLE, 4)
    assert list(dims) == [2, 4, 9, 11] and list(strides) == [396, 99, 11, 1]


def test_filter_descriptor_reads_back(lib):
    desc = cudnn.filter_descriptor((6, 2, 3, 5), 'float16')
    dtype, fmt, nd = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    dims = (ctypes.c_int * 4)()
    cudnn.check('get', lib.cudnnGetFilterNdDescriptor(desc.ptr, 4, ctypes.byref(dtype),
                                                      ctypes.byref(fmt), ctypes.byref(nd), dims))
    assert (dtype.value, fmt.value, nd.value) == (cudnn.DATA_HALF, cudnn.TENSOR_NCHW, 4)
    assert list(dims) == [6, 2, 3, 5]


@pytest.mark.parametrize('dtype, compute', [('float16', cudnn.DATA_FLOAT),
                                            ('float32', cudnn.DATA_FLOAT),
                                            ('float64', cudnn.DATA_DOUBLE)])
def test_convolution_descriptor_reads_back(lib, dtype, compute):
    desc = cudnn.convolution_descriptor((1, 2), (2, 1), (1, 3), 4, dtype, cudnn.TENSOR_OP_MATH)
    n, mode, ctype = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    pad, stride, dil = ((ctypes.c_int * 2)() for _ in range(3))
    cudnn.check('get', lib.cudnnGetConvolutionNdDescriptor(
        desc.ptr, 2, ctypes.byref(n), pad, stride, dil, ctypes.byref(mode), ctypes.byref(ctype)))
    assert (n.value, list(pad), list(stride), list(dil)) == (2, [1, 2], [2, 1], [1, 3])
    assert (mode.value, ctype.value) == (cudnn.CROSS_CORRELATION, compute)
    groups, math = ctypes.c_int(), ctypes.c_int()
    cudnn.check('get', lib.cudnnGetConvolutionGroupCount(desc.ptr, ctypes.byref(groups)))
    cudnn.check('get', lib.cudnnGetConvolutionMathType(desc.ptr, ctypes.byref(math)))
    assert (groups.value, math.value) == (4, cudnn.TENSOR_OP_MATH)


@pytest.mark.parametrize('n, c, h, w, o, kh, kw, s, p, d, g', [
    (2, 4, 9, 11, 6, 3, 3, (1, 1), (0, 0), (1, 1), 1),
    (1, 4, 9, 11, 6, 3, 5, (2, 1), (1, 2), (1, 2), 2),
    (3, 8, 7, 7, 8, 3, 3, (2, 2), (1, 1), (2, 2), 8),      # depthwise
    (2, 6, 5, 16, 4, 1, 1, (1, 3), (0, 0), (1, 1), 2),
])
def test_cudnn_output_size_is_fastgrads(lib, n, c, h, w, o, kh, kw, s, p, d, g):
    """The descriptors describe the convolution fastgrad computes: cuDNN's
    output size equals get_conv_outsize (without cover_all) on each axis."""
    x = cudnn.tensor_descriptor((n, c, h, w), 'float32')
    W = cudnn.filter_descriptor((o, c // g, kh, kw), 'float32')
    conv = cudnn.convolution_descriptor(p, s, d, g, 'float32', cudnn.FMA_MATH)
    assert cudnn.forward_output_dim(conv, x, W) == (
        n, o, get_conv_outsize(h, kh, s[0], p[0], False, d[0]),
        get_conv_outsize(w, kw, s[1], p[1], False, d[1]))


@pytest.mark.parametrize('make, call', [
    (lambda: cudnn.convolution_descriptor((1, 1), (1, 1), (1, 1), 0, 'float32', 0),
     'cudnnSetConvolutionGroupCount'),
    (lambda: cudnn.convolution_descriptor((1, 1), (0, 1), (1, 1), 1, 'float32', 0),
     'cudnnSetConvolutionNdDescriptor'),
    (lambda: cudnn.tensor_descriptor((2, -1, 3, 3), 'float32'), 'cudnnSetTensorNdDescriptor'),
])
def test_bad_descriptors_raise_naming_the_call(lib, make, call):
    with pytest.raises(cudnn.CudnnError, match='^{} failed: CUDNN_STATUS_BAD_PARAM'.format(call)):
        make()


def test_mismatched_channels_are_refused_by_cudnn(lib):
    x = cudnn.tensor_descriptor((2, 4, 9, 11), 'float32')
    W = cudnn.filter_descriptor((6, 3, 3, 3), 'float32')
    conv = cudnn.convolution_descriptor((0, 0), (1, 1), (1, 1), 1, 'float32', 0)
    with pytest.raises(cudnn.CudnnError, match='cudnnGetConvolutionNdForwardOutputDim'):
        cudnn.forward_output_dim(conv, x, W)


# -- the ctypes declarations against cuDNN's own header (where a C compiler,
# the header next to the library and CUDA's cuda_runtime_api.h are found)

def _c_arg(t):
    # 1, not 0: a literal 0 is also a null pointer and would pass for one
    if t is ctypes.c_int:
        return '(int)1'
    if t is ctypes.c_size_t:
        return '(size_t)1'
    return '(void *)0'


def _header_check_source():
    lines = ['#include <stddef.h>', '#include <cudnn.h>', 'void check(void) {']
    # every function: its arity, and integer vs pointer for each argument
    for name, argtypes in cudnn._SIGNATURES.items():
        lines.append('    (void){}({});'.format(name, ', '.join(_c_arg(t) for t in argtypes)))
    lines.append('}')
    same = '_Static_assert(__builtin_types_compatible_p({}, {}), "{}");'
    lines += [same.format('__typeof__(cudnnGetVersion())', 'size_t', 'cudnnGetVersion'),
              same.format('__typeof__(cudnnGetErrorString(0))', 'const char *',
                          'cudnnGetErrorString')]
    for name, c_name in [('STATUS_SUCCESS', 'CUDNN_STATUS_SUCCESS'),
                         ('DATA_FLOAT', 'CUDNN_DATA_FLOAT'), ('DATA_DOUBLE', 'CUDNN_DATA_DOUBLE'),
                         ('DATA_HALF', 'CUDNN_DATA_HALF'), ('TENSOR_NCHW', 'CUDNN_TENSOR_NCHW'),
                         ('CROSS_CORRELATION', 'CUDNN_CROSS_CORRELATION'),
                         ('DEFAULT_MATH', 'CUDNN_DEFAULT_MATH'),
                         ('TENSOR_OP_MATH', 'CUDNN_TENSOR_OP_MATH'),
                         ('TENSOR_OP_MATH_ALLOW_CONVERSION',
                          'CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION'),
                         ('FMA_MATH', 'CUDNN_FMA_MATH'), ('DETERMINISTIC', 'CUDNN_DETERMINISTIC')]:
        lines.append('_Static_assert({} == {}, "{}");'.format(c_name, getattr(cudnn, name), name))
    for struct in ('cudnnConvolutionFwdAlgoPerf_t', 'cudnnConvolutionBwdDataAlgoPerf_t',
                   'cudnnConvolutionBwdFilterAlgoPerf_t'):
        lines.append('_Static_assert(sizeof({}) == {}, "{} size");'.format(
            struct, ctypes.sizeof(cudnn._AlgoPerf), struct))
        for field, _ in cudnn._AlgoPerf._fields_:
            lines.append('_Static_assert(offsetof({0}, {1}) == {2}, "{0}.{1}");'.format(
                struct, field, getattr(cudnn._AlgoPerf, field).offset))
    return '\n'.join(lines) + '\n'


def test_declarations_match_cudnns_header(lib, tmp_path):
    import shutil
    import subprocess
    compiler = shutil.which('gcc') or shutil.which('cc')
    path = cudnn.library_path()
    include = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(path))), 'include')
    cuda_include = [os.path.join(d, 'include') for d in
                    (os.environ.get('CUDA_HOME', ''), os.environ.get('CUDA_PATH', ''),
                     '/usr/local/cuda') if d]
    cuda_include = [d for d in cuda_include if os.path.isfile(os.path.join(d,
                                                                            'cuda_runtime_api.h'))]
    if not (compiler and os.path.isfile(os.path.join(include, 'cudnn.h')) and cuda_include):
        pytest.skip('needs a C compiler, cudnn.h next to the library and cuda_runtime_api.h')
    src = tmp_path / 'check.c'
    src.write_text(_header_check_source())
    out = subprocess.run([compiler, '-std=c11', '-c', '-Werror', '-Wno-deprecated-declarations',
                          '-I', include, '-I', cuda_include[0], str(src), '-o',
                          str(tmp_path / 'check.o')],
                         cwd=str(tmp_path), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
