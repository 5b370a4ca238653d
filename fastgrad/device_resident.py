"""DeviceResident: the base of objects that keep arrays on one device.

``Link`` is one; a user's object that holds arrays outside any link (a
sampler's tables, a tree's index arrays) subclasses it too, so that
``to_device`` moves it with the model.  What moves is decided by
``device_resident_accept``: this base visits only the object itself (its
``device`` is updated); a subclass overrides it to hand its arrays to the
visitor and calls ``super()``.
"""
import sys
import warnings

from fastgrad import backend

_TO_METHODS = ('to_cpu', 'to_gpu', 'to_intel64')
# Overriding these is a TypeError (as in Chainer 7).
_FINAL_METHODS = ('to_device', 'to_chx', 'from_chx')


class DeviceResidentsVisitor(object):
    """Base of the visitors that ``device_resident_accept`` walks a hierarchy
    with."""

    def visit_device_resident(self, device_resident):
        """Process a :class:`DeviceResident` (called once per object)."""
        raise NotImplementedError()

    def visit_array(self, arr):
        """Process an array and return it, or the new array to keep."""
        raise NotImplementedError()

    def visit_variable(self, param):
        """Process a :class:`~fastgrad.Variable` or
        :class:`~fastgrad.Parameter` (in place)."""
        raise NotImplementedError()


class _ToDeviceVisitor(DeviceResidentsVisitor):
    """Moves every visited object, array and variable to one device.

    For compatibility with code written for Chainer < 7, an object whose class
    overrides ``to_cpu``/``to_gpu`` gets that method called instead (except the
    object the transfer started from, which is already running it).
    """

    def __init__(self, device, entry_method=None, skip_between_gpus=False,
                 start=None):
        self.device = device
        self.entry_method = entry_method
        self.skip_between_gpus = skip_between_gpus
        self.start = start

    def visit_device_resident(self, device_resident):
        device_resident._device = self.device
        overridden = device_resident._overridden_to_methods
        if overridden and device_resident is not self.start:
            if self.entry_method is not None:
                name, kwargs = self.entry_method
            elif isinstance(self.device, backend.GpuDevice):
                name, kwargs = 'to_gpu', {'device': self.device.device_id}
            else:
                name, kwargs = 'to_cpu', {}
            if name in overridden:
                with warnings.catch_warnings():
                    warnings.simplefilter('ignore', DeprecationWarning)
                    getattr(device_resident, name)(**kwargs)

    def _skip(self, dev):
        if (self.skip_between_gpus and isinstance(self.device, backend.GpuDevice)
                and isinstance(dev, backend.GpuDevice)):
            if dev.device_id != self.device.device_id:
                warnings.warn(
                    'You are trying to transfer a Link to GPU-{} which is already '
                    'on GPU-{}.\nLink.to_gpu does nothing if the Link is already '
                    'on GPU.\n\nYou can use Link.to_device() to perform inter-GPU '
                    'transfer.'.format(self.device.device_id, dev.device_id),
                    RuntimeWarning)
            return True
        return False

    def visit_array(self, array):
        if self._skip(backend.get_device_from_array(array)):
            return array
        return self.device.send(array)

    def visit_variable(self, param):
        if self._skip(param.device):
            return
        param.to_device(self.device)


class DeviceResident(object):
    """Base of objects with arrays on one device (Chainer's
    ``chainer.DeviceResident``).

    >>> import numpy as np
    >>> class Table(fastgrad.DeviceResident):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.values = np.arange(3.0)
    ...     def device_resident_accept(self, visitor):
    ...         super().device_resident_accept(visitor)
    ...         self.values = visitor.visit_array(self.values)
    >>> Table().to_device('@numpy').device
    <CpuDevice @numpy>
    """

    # A class-level default: valid before (or without) __init__.
    _device = backend.CpuDevice()
    # Which of to_cpu/to_gpu/to_intel64 a subclass overrides (decided once
    # per class): to_device calls them for compatibility with Chainer < 7.
    _overridden_to_methods = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in _FINAL_METHODS:
            if name in cls.__dict__:
                raise TypeError(
                    '{}.{}: {} cannot be overridden in a DeviceResident '
                    'subclass (it drives the transfer of the whole hierarchy); '
                    'override device_resident_accept instead'.format(
                        cls.__qualname__, name, name))
        for name in _TO_METHODS:
            if name in cls.__dict__:
                # point at the class statement, past the __init_subclass__ chain
                level = 2
                frame = sys._getframe(1)
                while frame is not None and frame.f_code.co_name == '__init_subclass__':
                    level += 1
                    frame = frame.f_back
                warnings.warn(
                    '{}.{}: overriding {} is deprecated; override '
                    'device_resident_accept instead (to_device still calls '
                    'the override)'.format(cls.__qualname__, name, name),
                    DeprecationWarning, stacklevel=level)
        cls._overridden_to_methods = tuple(
            m for m in _TO_METHODS
            if getattr(cls, m) is not getattr(DeviceResident, m))

    def __init__(self):
        pass

    def device_resident_accept(self, visitor):
        """Apply ``visitor`` to this object; override to also hand it the
        object's arrays (``visitor.visit_array``) and call ``super()``."""
        visitor.visit_device_resident(self)

    @property
    def device(self):
        """The device (``fastgrad.backend.Device``) the object lives on."""
        return self._device

    @property
    def xp(self):
        """``numpy`` or ``cupy``, after the object's device."""
        return self._device.xp

    def to_device(self, device):
        """Move the object's arrays to ``device`` (``'@numpy'``,
        ``'@cupy:N'``, a Device, ...).  Returns self."""
        device = backend.get_device(device)
        self.device_resident_accept(_ToDeviceVisitor(device))
        return self

    def to_cpu(self):
        """Deprecated: ``to_device('@numpy')``."""
        warnings.warn("to_cpu is deprecated. Please use to_device('@numpy') "
                      'instead.', DeprecationWarning, stacklevel=2)
        self.device_resident_accept(_ToDeviceVisitor(
            backend.CpuDevice(), entry_method=('to_cpu', {}), start=self))
        return self

    def to_gpu(self, device=None):
        """Deprecated: ``to_device('@cupy:N')`` (the current CUDA device when
        ``device`` is None).  Arrays already on a GPU stay where they are."""
        warnings.warn("to_gpu is deprecated. Please use to_device('@cupy:N') "
                      'instead.', DeprecationWarning, stacklevel=2)
        cp = backend.import_cupy()
        if device is None:
            device = cp.cuda.runtime.getDevice()
        dev = backend.get_device(device)
        if not isinstance(dev, backend.GpuDevice):
            raise ValueError('to_gpu: not a GPU device: {!r}'.format(device))
        self.device_resident_accept(_ToDeviceVisitor(
            dev, entry_method=('to_gpu', {'device': dev.device_id}),
            skip_between_gpus=True, start=self))
        return self

    def to_intel64(self):
        raise RuntimeError('iDeep (intel64) is not supported by fastgrad.')

    def to_chx(self):
        raise RuntimeError('ChainerX is not available.')

    def from_chx(self):
        return self
