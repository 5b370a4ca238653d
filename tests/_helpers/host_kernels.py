"""CuPy kernel bodies compiled outside CuPy, for tests that have no GPU.

A module keeps its kernels as specs (the strings it gives
``cupy.ElementwiseKernel`` or ``cupy.ReductionKernel``); tests check each body
twice on the CPU machine:

* ``nvcc_compile``: the bodies wrapped the way CuPy wraps them (a grid-stride
  loop for an elementwise kernel; per-thread partial results combined in
  shared memory, then the post-map, for a reduction) compile for sm_90;
* ``HostLibrary``: the same bodies as host C++ (g++, no FP contraction) in
  loops that emulate the launches, called through ctypes on NumPy arrays
  like the CuPy kernels (inputs broadcast, scalars cast to their declared
  type, type placeholders such as ``T`` taken from the arrays' dtypes).

A module whose specs are ``kernel_specs.Elementwise``/``Reduction`` (bn_kernels,
sce_kernels, gpu_kernels) is tested with ``spec_source`` (nvcc),
``HostLibrary.add_spec`` and ``built`` (the module-scoped library fixture),
``HostLibrary.kernel`` and ``use_host_kernels`` (its ``kernel(name)`` on
NumPy arrays), and ``check_specs_declare_what_they_use``.

Test files import it after ``sys.path.insert(0, <this folder>)``: pytest
runs with --import-mode=importlib, which puts no test folder on sys.path.
"""
import contextlib
import ctypes
import os
import re
import shutil
import subprocess
import tempfile

import numpy
import pytest

import fastgrad
from fastgrad.functions._util import kernel_specs
from fastgrad_cuda.tools.compile_check import find_nvcc  # noqa: F401  (re-exported)

C_TYPES = {'bool': 'bool', 'int8': 'signed char', 'int16': 'short', 'int32': 'int',
           'int64': 'long long', 'uint8': 'unsigned char', 'uint16': 'unsigned short',
           'uint32': 'unsigned int', 'uint64': 'unsigned long long',
           'float16': 'float16', 'float32': 'float', 'float64': 'double'}
DTYPES = {c: numpy.dtype(n) for n, c in C_TYPES.items()}        # C type -> dtype

# CuPy's float16 type as nvcc sees it: each operator computes in float, and
# assigning a float rounds to half
DEVICE_FLOAT16 = r'''
#include <cuda_fp16.h>
class float16 {
    __half h_;
public:
    __device__ float16() {}
    __device__ float16(float v) : h_(__float2half_rn(v)) {}
    explicit __device__ float16(double v) : h_(__float2half_rn((float)v)) {}
    __device__ operator float() const { return __half2float(h_); }
    float16& operator=(const float16&) = default;
    template <typename U> __device__ float16& operator=(const U& v) {
        *this = static_cast<float16>(v);
        return *this;
    }
};
__device__ int isnan(float16 x) { return isnan((float)x); }
'''

# the same conversions on the host (g++ 12+ has _Float16 on x86-64 and arm64)
HOST_FLOAT16 = r'''
#include <cmath>
class float16 {
    _Float16 h_;
public:
    float16() {}
    float16(float v) : h_((_Float16)v) {}
    explicit float16(double v) : h_((_Float16)(float)v) {}
    operator float() const { return (float)h_; }
    float16& operator=(const float16&) = default;
    template <typename U> float16& operator=(const U& v) {
        *this = static_cast<float16>(v);
        return *this;
    }
};
inline int isnan(float16 x) { return std::isnan((float)x); }
'''

# <cmath>'s float overloads (sqrt(float) is sqrtf, as in CUDA), CUDA's qualifiers empty
HOST_MATH = r'''
#include <cmath>
#include <cstddef>
#include <algorithm>
using namespace std;
#define __device__
#define __host__
#define __forceinline__ inline
'''

HOST_FLAGS = ('-O1', '-ffp-contract=off', '-fno-fast-math', '-std=c++17', '-shared', '-fPIC')


def parse_params(spec):
    """``[(raw, type, name)]`` of a CuPy parameter list such as ``'raw T x, int32 n'``."""
    out = []
    for item in spec.split(','):
        words = item.split()
        if words:
            out.append((words[0] == 'raw', words[-2], words[-1]))
    return out


def _c(typ):
    return C_TYPES.get(typ, typ)        # type placeholders (T, I) stay names


