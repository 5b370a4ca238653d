"""cuDNN convolutions through ctypes (cuDNN 9's legacy C API; cuDNN 8 has it too).

CuPy 14 dropped its cuDNN bindings, so this module loads libcudnn itself and
calls the handful of functions a 2-D convolution needs: tensor, filter and
convolution descriptors, the ``_v7`` algorithm heuristics, the workspace
sizes, and ``cudnnConvolutionForward`` / ``BackwardData`` / ``BackwardFilter``.

* The library is found in this order: the ``FASTGRAD_CUDNN_LIBRARY``
  environment variable (a path: only that file is tried), the lib folder of
  the ``nvidia.cudnn`` pip package (the nvidia-cudnn-cu12/cu13 wheels, which
  PyTorch's CUDA wheels install too), ``ctypes.util.find_library('cudnn')``,
  then ``libcudnn.so.9`` and ``libcudnn.so.8`` by name.  It is loaded on first
  use and never downloaded.
* A handle is created once per device and kept; every call first points it at
  CuPy's current stream, and its workspace comes from CuPy's memory pool, so
  the calls neither sync the host nor allocate outside the pool (a CUDA-graph
  capture of the step records them).
* Descriptors, the chosen algorithm and its workspace size are planned once
  per call signature and cached.
* Errors raise :class:`CudnnError`, naming the call and cuDNN's error string.

Enum values are those of cuDNN 9.24's headers (cudnn_graph.h, cudnn_ops.h,
cudnn_cnn.h); the ones used here have not changed since cuDNN 7.
This module imports nothing of fastgrad, and CuPy only inside the functions
that run on the GPU.
"""
import collections
import ctypes
import ctypes.util
import importlib.util
import os
import threading

ENV_LIBRARY = 'FASTGRAD_CUDNN_LIBRARY'

STATUS_SUCCESS = 0
DATA_FLOAT, DATA_DOUBLE, DATA_HALF = 0, 1, 2           # cudnnDataType_t
TENSOR_NCHW = 0                                         # cudnnTensorFormat_t
CROSS_CORRELATION = 1                                   # cudnnConvolutionMode_t
DEFAULT_MATH, TENSOR_OP_MATH, TENSOR_OP_MATH_ALLOW_CONVERSION, FMA_MATH = 0, 1, 2, 3
DETERMINISTIC = 1                                       # cudnnDeterminism_t

_DATA_TYPES = {'float16': DATA_HALF, 'float32': DATA_FLOAT, 'float64': DATA_DOUBLE}
_MAX_ALGOS = 16          # more than any of the three algorithm enums holds
_PLAN_CACHE_SIZE = 256

_c_int_p = ctypes.POINTER(ctypes.c_int)
_vp = ctypes.c_void_p


class CudnnError(RuntimeError):
    """A cuDNN call failed: ``call`` is its name, ``status`` cuDNN's status code."""

    def __init__(self, call, status, message):
        self.call = call
        self.status = status
        super().__init__('{} failed: {} ({})'.format(call, message, status))


class _AlgoPerf(ctypes.Structure):
    # cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t share this layout
    _fields_ = [('algo', ctypes.c_int), ('status', ctypes.c_int), ('time', ctypes.c_float),
                ('memory', ctypes.c_size_t), ('determinism', ctypes.c_int),
                ('mathType', ctypes.c_int), ('reserved', ctypes.c_int * 3)]


