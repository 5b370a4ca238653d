"""Array modules and devices.  Importing fastgrad never imports CuPy: it is
looked up lazily the first time a CuPy array or a GPU device appears."""
import numbers
import sys

import numpy


def _cupy():
    """The cupy module if it is already imported (by the user), else None."""
    return sys.modules.get('cupy')


def import_cupy():
    """The cupy module, imported now; RuntimeError if CuPy is not installed.

    >>> from fastgrad import backend
    >>> try:
    ...     xp = backend.import_cupy()
    ... except RuntimeError:   # CuPy is not installed: stay on NumPy
    ...     xp = np
    >>> xp.__name__ in ('cupy', 'numpy')
    True
    """
    try:
        import cupy
    except ImportError as e:
        raise RuntimeError('CuPy is not installed: GPU devices need it '
                           '(pip install cupy-cuda12x)') from e
    return cupy


def is_cupy_array(a):
    """Whether ``a`` is a CuPy array (never imports CuPy to find out).

    >>> from fastgrad import backend
    >>> x = np.zeros(2, dtype=np.float32)
    >>> backend.is_cupy_array(x), backend.is_cupy_array(Variable(x))
    (False, False)
    """
    cp = _cupy()
    return cp is not None and isinstance(a, cp.ndarray)


def get_array_types():
    """The array types in use: ``(numpy.ndarray,)``, plus ``cupy.ndarray``
    once CuPy is imported.

    >>> np.ndarray in fastgrad.get_array_types()
    True
    >>> isinstance(np.zeros(2), fastgrad.get_array_types())
    True
    """
    cp = _cupy()
    return (numpy.ndarray,) if cp is None else (numpy.ndarray, cp.ndarray)


def is_array(a):
    """Whether ``a`` is a NumPy or CuPy array (a Variable is not).

    >>> from fastgrad import backend
    >>> backend.is_array(np.zeros(3)), backend.is_array(fastgrad.Variable(np.zeros(3)))
    (True, False)
    """
    return isinstance(a, numpy.ndarray) or is_cupy_array(a)


def _unwrap(a):
    from fastgrad._core.graph import Variable
    return a.array if isinstance(a, Variable) else a


def get_array_module(*args):
    """numpy, or cupy when any argument (array or Variable) is a CuPy array.

    >>> from fastgrad import backend
    >>> x = np.zeros(2, dtype=np.float32)
    >>> backend.get_array_module(x, Variable(x)) is np
    True
    """
    cp = _cupy()
    if cp is not None:
        for a in args:
            if isinstance(_unwrap(a), cp.ndarray):
                return cp
    return numpy


class Device(object):
    """A device: where arrays live and which array module (``xp``) makes them.

    Get one with :func:`get_device`; ``str(device)`` is its specifier
    (``'@numpy'``, ``'@cupy:0'``).

    >>> from fastgrad import backend
    >>> device = backend.get_device('@numpy')
    >>> isinstance(device, backend.Device), str(device)
    (True, '@numpy')
    >>> device.send(np.ones(2)) is not None, device == backend.CpuDevice()
    (True, True)
    """
    xp = None
    name = None

    def __eq__(self, other):
        return isinstance(other, Device) and self.name == other.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return '<{} {}>'.format(type(self).__name__, self.name)

    def __str__(self):
        return self.name

    def use(self):
        """Make this device the current one (a no-op on the CPU)."""
        pass

    @property
    def supported_array_types(self):
        return (self.xp.ndarray,)

    def is_array_supported(self, array):
        return isinstance(array, self.supported_array_types)

    def create_context(self):
        """A context manager that makes this device current."""
        return using_device(self)

    def send(self, arrays):
        """Copy an array, or the arrays of a list, tuple or dict, to this
        device (arrays already there are returned as they are)."""
        if isinstance(arrays, (list, tuple)):
            return type(arrays)(self.send(a) for a in arrays)
        if isinstance(arrays, dict):
            return {k: self.send(v) for k, v in arrays.items()}
        return self.send_array(arrays)


class CpuDevice(Device):
    """The CPU, ``'@numpy'``: NumPy arrays.

    >>> from fastgrad import backend
    >>> cpu = backend.CpuDevice()
    >>> str(cpu), cpu.xp is np
    ('@numpy', True)
    >>> cpu.send({'x': np.float32(2)})
    {'x': array(2., dtype=float32)}
    """
    xp = numpy
    name = '@numpy'

    @staticmethod
    def from_array(array):
        """A CpuDevice if ``array`` is a NumPy array, else None."""
        return CpuDevice() if isinstance(array, numpy.ndarray) else None

    def send_array(self, a):
        if a is None or isinstance(a, numpy.ndarray):
            return a
        if is_cupy_array(a):
            return a.get()
        if isinstance(a, (numbers.Number, numpy.generic)):
            return numpy.asarray(a)
        raise TypeError('CpuDevice.send: cannot send {} to the CPU'.format(type(a)))


class GpuDevice(Device):
    """GPU ``device_id`` through CuPy, ``'@cupy:N'``.  Constructing one does not
    import CuPy; using it does.

    >>> from fastgrad import backend
    >>> gpu = backend.GpuDevice(1)   # CuPy is imported only when the device is used
    >>> gpu, str(gpu), gpu.device_id
    (<GpuDevice @cupy:1>, '@cupy:1', 1)
    >>> gpu == backend.get_device('@cupy:1')
    True
    """

    def __init__(self, device_id=0):
        self.device_id = int(device_id)
        self.name = '@cupy:{}'.format(self.device_id)

    @staticmethod
    def from_device_id(device_id):
        return GpuDevice(device_id)

    @staticmethod
    def from_array(array):
        """The GpuDevice of a CuPy array, else None."""
        return GpuDevice(array.device.id) if is_cupy_array(array) else None

    @property
    def xp(self):
        return import_cupy()

    @property
    def device(self):
        return import_cupy().cuda.Device(self.device_id)

    def use(self):
        self.device.use()

    def send_array(self, a):
        cp = import_cupy()
        if a is None:
            return a
        with cp.cuda.Device(self.device_id):
            if isinstance(a, cp.ndarray) and a.device.id == self.device_id:
                return a
            return cp.asarray(a)


