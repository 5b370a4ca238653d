"""Thread-local configuration with a global fallback, as in Chainer.

``config`` is one ``threading.local`` instance.  Global values live as *class
attributes* of its type, so a plain attribute read (``config.enable_backprop``)
finds a thread-local override in the instance dict first and falls back to the
global value through normal class lookup -- no Python-level ``__getattr__`` on
the per-op hot path.
"""
import contextlib
import os
import threading

import numpy

# How many threads hold a thread-local ``debug`` override that is true.  The
# engine's C flag is on while this is positive or the global value is true;
# with it on, the engine reads the current thread's ``config.debug``.  A thread
# that ends inside ``using_config('debug', True)`` leaves the count up: the
# flag then stays on, which costs a check per op but never a wrong answer.
_local_debug_count = 0
_local_debug_lock = threading.Lock()


def _local_debug_changed(old, new):
    global _local_debug_count
    if bool(old) == bool(new):
        return
    with _local_debug_lock:
        _local_debug_count += 1 if new else -1
    _sync_debug()


def _sync_debug():
    import sys
    graph = sys.modules.get('fastgrad._core.graph')
    if graph is not None:        # else fastgrad/__init__.py syncs once it is loaded
        graph._set_debug_nan(bool(global_config.debug) or _local_debug_count > 0)


class _LocalConfigBase(threading.local):
    """The thread-local half of a configuration; its class holds the global
    values (one class per configuration, see :class:`GlobalConfig`)."""

    def show(self, file=None):
        """Print all entries (thread-local overrides included), sorted by name."""
        _show(self, sorted(set(_global_keys(type(self))) | set(self.__dict__)), file)

    def __repr__(self):
        return '<fastgrad LocalConfig (thread-local)>'


class _LocalConfig(_LocalConfigBase):
    """``fastgrad.config``: the configuration as this thread sees it.

    Reading an entry gives this thread's value if it set one (directly or with
    :func:`using_config`), else ``global_config``'s.

    >>> fastgrad.config.train
    True
    >>> with fastgrad.using_config('train', False):
    ...     fastgrad.config.train
    False
    """

    def __setattr__(self, name, value):
        if name == 'debug':
            _local_debug_changed(self.__dict__.get('debug', False), value)
        super().__setattr__(name, value)

    def __delattr__(self, name):
        if name == 'debug':
            _local_debug_changed(self.__dict__.get('debug', False), False)
        super().__delattr__(name)

    def __repr__(self):
        return '<fastgrad.config (thread-local)>'


def _global_keys(cls):
    return [k for k, v in vars(cls).items() if not k.startswith('_') and not callable(v)]


def _show(config, keys, file):
    import sys
    file = sys.stdout if file is None else file
    width = max((len(k) for k in keys), default=0)
    for key in keys:
        file.write('{:<{}} {}\n'.format(key, width, getattr(config, key)))