# name -> argtypes (restype is cudnnStatus_t, an int, unless listed in _RESTYPES)
_SIGNATURES = {
    'cudnnGetVersion': [],
    'cudnnGetErrorString': [ctypes.c_int],
    'cudnnCreate': [ctypes.POINTER(_vp)],
    'cudnnDestroy': [_vp],
    'cudnnSetStream': [_vp, _vp],
    'cudnnCreateTensorDescriptor': [ctypes.POINTER(_vp)],
    'cudnnSetTensorNdDescriptor': [_vp, ctypes.c_int, ctypes.c_int, _c_int_p, _c_int_p],
    'cudnnGetTensorNdDescriptor': [_vp, ctypes.c_int, _c_int_p, _c_int_p, _c_int_p, _c_int_p],
    'cudnnDestroyTensorDescriptor': [_vp],
    'cudnnCreateFilterDescriptor': [ctypes.POINTER(_vp)],
    'cudnnSetFilterNdDescriptor': [_vp, ctypes.c_int, ctypes.c_int, ctypes.c_int, _c_int_p],
    'cudnnGetFilterNdDescriptor': [_vp, ctypes.c_int, _c_int_p, _c_int_p, _c_int_p, _c_int_p],
    'cudnnDestroyFilterDescriptor': [_vp],
    'cudnnCreateConvolutionDescriptor': [ctypes.POINTER(_vp)],
    'cudnnSetConvolutionNdDescriptor': [_vp, ctypes.c_int, _c_int_p, _c_int_p, _c_int_p,
                                        ctypes.c_int, ctypes.c_int],
    'cudnnGetConvolutionNdDescriptor': [_vp, ctypes.c_int, _c_int_p, _c_int_p, _c_int_p,
                                        _c_int_p, _c_int_p, _c_int_p],
    'cudnnSetConvolutionGroupCount': [_vp, ctypes.c_int],
    'cudnnGetConvolutionGroupCount': [_vp, _c_int_p],
    'cudnnSetConvolutionMathType': [_vp, ctypes.c_int],
    'cudnnGetConvolutionMathType': [_vp, _c_int_p],
    'cudnnGetConvolutionNdForwardOutputDim': [_vp, _vp, _vp, ctypes.c_int, _c_int_p],
    'cudnnDestroyConvolutionDescriptor': [_vp],
    'cudnnGetConvolutionForwardAlgorithm_v7': [_vp, _vp, _vp, _vp, _vp, ctypes.c_int, _c_int_p,
                                               ctypes.POINTER(_AlgoPerf)],
    'cudnnGetConvolutionBackwardDataAlgorithm_v7': [_vp, _vp, _vp, _vp, _vp, ctypes.c_int,
                                                    _c_int_p, ctypes.POINTER(_AlgoPerf)],
    'cudnnGetConvolutionBackwardFilterAlgorithm_v7': [_vp, _vp, _vp, _vp, _vp, ctypes.c_int,
                                                      _c_int_p, ctypes.POINTER(_AlgoPerf)],
    'cudnnGetConvolutionForwardWorkspaceSize': [_vp, _vp, _vp, _vp, _vp, ctypes.c_int,
                                                ctypes.POINTER(ctypes.c_size_t)],
    'cudnnGetConvolutionBackwardDataWorkspaceSize': [_vp, _vp, _vp, _vp, _vp, ctypes.c_int,
                                                     ctypes.POINTER(ctypes.c_size_t)],
    'cudnnGetConvolutionBackwardFilterWorkspaceSize': [_vp, _vp, _vp, _vp, _vp, ctypes.c_int,
                                                       ctypes.POINTER(ctypes.c_size_t)],
    # (handle, alpha, aDesc, a, bDesc, b, convDesc, algo, ws, wsSize, beta, outDesc, out)
    'cudnnConvolutionForward': [_vp, _vp, _vp, _vp, _vp, _vp, _vp, ctypes.c_int, _vp,
                                ctypes.c_size_t, _vp, _vp, _vp],
    'cudnnConvolutionBackwardData': [_vp, _vp, _vp, _vp, _vp, _vp, _vp, ctypes.c_int, _vp,
                                     ctypes.c_size_t, _vp, _vp, _vp],
    'cudnnConvolutionBackwardFilter': [_vp, _vp, _vp, _vp, _vp, _vp, _vp, ctypes.c_int, _vp,
                                       ctypes.c_size_t, _vp, _vp, _vp],
}
_RESTYPES = {'cudnnGetVersion': ctypes.c_size_t, 'cudnnGetErrorString': ctypes.c_char_p}

_lock = threading.RLock()
_lib = None
_lib_path = None
_load_error = None
_handles = {}                           # device id -> cudnnHandle_t
_plans = collections.OrderedDict()      # call signature -> _Plan (LRU)


# -- finding and loading the library

def _pip_package_dirs():
    """The lib folders of the ``nvidia.cudnn`` pip package (without importing it)."""
    try:
        spec = importlib.util.find_spec('nvidia.cudnn')
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    return [os.path.join(d, 'lib') for d in (spec.submodule_search_locations or [])]