def _typedefs(typedefs):
    return ''.join('typedef {} {};\n'.format(c, t) for t, c in sorted(typedefs.items()))


def _loads(params, out, arrays, index, host, first=0, ref=True):
    """(declarations, scalars, per-element loads) of the parameters ``params``
    (``out``: outputs, always arrays; else inputs, arrays if named in
    ``arrays``: CuPy decides that per call).  Elements are references
    (``ref`` false: input elements by value, as CuPy's reductions read them).

    Device: arrays by pointer, scalars by value, as CuPy declares them.
    Host: parameter k is ``_a[first + k]``, a pointer to its data (an
    array's elements or a scalar's bytes)."""
    decls, scalars, loads = [], [], []
    const = '' if out else 'const '
    for k, (raw, typ, name) in enumerate(parse_params(params)):
        c = _c(typ)
        if raw or out or name in arrays:
            ptr = name if raw else '_raw_' + name
            if host:
                scalars.append('{k}{c} *{p} = ({k}{c} *)_a[{i}];'.format(
                    k=const, c=c, p=ptr, i=first + k))
            else:
                decls.append('{}{} *{}'.format(const, c, ptr))
            if not raw:
                loads.append('{k}{c} {r}{n} = _raw_{n}[{ix}];'.format(
                    k=const, c=c, r='&' if out or ref else '', n=name, ix=index))
        elif host:
            scalars.append('const {c} {n} = *(const {c} *)_a[{i}];'.format(
                c=c, n=name, i=first + k))
        else:
            decls.append('const {} {}'.format(c, name))
    return decls, scalars, loads


def elementwise_source(sym, in_params, out_params, body, typedefs=None, arrays=(),
                       host=False):
    """C++ of one instance of an ElementwiseKernel body, with the loop index ``i``.

    ``host=False``: a ``__global__`` grid-stride loop; ``host=True``:
    ``extern "C" void sym(void **_a, long long _n)``, the same loop run once
    per element.  Each instance has its own namespace (its typedefs)."""
    n_in = len(parse_params(in_params))
    d_in, s_in, l_in = _loads(in_params, False, set(arrays), 'i', host)
    d_out, s_out, l_out = _loads(out_params, True, (), 'i', host, n_in)
    fmt = dict(sym=sym, defs=_typedefs(typedefs or {}), body=body,
               loads='\n        '.join(l_in + l_out))
    if host:
        return '''
namespace {sym}_ns {{
{defs}extern "C" void {sym}(void **_a, long long _n) {{
    {scalars}
    for (long long i = 0; i < _n; ++i) {{
        {loads}
        {body}
    }}
}}
}}
'''.format(scalars='\n    '.join(s_in + s_out), **fmt)
    return '''
namespace {sym}_ns {{
{defs}__global__ void {sym}({decls}, long long _n) {{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < _n;
         i += (long long)blockDim.x * gridDim.x) {{
        {loads}
        {body}
    }}
}}
}}
'''.format(decls=', '.join(d_in + d_out), **fmt)