class Intel64Device(Device):
    """iDeep is not supported: constructing one raises.

    >>> from fastgrad import backend
    >>> backend.Intel64Device()
    Traceback (most recent call last):
    ...
    RuntimeError: Intel64Device: iDeep (intel64) is not available in fastgrad
    """

    def __init__(self):
        raise RuntimeError('Intel64Device: iDeep (intel64) is not available in fastgrad')

    @staticmethod
    def from_array(array):
        """None: fastgrad has no iDeep arrays."""
        return None


class ChainerxDevice(Device):
    """ChainerX is not available: constructing one raises.

    >>> from fastgrad import backend
    >>> backend.ChainerxDevice()
    Traceback (most recent call last):
    ...
    RuntimeError: ChainerxDevice: ChainerX is not available in fastgrad
    """

    def __init__(self, device=None):
        raise RuntimeError('ChainerxDevice: ChainerX is not available in fastgrad')

    @staticmethod
    def from_array(array):
        """None: fastgrad has no ChainerX arrays."""
        return None


def get_device(spec):
    """``'@numpy'``, ``'@cupy:N'``, an int N (GPU N; -1 = CPU), a Device, or a
    ``cupy.cuda.Device``.

    >>> from fastgrad import backend
    >>> backend.get_device('@numpy')
    <CpuDevice @numpy>
    >>> backend.get_device('@cupy:1')   # CuPy is imported when the device is used
    <GpuDevice @cupy:1>
    """
    if isinstance(spec, Device):
        return spec
    if spec is None or spec is numpy or spec == '@numpy' or spec == -1:
        return CpuDevice()
    if isinstance(spec, str):
        if spec.lstrip('-').isdigit():          # Chainer accepts '-1' and '0'
            return get_device(int(spec))
        if spec.startswith('@cupy:'):
            return GpuDevice(int(spec[len('@cupy:'):]))
        if spec == '@cupy':
            return GpuDevice(0)
        if spec == '@intel64':
            raise ValueError("get_device: '@intel64' (iDeep) is not supported by "
                             "fastgrad; use '@numpy'")
        if spec.split(':')[0] in ('native', 'cuda'):
            raise ValueError('get_device: {!r} is a ChainerX device, and ChainerX is '
                             "not available in fastgrad; use '@numpy' or '@cupy:N'"
                             .format(spec))
        raise ValueError('get_device: invalid device specifier {!r}; expected '
                         "'@numpy' or '@cupy:N'".format(spec))
    if isinstance(spec, (int, numpy.integer)) and not isinstance(spec, bool):
        return GpuDevice(int(spec)) if spec >= 0 else CpuDevice()
    cp = _cupy()
    if cp is not None and isinstance(spec, cp.cuda.Device):
        return GpuDevice(spec.id)
    raise TypeError('get_device: invalid device specifier {!r}'.format(spec))


def get_device_from_array(*arrays):
    """The device of the first CuPy array among ``arrays`` (arrays or
    Variables), else the CPU.

    >>> from fastgrad import backend
    >>> backend.get_device_from_array(Variable(np.zeros(2, dtype=np.float32)))
    <CpuDevice @numpy>
    >>> backend.get_device_from_array(np.zeros(2), None)
    <CpuDevice @numpy>
    """
    for a in arrays:
        a = _unwrap(a)
        if is_cupy_array(a):
            return GpuDevice(a.device.id)
    return CpuDevice()


class using_device(object):
    """Context manager: ``device`` (any :func:`get_device` specifier) is the
    current device inside the block; returns the Device.

    >>> with fastgrad.using_device('@numpy') as device:
    ...     print(device, device.xp.__name__)
    @numpy numpy
    """

    def __init__(self, device):
        self.device = get_device(device)
        self._ctx = None

    def __enter__(self):
        if isinstance(self.device, GpuDevice):
            self._ctx = self.device.device
            self._ctx.__enter__()
        return self.device

    def __exit__(self, *exc):
        if self._ctx is not None:
            self._ctx.__exit__(*exc)


def to_device(device, a):
    """Copy ``a`` (an array, or a list, tuple or dict of arrays) to ``device``.

    >>> from fastgrad import backend
    >>> backend.to_device('@numpy', [np.float32(1), None])
    [array(1., dtype=float32), None]
    """
    return get_device(device).send(a)


def copyto(dst, src):
    """Copy src into dst in place, across devices if needed.

    >>> from fastgrad import backend
    >>> dst = np.zeros(3, dtype=np.float32)
    >>> backend.copyto(dst, np.arange(3, dtype=np.float32))
    >>> dst
    array([0., 1., 2.], dtype=float32)
    """
    if isinstance(dst, numpy.ndarray):
        numpy.copyto(dst, CpuDevice().send_array(src))
    else:
        cp = import_cupy()
        with cp.cuda.Device(dst.device.id):
            dst[...] = cp.asarray(src)


def __getattr__(name):
    # Chainer's chainer.backend also carries its backend modules
    # (`from chainer.backend import cuda`); imported on first use, since
    # fastgrad.backends.cuda itself imports this module.
    if name in ('cuda', 'intel64', 'cpu'):
        import importlib
        return importlib.import_module('fastgrad.backends.' + name)
    raise AttributeError("module 'fastgrad.backend' has no attribute {!r}".format(name))