def candidates():
    """Where the library is looked for, in order: ``(source, name or path)`` pairs
    (a generator: ``find_library`` runs only when the ones before it failed)."""
    env = os.environ.get(ENV_LIBRARY)
    if env:
        yield ENV_LIBRARY, env
        return
    for d in _pip_package_dirs():
        for name in ('libcudnn.so.9', 'libcudnn.so.8'):
            path = os.path.join(d, name)
            if os.path.isfile(path):
                yield 'nvidia.cudnn', path
    name = ctypes.util.find_library('cudnn')
    if name:
        yield 'find_library', name
    yield 'soname', 'libcudnn.so.9'
    yield 'soname', 'libcudnn.so.8'


def _bind(lib):
    for name, argtypes in _SIGNATURES.items():
        fn = getattr(lib, name)        # AttributeError: not a usable libcudnn
        fn.argtypes = argtypes
        fn.restype = _RESTYPES.get(name, ctypes.c_int)


def load():
    """The loaded library (a ctypes.CDLL), loading it on first call; raises
    OSError saying what was tried when none loads."""
    global _lib, _lib_path, _load_error
    with _lock:
        if _lib is not None:
            return _lib
        if _load_error is not None:
            raise OSError(_load_error)
        tried = []
        for source, name in candidates():
            try:
                lib = ctypes.CDLL(name)
                _bind(lib)
                if lib.cudnnGetVersion() < 8000:
                    raise OSError('cuDNN {} is older than 8.0'.format(lib.cudnnGetVersion()))
            except (OSError, AttributeError) as e:
                tried.append('{} ({}): {}'.format(name, source, e))
                continue
            _lib, _lib_path = lib, name
            return lib
        _load_error = 'no usable cuDNN library found; tried ' + '; '.join(tried)
        raise OSError(_load_error)


def available():
    """True when a cuDNN library (8.0 or newer) loads.  No GPU is touched."""
    try:
        load()
    except OSError:
        return False
    return True


def load_error():
    """Why the library did not load (None when it did, or before the first try)."""
    return _load_error


def library_path():
    """The name or path the library was loaded from (None before it is loaded)."""
    return _lib_path


def _reset_for_tests():
    """Forget the loaded library and the load error (for discovery tests only;
    handles and plans stay, as they belong to the library already loaded)."""
    global _lib, _lib_path, _load_error
    with _lock:
        _lib = _lib_path = _load_error = None


def get_version():
    """cuDNN's version as an int, ``major * 10000 + minor * 100 + patch`` (cuDNN 9)."""
    return int(load().cudnnGetVersion())


def get_error_string(status):
    """cuDNN's name for a status code, e.g. ``'CUDNN_STATUS_BAD_PARAM'``."""
    return load().cudnnGetErrorString(int(status)).decode('ascii', 'replace')


def check(call, status):
    """Raise CudnnError unless ``status`` (returned by ``call``) is success."""
    if status != STATUS_SUCCESS:
        raise CudnnError(call, status, get_error_string(status))


def _call(name, *args):
    check(name, getattr(load(), name)(*args))


def data_type(dtype):
    """cuDNN's data type for a NumPy/CuPy dtype (float16, float32, float64)."""
    name = getattr(dtype, 'name', str(dtype))
    try:
        return _DATA_TYPES[name]
    except KeyError:
        raise TypeError('fastgrad_cuda.cudnn: dtype must be float16, float32 or float64, '
                        'got {}'.format(name)) from None


def _ints(values):
    values = [int(v) for v in values]
    return (ctypes.c_int * len(values))(*values)


# -- descriptors (plain host objects: no GPU needed)

class Descriptor(object):
    """An owned cuDNN descriptor (``ptr``), destroyed with the object."""

    def __init__(self, kind):
        self.kind = kind
        self.ptr = _vp()
        _call('cudnnCreate{}Descriptor'.format(kind), ctypes.byref(self.ptr))

    def __del__(self):
        ptr, self.ptr = getattr(self, 'ptr', None), None
        if ptr and _lib is not None:
            getattr(_lib, 'cudnnDestroy{}Descriptor'.format(self.kind))(ptr)


def tensor_descriptor(shape, dtype):
    """A packed NCHW (C-contiguous) tensor descriptor of ``shape``."""
    desc = Descriptor('Tensor')
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= int(size)
    _call('cudnnSetTensorNdDescriptor', desc.ptr, data_type(dtype), len(shape), _ints(shape),
          _ints(reversed(strides)))
    return desc