def reduction_source(sym, in_params, out_params, map_expr, reduce_expr, post_map_expr,
                     identity, reduce_type, typedefs=None, arrays=(), host=False,
                     preamble=''):
    """C++ of one instance of a ReductionKernel, with CuPy's macros and names
    (``_type_reduce``, ``REDUCE(a, b)``, ``POST_MAP(a)``): the inputs are
    read per reduced element, the outputs written once per output element.

    Host: ``extern "C" void sym(void **_a, long long _nout, long long _nred)``
    on inputs laid out ``(_nout, _nred)`` (the reduced axes last), one
    sequential reduction per output.  Device: each block takes an output,
    its threads' partial results combined pairwise in shared memory."""
    n_in = len(parse_params(in_params))
    d_in, s_in, l_in = _loads(in_params, False, set(arrays), '_k', host, ref=False)
    d_out, s_out, l_out = _loads(out_params, True, (), '_o', host, n_in)
    head = '''namespace {sym}_ns {{
{defs}{preamble}
typedef {rt} _type_reduce;
#define REDUCE(a, b) ({reduce_expr})
#define POST_MAP(a) ({post_map_expr})
'''.format(sym=sym, defs=_typedefs(typedefs or {}), preamble=preamble, rt=reduce_type,
           reduce_expr=reduce_expr, post_map_expr=post_map_expr)
    tail = '#undef REDUCE\n#undef POST_MAP\n}\n'
    fmt = dict(sym=sym, identity=identity, map_expr=map_expr,
               loads='\n            '.join(l_in), out_loads='\n            '.join(l_out))
    if host:
        return head + '''
extern "C" void {sym}(void **_a, long long _nout, long long _nred) {{
    {scalars}
    for (long long _o = 0; _o < _nout; ++_o) {{
        _type_reduce _s = _type_reduce({identity});
        for (long long _j = 0; _j < _nred; ++_j) {{
            const long long _k = _o * _nred + _j;
            {loads}
            _type_reduce _t = static_cast<_type_reduce>({map_expr});
            _s = REDUCE(_s, _t);
        }}
        {{
            {out_loads}
            POST_MAP(_s);
        }}
    }}
}}
'''.format(scalars='\n    '.join(s_in + s_out), **fmt) + tail
    return head + '''
__global__ void {sym}({decls}, long long _nout, long long _nred) {{
    __shared__ char _sdata_raw[256 * sizeof(_type_reduce)];
    _type_reduce *_sdata = reinterpret_cast<_type_reduce *>(_sdata_raw);
    const unsigned int _tid = threadIdx.x;
    for (long long _o = blockIdx.x; _o < _nout; _o += gridDim.x) {{
        _type_reduce _s = _type_reduce({identity});
        for (long long _j = _tid; _j < _nred; _j += blockDim.x) {{
            const long long _k = _o * _nred + _j;
            {loads}
            _type_reduce _t = static_cast<_type_reduce>({map_expr});
            _s = REDUCE(_s, _t);
        }}
        _sdata[_tid] = _s;
        __syncthreads();
        for (unsigned int _half = blockDim.x / 2; _half > 0; _half >>= 1) {{
            if (_tid < _half) {{
                _type_reduce _x = _sdata[_tid], _y = _sdata[_tid + _half];
                _sdata[_tid] = REDUCE(_x, _y);
            }}
            __syncthreads();
        }}
        if (_tid == 0) {{
            _s = _sdata[0];
            {out_loads}
            POST_MAP(_s);
        }}
        __syncthreads();
    }}
}}
'''.format(decls=', '.join(d_in + d_out), **fmt) + tail


def spec_source(sym, spec, typedefs=None, arrays=()):
    """``elementwise_source`` or ``reduction_source`` (device) of a
    ``kernel_specs`` spec."""
    if isinstance(spec, kernel_specs.Elementwise):
        return elementwise_source(sym, *spec, typedefs=typedefs, arrays=arrays)
    return reduction_source(sym, *spec[:7], typedefs=typedefs, arrays=arrays,
                            preamble=spec.preamble)


def inputs_but(spec, scalars):
    """The input parameters of ``spec`` not named in ``scalars``: what an op
    passes as arrays."""
    return [n for _, _, n in parse_params(spec.in_params) if n not in scalars]


def check_specs_declare_what_they_use(specs, types):
    """Every parameter of every spec has a type in ``types`` (placeholders
    included) and is used by the bodies; every output is assigned."""
    for name, spec in specs.items():
        code = ' '.join(spec[2:])
        used = set(re.findall(r'[A-Za-z_]\w*', code))
        for _, typ, n in parse_params(spec.in_params + ',' + spec.out_params):
            assert typ in types and n in used, (name, n)
        for _, _, n in parse_params(spec.out_params):
            assert re.search(r'\b{} = '.format(n), code), (name, n)


def nvcc_compile(source, flags=()):
    """Compile ``source`` (CUDA) for sm_90 into an object file; the
    CompletedProcess (None without nvcc)."""
    nvcc = find_nvcc()
    if nvcc is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'kernels.cu')
        with open(path, 'w') as f:
            f.write(source)
        return subprocess.run([nvcc, '-arch=sm_90', '-c', *flags, path, '-o',
                               os.path.join(tmp, 'kernels.o')],
                              cwd=tmp, capture_output=True, text=True, timeout=300)


def host_compiler():
    return shutil.which('g++') or shutil.which('c++')