class GlobalConfig(object):
    """The global half of a configuration: entries every thread sees.

    ``fastgrad.global_config`` is the library's; ``GlobalConfig()`` makes a
    new, empty one, and :class:`LocalConfig` its thread-local view, as in
    Chainer.  Writes go to the class of the thread-local view, so that reading
    ``config.x`` finds a thread's own value first and the global one by
    ordinary class lookup, with no Python-level ``__getattr__``.

    >>> fastgrad.global_config.train
    True
    >>> with fastgrad.using_config('train', False):   # this thread only
    ...     print(fastgrad.config.train, fastgrad.global_config.train)
    False True
    """

    # No instance __dict__: the entries live on the thread-local class, and a
    # tool that saves and restores ``target.__dict__[name]`` (pytest 9.2's
    # monkeypatch) would otherwise find nothing there and delete the entry
    # when it undoes a patch.
    __slots__ = ('_local_class',)

    def __init__(self, _local_class=None):
        if _local_class is None:
            _local_class = type('LocalConfig', (_LocalConfigBase,), {})
        object.__setattr__(self, '_local_class', _local_class)

    def __getattr__(self, name):
        if name.startswith('__'):
            # special names (__dict__, __deepcopy__, ...) are not entries
            raise AttributeError(name)
        try:
            return vars(self._local_class)[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        setattr(self._local_class, name, value)
        if name == 'debug' and self._local_class is _LocalConfig:
            _sync_debug()

    def __delattr__(self, name):
        delattr(self._local_class, name)

    def show(self, file=None):
        """Print the global entries, sorted by name."""
        _show(self, sorted(_global_keys(self._local_class)), file)

    def __repr__(self):
        if self._local_class is _LocalConfig:
            return '<fastgrad.global_config>'
        return '<fastgrad GlobalConfig>'


class LocalConfig(object):
    """``LocalConfig(global_config)``: the thread-local view of a
    :class:`GlobalConfig` (Chainer's constructor; the object returned is an
    instance of that configuration's own thread-local class).

    >>> g = fastgrad.configuration.GlobalConfig()
    >>> g.x = 'global'
    >>> c = fastgrad.configuration.LocalConfig(g)
    >>> with fastgrad.using_config('x', 'local', c):
    ...     print(c.x, g.x)
    local global
    >>> c.x
    'global'
    """

    def __new__(cls, global_config):
        if not isinstance(global_config, GlobalConfig):
            raise TypeError('LocalConfig: expected a GlobalConfig, got {}'
                            .format(type(global_config).__name__))
        return global_config._local_class()


def _env_flag(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value not in ('', '0', 'false', 'False')


class _Mixed16(object):
    """The dtype-like ``mixed16``: float16 parameters and activations, with
    float32 where precision matters (normalization statistics, loss scaling).
    ``numpy.dtype(mixed16)`` is float16.

    >>> fastgrad.mixed16, np.dtype(fastgrad.mixed16)
    (dtype('mixed16'), dtype('float16'))
    >>> with fastgrad.using_config('dtype', fastgrad.mixed16):
    ...     print(fastgrad.get_dtype(), fastgrad.get_dtype(map_mixed16=np.float32))
    float16 float32
    """

    dtype = numpy.dtype(numpy.float16)

    def __repr__(self):
        return "dtype('mixed16')"


mixed16 = _Mixed16()


def _dtype_from_env():
    name = os.environ.get('CHAINER_DTYPE', 'float32')
    if name in ('float16', 'float32', 'float64'):
        return numpy.dtype(name)
    if name == 'mixed16':
        return mixed16
    raise TypeError('incorrect dtype name in CHAINER_DTYPE: "{}". Expected '
                    'float16, float32, float64 or mixed16.'.format(name))


global_config = GlobalConfig(_LocalConfig)
config = _LocalConfig()

global_config.debug = _env_flag('CHAINER_DEBUG', False)
global_config.enable_backprop = True
global_config.train = True
global_config.type_check = _env_flag('CHAINER_TYPE_CHECK', True)
global_config.dtype = _dtype_from_env()
global_config.lazy_grad_sum = _env_flag('CHAINER_LAZY_GRAD_SUM', False)
global_config.keep_graph_on_report = False
# cuDNN (fastgrad_cuda/cudnn.py, through ctypes) runs the 2-D convolutions of CuPy
# arrays where libcudnn loads and a handle is created; elsewhere 'auto' and 'always'
# fall back to im2col + GEMM, as Chainer does without cuDNN.
global_config.use_cudnn = os.environ.get('CHAINER_USE_CUDNN', 'auto')
global_config.use_cudnn_tensor_core = 'auto'
global_config.cudnn_deterministic = False
global_config.autotune = False
global_config.use_ideep = 'never'
global_config.use_static_graph = True
global_config.schedule_func = None
global_config.in_recomputing = False
global_config.warn_nondeterministic = False
# fastgrad's own: route CuPy linear layers to cuBLAS (cupy.matmul) instead of
# fastgrad_cuda's kernels.
global_config.linear_use_cublas = False
# fastgrad's own: float32 CuPy linear layers on fastgrad_cuda's TF32 tensor-core kernel
# (mma.sync, sm_80+; operands rounded to TF32, ~1e-3 relative error), like cuBLAS's
# TF32 mode; off by default.  Below sm_80 the float32 kernel runs regardless.
global_config.linear_allow_tf32 = False
# fastgrad's own: float64 CuPy linear layers on fastgrad_cuda's FP64 tensor-core kernel
# (mma.sync, full precision, 2.2x the CUDA-core kernel on an H100).  None (the default)
# means on for sm_90+, where it has been validated on a device, for products of at
# least 2**30 multiply-adds (smaller ones were measured on the CUDA-core kernel), and
# off for sm_80-89, where it has not run yet; True forces it on for sm_80+; False keeps
# the CUDA-core kernel.  Below sm_80 the CUDA-core kernel runs regardless.
global_config.linear_fp64_mma = None
# fastgrad's own: on CuPy, an elementwise op's backward runs as one kernel generated
# from its gradient (functions/_util/fused.py); FASTGRAD_FUSE_ELEMENTWISE=0 turns it off.
global_config.fuse_elementwise_grads = _env_flag('FASTGRAD_FUSE_ELEMENTWISE', True)
# fastgrad's own: on CuPy, 2-D max pooling (forward, backward, double backward) and
# 2-D col2im (convolution's gx) run as one kernel each (functions/_util/gpu_kernels.py),
# and a 2-D convolution's forward, gW and gx are one whole-batch GEMM each, between
# one-kernel im2col/col2im (functions/_util/conv.py gemm_conv_*);
# FASTGRAD_GPU_POOLING_KERNELS=0 turns them off (the generic per-offset loops and
# per-sample GEMMs).
global_config.gpu_pooling_kernels = _env_flag('FASTGRAD_GPU_POOLING_KERNELS', True)
# fastgrad's own: on CuPy, batch normalization in training mode runs as three kernels
# forward and two backward, fixed_batch_normalization as one (functions/_util/bn_kernels.py);
# FASTGRAD_GPU_BATCH_NORM_KERNELS=0 turns them off (one CuPy call per NumPy operation).
global_config.gpu_batch_norm_kernels = _env_flag('FASTGRAD_GPU_BATCH_NORM_KERNELS', True)
# fastgrad's own: on NumPy, batch normalization (training and fixed) and group
# normalization run as compiled loops of one or two passes (functions/_util/norm_cpu.py,
# _core/norm.pyx) for float32/float64 arrays of one dtype; FASTGRAD_CPU_NORM_KERNELS=0
# turns them off (the NumPy ops).
global_config.cpu_norm_kernels = _env_flag('FASTGRAD_CPU_NORM_KERNELS', True)
# fastgrad's own: on CuPy, SGD, MomentumSGD and AdaGrad update the float32/float64
# parameters of one device and hyperparameters with one kernel launch per up to 48
# parameters instead of one each (optimizers/_multi_tensor.py);
# FASTGRAD_GPU_MULTI_TENSOR_UPDATE=0 turns it off.
global_config.gpu_multi_tensor_update = _env_flag('FASTGRAD_GPU_MULTI_TENSOR_UPDATE', True)
# fastgrad's own: on CuPy, softmax_cross_entropy of (N, C) float32/float64 scores with
# integer labels runs as two kernels forward (one for reduce='no') and one for the
# gradient (functions/_util/sce_kernels.py); FASTGRAD_GPU_LOSS_KERNELS=0 turns them off.
global_config.gpu_loss_kernels = _env_flag('FASTGRAD_GPU_LOSS_KERNELS', True)


_missing = object()


@contextlib.contextmanager
def using_config(name, value, config=config):
    """Temporarily set a thread-local config entry (restored on exit).

    >>> with fastgrad.using_config('train', False):
    ...     print(fastgrad.config.train)
    False
    >>> fastgrad.config.train
    True
    """
    old = config.__dict__.get(name, _missing)
    setattr(config, name, value)
    try:
        yield
    finally:
        if old is _missing:
            delattr(config, name)
        else:
            setattr(config, name, old)


def no_backprop_mode():
    """Context in which no computational graph is recorded.

    >>> x = fastgrad.Variable(np.array([1., 2.], dtype=np.float32))
    >>> with fastgrad.no_backprop_mode():
    ...     y = x * 2
    >>> y.creator is None
    True
    >>> (x * 2).creator is None
    False
    """
    return using_config('enable_backprop', False)


def force_backprop_mode():
    """Context in which the graph is recorded even inside ``no_backprop_mode``.

    >>> x = fastgrad.Variable(np.array([1., 2.], dtype=np.float32))
    >>> with fastgrad.no_backprop_mode():
    ...     with fastgrad.force_backprop_mode():
    ...         y = x * 2
    >>> y.creator is None
    False
    """
    return using_config('enable_backprop', True)


def is_debug():
    """Whether debug mode (``config.debug``) is on.

    >>> with fastgrad.using_config('debug', True):
    ...     print(fastgrad.is_debug())
    True
    >>> fastgrad.is_debug() == fastgrad.config.debug
    True
    """
    return bool(config.debug)


def set_debug(debug):
    """Turn debug mode on or off for every thread: the engine then checks
    each function's outputs and gradients for NaN and raises a RuntimeError
    naming the function (``config.debug`` mirrors it).

    >>> fastgrad.set_debug(True)
    >>> fastgrad.is_debug()
    True
    >>> fastgrad.set_debug(False)
    """
    global_config.debug = bool(debug)


class DebugMode(object):
    """``with DebugMode(True):`` - debug mode inside the block (see
    :func:`set_debug`); ``DebugMode(False)`` turns it off inside.

    >>> x = fastgrad.Variable(np.array([-1.], dtype=np.float32))
    >>> with fastgrad.DebugMode(True), np.errstate(invalid='ignore'):
    ...     try:
    ...         F.log(x)   # log(-1) is NaN
    ...     except RuntimeError as e:
    ...         print(type(e).__name__)
    RuntimeError
    """

    def __init__(self, debug):
        self._debug = bool(debug)
        self._ctx = None

    def __enter__(self):
        self._ctx = using_config('debug', self._debug)
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)


def get_dtype(dtype=None, map_mixed16=None):
    """The default float dtype (``config.dtype``) unless ``dtype`` is given.
    Where the default is :data:`mixed16`, ``map_mixed16`` (if given) is
    returned instead of float16: the dtype of values kept in higher precision.

    >>> fastgrad.get_dtype()
    dtype('float32')
    >>> with fastgrad.using_config('dtype', np.float16):
    ...     print(fastgrad.get_dtype())
    float16
    """
    if dtype is None:
        dtype = config.dtype
    if dtype is mixed16 and map_mixed16 is not None:
        dtype = map_mixed16
    return numpy.dtype(dtype)