def filter_descriptor(shape, dtype):
    """A KCRS (NCHW) filter descriptor of ``shape`` ``(out, in / groups, kh, kw)``."""
    desc = Descriptor('Filter')
    _call('cudnnSetFilterNdDescriptor', desc.ptr, data_type(dtype), TENSOR_NCHW, len(shape),
          _ints(shape))
    return desc


def compute_type(dtype):
    # float16 data is accumulated in float32 (cuDNN's "pseudo half" configuration)
    return DATA_DOUBLE if data_type(dtype) == DATA_DOUBLE else DATA_FLOAT


def convolution_descriptor(pad, stride, dilation, groups, dtype, math_type):
    """A cross-correlation descriptor (Chainer's convolution is one)."""
    desc = Descriptor('Convolution')
    _call('cudnnSetConvolutionNdDescriptor', desc.ptr, len(pad), _ints(pad), _ints(stride),
          _ints(dilation), CROSS_CORRELATION, compute_type(dtype))
    _call('cudnnSetConvolutionGroupCount', desc.ptr, int(groups))
    _call('cudnnSetConvolutionMathType', desc.ptr, int(math_type))
    return desc


def forward_output_dim(conv, x, w, ndim=4):
    """The output shape cuDNN computes for ``conv`` on descriptors ``x`` and ``w``."""
    out = (ctypes.c_int * ndim)()
    _call('cudnnGetConvolutionNdForwardOutputDim', conv.ptr, x.ptr, w.ptr, ndim, out)
    return tuple(out)


# -- handles (one per device) and planned calls

def get_handle():
    """The cuDNN handle of CuPy's current device, created on first use."""
    import cupy
    device = cupy.cuda.runtime.getDevice()
    with _lock:
        handle = _handles.get(device)
        if handle is None:
            handle = _vp()
            _call('cudnnCreate', ctypes.byref(handle))
            _handles[device] = handle
    return handle


_KINDS = {
    # kind: (heuristics, workspace size, run); the descriptor order is
    # forward (x, W, y), backward_data (W, gy, gx), backward_filter (x, gy, gW)
    'forward': ('cudnnGetConvolutionForwardAlgorithm_v7',
                'cudnnGetConvolutionForwardWorkspaceSize', 'cudnnConvolutionForward'),
    'backward_data': ('cudnnGetConvolutionBackwardDataAlgorithm_v7',
                      'cudnnGetConvolutionBackwardDataWorkspaceSize',
                      'cudnnConvolutionBackwardData'),
    'backward_filter': ('cudnnGetConvolutionBackwardFilterAlgorithm_v7',
                        'cudnnGetConvolutionBackwardFilterWorkspaceSize',
                        'cudnnConvolutionBackwardFilter'),
}


def pick_algorithm(perfs, deterministic, tensor_core, max_workspace):
    """The first (best by cuDNN's heuristics) usable entry of ``perfs``, or None:
    it succeeded, is deterministic when asked, uses no tensor cores unless
    allowed, and fits in ``max_workspace`` bytes."""
    for p in perfs:
        if p.status != STATUS_SUCCESS or p.memory > max_workspace:
            continue
        if deterministic and p.determinism != DETERMINISTIC:
            continue
        if not tensor_core and p.mathType in (TENSOR_OP_MATH, TENSOR_OP_MATH_ALLOW_CONVERSION):
            continue
        return p
    return None


class _Plan(object):
    """Descriptors, algorithm and workspace size of one call signature."""

    def __init__(self, kind, handle, a_shape, b_shape, out_shape, dtype, pad, stride,
                 dilation, groups, deterministic, tensor_core, max_workspace):
        heuristics, ws_size, self.run = _KINDS[kind]
        self.kind = kind
        self.double = data_type(dtype) == DATA_DOUBLE
        w_index = {'forward': 1, 'backward_data': 0, 'backward_filter': 2}[kind]
        self.descs = [filter_descriptor(s, dtype) if i == w_index else tensor_descriptor(s, dtype)
                      for i, s in enumerate((a_shape, b_shape, out_shape))]
        math_type = TENSOR_OP_MATH if tensor_core else FMA_MATH
        self.conv = convolution_descriptor(pad, stride, dilation, groups, dtype, math_type)
        perfs = (_AlgoPerf * _MAX_ALGOS)()
        count = ctypes.c_int()
        a, b, o = (d.ptr for d in self.descs)
        _call(heuristics, handle, a, b, self.conv.ptr, o, _MAX_ALGOS, ctypes.byref(count), perfs)
        best = pick_algorithm(perfs[:count.value], deterministic, tensor_core, max_workspace)
        self.algo = None if best is None else best.algo
        self.workspace = 0
        if best is None:
            return
        if best.mathType != math_type:
            # the heuristics may pick an algorithm of another (allowed) math type;
            # the descriptor must then carry it
            _call('cudnnSetConvolutionMathType', self.conv.ptr, best.mathType)
        size = ctypes.c_size_t()
        _call(ws_size, handle, a, b, self.conv.ptr, o, self.algo, ctypes.byref(size))
        self.workspace = size.value