class HostLibrary(object):
    """Kernel instances compiled together as host C++ into one shared
    library, then called like the CuPy kernels on NumPy arrays.

    ``add_elementwise`` / ``add_reduction`` add one instance of a spec: its
    type placeholders bound by ``typedefs``, the input parameters named in
    ``arrays`` passed as arrays (the same for every instance of a name; the
    other inputs are scalars, a 0-d array too).  ``build`` compiles;
    ``elementwise(name)`` and ``reduction(name)`` return callables that pick
    the instance from the arrays' dtypes."""

    def __init__(self, prelude):
        self.prelude = prelude
        self.sources = []
        self.specs = {}         # name -> (in_params, out_params, arrays)
        self.kinds = {}         # name -> 'elementwise' or 'reduction'
        self.symbols = {}       # (name, ((placeholder, C type), ...)) -> symbol
        self.lib = None

    def _add(self, name, in_params, out_params, typedefs, arrays):
        typedefs = dict(typedefs or {})
        sym = 'fg_host_{}'.format(len(self.symbols))
        self.symbols[name, tuple(sorted(typedefs.items()))] = sym
        assert self.specs.setdefault(name, (in_params, out_params, set(arrays))) == \
            (in_params, out_params, set(arrays)), name
        return sym, typedefs

    def add_spec(self, name, spec, typedefs=None, arrays=()):
        """Add an instance of a ``kernel_specs`` spec."""
        if isinstance(spec, kernel_specs.Elementwise):
            self.add_elementwise(name, *spec, typedefs=typedefs, arrays=arrays)
        else:
            self.add_reduction(name, *spec[:7], typedefs=typedefs, arrays=arrays,
                               preamble=spec.preamble)

    def add_elementwise(self, name, in_params, out_params, body, typedefs=None, arrays=()):
        sym, typedefs = self._add(name, in_params, out_params, typedefs, arrays)
        self.kinds[name] = 'elementwise'
        self.sources.append(elementwise_source(sym, in_params, out_params, body, typedefs,
                                               arrays, host=True))

    def add_reduction(self, name, in_params, out_params, map_expr, reduce_expr,
                      post_map_expr, identity, reduce_type, typedefs=None, arrays=(),
                      preamble=''):
        sym, typedefs = self._add(name, in_params, out_params, typedefs, arrays)
        self.kinds[name] = 'reduction'
        self.sources.append(reduction_source(
            sym, in_params, out_params, map_expr, reduce_expr, post_map_expr, identity,
            reduce_type, typedefs, arrays, host=True, preamble=preamble))

    def build(self, tmpdir):
        """Compile into ``tmpdir``; the CompletedProcess (the library is loaded
        when it succeeded)."""
        src, lib = os.path.join(tmpdir, 'kernels.cpp'), os.path.join(tmpdir, 'kernels.so')
        with open(src, 'w') as f:
            f.write(self.prelude + ''.join(self.sources))
        proc = subprocess.run([host_compiler(), *HOST_FLAGS, src, '-o', lib], cwd=tmpdir,
                              capture_output=True, text=True, timeout=300)
        if proc.returncode == 0:
            self.lib = ctypes.CDLL(lib)
        return proc

    def _bind(self, name, args):
        """(the instance's function, [(kind, NumPy data)] in parameter order,
        the number of inputs) by CuPy's rules: a placeholder is the dtype of
        the arrays declared with it, a scalar is cast to its parameter's
        type.  kind: 'raw' (a raw array, as is), 'array' (broadcast) or
        'scalar'."""
        in_params, out_params, arrays = self.specs[name]
        n_in = len(parse_params(in_params))
        params = [('raw' if raw else 'array' if k >= n_in or n in arrays else 'scalar', typ)
                  for k, (raw, typ, n) in enumerate(parse_params(in_params + ',' + out_params))]
        assert len(args) == len(params), (name, len(args), len(params))
        typedefs = {}
        for (kind, typ), a in sorted(zip(params, args), key=lambda p: p[0][0] == 'scalar'):
            if typ not in C_TYPES:
                # arrays first: a scalar of a placeholder takes the arrays' type
                dt = typedefs.setdefault(typ, numpy.asarray(a).dtype)
                assert kind == 'scalar' or dt == a.dtype, (name, typ, dt, a.dtype)
        data = []
        for (kind, typ), a in zip(params, args):
            dtype = typedefs.get(typ) or numpy.dtype(typ)
            data.append((kind, numpy.array(a, dtype=dtype) if kind == 'scalar' else a))
        key = (name, tuple(sorted((t, C_TYPES[d.name]) for t, d in typedefs.items())))
        return getattr(self.lib, self.symbols[key]), data, n_in

    def kernel(self, name):
        """``elementwise(name)`` or ``reduction(name)``, after how it was added."""
        return getattr(self, self.kinds[name])(name)

    def elementwise(self, name):
        """``name``'s instances called like a ``cupy.ElementwiseKernel``:
        inputs then outputs (arrays of the broadcast shape, written in place);
        returns the outputs."""
        def call(*args):
            fn, data, n_in = self._bind(name, args)
            shape = numpy.broadcast_shapes(*[a.shape for kind, a in data if kind == 'array'])
            tmp = [numpy.ascontiguousarray(numpy.broadcast_to(a, shape)) if kind == 'array'
                   else numpy.ascontiguousarray(a) for kind, a in data]
            _run(fn, tmp, ctypes.c_longlong(int(numpy.prod(shape))))
            return _write_back(args, tmp, n_in)
        return call

    def reduction(self, name):
        """``name``'s instances called like a ``cupy.ReductionKernel`` with
        every output given: the inputs broadcast and reduced over ``axis``;
        the outputs have the shape left over (``keepdims``: ones in ``axis``)."""
        def call(*args, axis=None, keepdims=False):
            fn, data, n_in = self._bind(name, args)
            shape = numpy.broadcast_shapes(*[a.shape for kind, a in data[:n_in]
                                             if kind == 'array'])
            ndim = len(shape)
            axis = tuple(range(ndim)) if axis is None else tuple(
                sorted(a % ndim for a in ((axis,) if isinstance(axis, int) else axis)))
            kept = tuple(d for d in range(ndim) if d not in axis)
            nout = int(numpy.prod([shape[d] for d in kept]))
            nred = int(numpy.prod([shape[d] for d in axis]))
            out_shape = tuple(1 if d in axis else n for d, n in enumerate(shape)) \
                if keepdims else tuple(shape[d] for d in kept)
            tmp = []
            for k, (kind, a) in enumerate(data):
                if k >= n_in:
                    assert a.shape == out_shape, (name, a.shape, out_shape)
                    tmp.append(numpy.ascontiguousarray(a))
                elif kind == 'array':
                    a = numpy.broadcast_to(a, shape).transpose(kept + axis)
                    tmp.append(numpy.ascontiguousarray(a).reshape(nout, nred))
                else:
                    tmp.append(numpy.ascontiguousarray(a))
            _run(fn, tmp, ctypes.c_longlong(nout), ctypes.c_longlong(nred))
            return _write_back(args, tmp, n_in)
        return call


