"""``chainer.backends.cuda`` (also ``chainer.cuda``): the names Chainer
programs use to move arrays to and from the GPU.  Everything works on a
machine without CuPy except the calls that need a GPU, which raise Chainer's
"CUDA environment is not correctly set up" error."""
import functools
import os

import numpy

from fastgrad import backend
from fastgrad.backend import GpuDevice  # NOQA

try:
    import cupy
    import cupyx  # NOQA
    try:
        available = cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        available = False
    _error = None if available else RuntimeError('no CUDA device found')
except Exception as e:          # ImportError, or a broken CUDA install
    cupy = None
    available = False
    _error = e

if available:
    ndarray = cupy.ndarray
    Device = cupy.cuda.Device
    Event = cupy.cuda.Event
    Stream = cupy.cuda.Stream
    # CuPy 14 has no cuDNN: ``cudnn`` is fastgrad_cuda's ctypes binding, enabled
    # when libcudnn loads (CHAINER_CUDNN=0 turns it off, as in Chainer).  A handle
    # that cannot be created on first use disables it again (functions/_util/conv.py).
    from fastgrad_cuda import cudnn
    cudnn_enabled = os.environ.get('CHAINER_CUDNN', '1') != '0' and cudnn.available()
    if not cudnn_enabled:
        cudnn = None
else:
    class ndarray(object):
        """Placeholder type: isinstance(x, cuda.ndarray) is False everywhere."""

    class _Unavailable(object):
        def __init__(self, *args, **kwargs):
            check_cuda_available()
    Device = Event = Stream = _Unavailable
    cudnn = None
    cudnn_enabled = False


def check_cuda_available():
    """Raise RuntimeError unless CuPy and a CUDA device are usable."""
    if not available:
        msg = ('CUDA environment is not correctly set up\n'
               '(see https://github.com/chainer/chainer#installation).')
        if _error is not None:
            msg += '\n{}: {}'.format(type(_error).__name__, _error)
        raise RuntimeError(msg)


class DummyDeviceType(object):
    """The "device" of CPU arrays: ``use()`` and ``with`` do nothing."""

    id = -1

    def __int__(self):
        return -1

    def __index__(self):
        return -1

    def __bool__(self):
        return False

    def __enter__(self):
        return self

    def __exit__(self, *args):
        pass

    def use(self):
        pass

    def synchronize(self):
        pass

    def __eq__(self, other):
        return isinstance(other, DummyDeviceType)

    def __hash__(self):
        return hash(DummyDeviceType)


DummyDevice = DummyDeviceType()


def get_device_from_id(device_id):
    """``cupy.cuda.Device(device_id)``, or DummyDevice for None."""
    if device_id is None:
        return DummyDevice
    check_cuda_available()
    return Device(int(device_id))


def get_device_from_array(*arrays):
    """The device of the first CuPy array among ``arrays`` (DummyDevice if
    there is none)."""
    for a in arrays:
        a = getattr(a, 'array', a)
        if available and isinstance(a, cupy.ndarray):
            return a.device
    return DummyDevice


def get_array_module(*args):
    """numpy or cupy, by the arrays (or Variables) given."""
    return backend.get_array_module(*args)