def _plan(kind, handle, *key):
    device_key = (kind, handle.value) + key
    with _lock:
        plan = _plans.get(device_key)
        if plan is not None:
            _plans.move_to_end(device_key)
            return plan
        plan = _Plan(kind, handle, *key)
        _plans[device_key] = plan
        if len(_plans) > _PLAN_CACHE_SIZE:
            _plans.popitem(last=False)
        return plan


def _convolve(kind, a, b, out_shape, pad, stride, dilation, groups, deterministic,
              tensor_core, max_workspace):
    import cupy
    if a.dtype != b.dtype:
        raise TypeError('fastgrad_cuda.cudnn.{}: both operands must have one dtype, got {} and '
                        '{}'.format(kind, a.dtype, b.dtype))
    handle = get_handle()
    key = (tuple(a.shape), tuple(b.shape), tuple(out_shape), a.dtype.name, tuple(pad),
           tuple(stride), tuple(dilation), int(groups), bool(deterministic), bool(tensor_core),
           int(max_workspace))
    plan = _plan(kind, handle, *key)
    if plan.algo is None:
        return None
    a = cupy.ascontiguousarray(a)
    b = cupy.ascontiguousarray(b)
    out = cupy.empty(out_shape, dtype=a.dtype)
    # the workspace comes from CuPy's pool, ordered on the current stream
    ws = cupy.empty((plan.workspace,), dtype=cupy.uint8) if plan.workspace else None
    scale = ctypes.c_double if plan.double else ctypes.c_float
    one, zero = scale(1), scale(0)
    da, db, do = (d.ptr for d in plan.descs)
    with _lock:     # a handle is not thread-safe: its stream is set per call
        _call('cudnnSetStream', handle, cupy.cuda.get_current_stream().ptr)
        _call(plan.run, handle, ctypes.byref(one), da, a.data.ptr, db, b.data.ptr,
              plan.conv.ptr, plan.algo, None if ws is None else ws.data.ptr, plan.workspace,
              ctypes.byref(zero), do, out.data.ptr)
    return out


def convolution_forward(x, W, pad, stride, dilation, groups, deterministic=False,
                        tensor_core=False, max_workspace=8 << 20):
    """``y = conv(x, W)`` (cross-correlation, NCHW) for CuPy arrays on the current
    stream; None when cuDNN has no algorithm for it within the limits."""
    n = x.shape[0]
    out_c = W.shape[0]
    spatial = [(size + 2 * p - ((k - 1) * d + 1)) // s + 1 for size, k, p, s, d in
               zip(x.shape[2:], W.shape[2:], pad, stride, dilation)]
    return _convolve('forward', x, W, (n, out_c) + tuple(spatial), pad, stride, dilation,
                     groups, deterministic, tensor_core, max_workspace)


def convolution_backward_data(W, gy, x_shape, pad, stride, dilation, groups,
                              deterministic=False, tensor_core=False, max_workspace=8 << 20):
    """``gx`` of ``y = conv(x, W)`` with ``x`` of ``x_shape`` (the adjoint of the
    forward: deconvolution); None when cuDNN has no algorithm for it."""
    return _convolve('backward_data', W, gy, tuple(x_shape), pad, stride, dilation, groups,
                     deterministic, tensor_core, max_workspace)


def convolution_backward_filter(x, gy, W_shape, pad, stride, dilation, groups,
                                deterministic=False, tensor_core=False, max_workspace=8 << 20):
    """``gW`` of ``y = conv(x, W)`` with ``W`` of ``W_shape``; None when cuDNN has
    no algorithm for it."""
    return _convolve('backward_filter', x, gy, tuple(W_shape), pad, stride, dilation, groups,
                     deterministic, tensor_core, max_workspace)