@contextlib.contextmanager
def built(lib):
    """``lib`` (a HostLibrary) compiled in a temporary folder, removed on
    exit; skips the test without a C++ compiler or, for a float16 prelude,
    without ``_Float16``."""
    if host_compiler() is None:
        pytest.skip('no C++ compiler')
    tmp = tempfile.mkdtemp(prefix='fastgrad_host_kernels_')
    try:
        proc = lib.build(tmp)
        if proc.returncode != 0 and '_Float16' in proc.stderr:
            pytest.skip('the C++ compiler has no _Float16')
        assert proc.returncode == 0, proc.stderr[-4000:]
        yield lib
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def use_host_kernels(monkeypatch, module, lib, switch):
    """Run ``module``'s kernel path (bn_kernels, sce_kernels, ...) on NumPy
    arrays: its ``kernel(name)`` gives ``lib``'s host instances and
    ``enabled`` follows ``fastgrad.config.<switch>``.  Returns the list of
    kernel names launched."""
    calls = []

    def kernel(name):
        calls.append(name)
        return lib.kernel(name)
    monkeypatch.setattr(module, 'kernel', kernel)
    monkeypatch.setattr(module, 'enabled', lambda a: getattr(fastgrad.config, switch))
    return calls


def _run(fn, arrays, *sizes):
    ptrs = (ctypes.c_void_p * max(1, len(arrays)))(*[a.ctypes.data for a in arrays])
    fn(ptrs, *sizes)


def _write_back(args, tmp, n_in):
    # outputs computed in a contiguous copy go back into the caller's arrays
    for a, t in zip(args[n_in:], tmp[n_in:]):
        if a is not t:
            a[...] = t.reshape(a.shape)
    return tuple(args[n_in:])