def _map(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(_map(fn, v) for v in x)
    if isinstance(x, dict):
        return {k: _map(fn, v) for k, v in x.items()}
    return fn(x)


def to_cpu(array, stream=None):
    """A NumPy copy of a CuPy array (NumPy arrays and scalars pass through;
    lists, tuples and dicts are converted elementwise; None stays None)."""
    def one(a):
        if a is None or isinstance(a, (numpy.ndarray, numpy.generic)):
            return a
        if available and isinstance(a, cupy.ndarray):
            return a.get(stream)
        if numpy.isscalar(a):
            return numpy.asarray(a)
        raise TypeError('to_cpu: the array must be a NumPy or CuPy array, got {}'
                        .format(type(a).__name__))
    return _map(one, array)


def to_gpu(array, device=None, stream=None):
    """A CuPy copy of ``array`` on ``device`` (the current device if None)."""
    check_cuda_available()

    def one(a):
        if a is None:
            return a
        with _device_context(device):
            return cupy.asarray(a)
    return _map(one, array)


def _device_context(device):
    if device is None or isinstance(device, DummyDeviceType):
        return DummyDevice
    if isinstance(device, Device):
        return device
    return Device(int(device))


def copy(array, out=None, out_device=None, stream=None):
    """A copy of a CuPy array, on ``out_device`` or into ``out``."""
    check_cuda_available()
    if out is None:
        with _device_context(out_device if out_device is not None else array.device):
            out = cupy.empty_like(array)
    with _device_context(array.device):
        out[...] = cupy.asarray(array)
    return out


def memoize(for_each_device=False):
    """Cache a function's results (per device with CuPy, as cupy.memoize)."""
    if available:
        return cupy.memoize(for_each_device)
    return functools.lru_cache(maxsize=None)


@memoize()
def elementwise(in_params, out_params, operation, name, **kwargs):
    """A memoized ``cupy.ElementwiseKernel``."""
    check_cuda_available()
    return cupy.ElementwiseKernel(in_params, out_params, operation, name, **kwargs)


@memoize()
def reduce(in_params, out_params, map_expr, reduce_expr, post_map_expr,
           identity, name, **kwargs):
    """A memoized ``cupy.ReductionKernel``."""
    check_cuda_available()
    return cupy.ReductionKernel(in_params, out_params, map_expr, reduce_expr,
                                post_map_expr, identity, name, **kwargs)


@memoize()
def raw(code, name, *args, **kwargs):
    """A memoized ``cupy.RawKernel``."""
    check_cuda_available()
    return cupy.RawKernel(code, name, *args, **kwargs)


def fuse(*args, **kwargs):
    """``cupy.fuse`` with CuPy; without it the plain function (which then
    runs on NumPy arrays), as in Chainer."""
    if available:
        return cupy.fuse(*args, **kwargs)
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]
    return lambda f: f


_SHOULD_USE_CUDNN = {'==always': ('always',), '>=auto': ('always', 'auto')}
_TENSOR_CORE = {'always': True, 'auto': None, 'never': False}


def should_use_cudnn(level, lowest_version=0):
    """Whether cuDNN is used at ``config.use_cudnn`` level ``level`` (Chainer's
    semantics: ``'==always'`` needs the config to be ``'always'``, ``'>=auto'``
    ``'always'`` or ``'auto'``); always False without cuDNN or below
    ``lowest_version``."""
    if level not in _SHOULD_USE_CUDNN:
        raise ValueError("should_use_cudnn: level must be '==always' or '>=auto', "
                         'got {!r}'.format(level))
    from fastgrad import configuration
    setting = configuration.config.use_cudnn
    if setting not in ('always', 'auto', 'never'):
        raise ValueError("invalid use_cudnn configuration: {!r} (must be 'always', 'auto' "
                         "or 'never')".format(setting))
    if not cudnn_enabled or (lowest_version and cudnn.get_version() < lowest_version):
        return False
    return setting in _SHOULD_USE_CUDNN[level]


def should_use_cudnn_tensor_core(dtype):
    """Whether cuDNN may use tensor cores for ``dtype`` (``config.use_cudnn_tensor_core``:
    ``'always'``, ``'never'``, or ``'auto'``: for float16 on sm_70 and newer, as in
    Chainer).  ``'always'`` lets float32 convolutions run in TF32 on sm_80+."""
    from fastgrad import configuration
    setting = configuration.config.use_cudnn_tensor_core
    if setting not in _TENSOR_CORE:
        raise ValueError("invalid use_cudnn_tensor_core configuration: {!r} (must be "
                         "'always', 'auto' or 'never')".format(setting))
    flag = _TENSOR_CORE[setting]
    if flag is None:
        if numpy.dtype(dtype) != numpy.float16 or not available:
            return False
        return int(cupy.cuda.Device().compute_capability) >= 70
    return flag


_max_workspace_size = 8 * 1024 * 1024


def set_max_workspace_size(size):
    global _max_workspace_size
    _max_workspace_size = int(size)


def get_max_workspace_size():
    return _max_workspace_size
