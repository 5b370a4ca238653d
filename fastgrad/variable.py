"""Parameter (a Variable owned by a Link) and the Variable helpers."""
import warnings

import numpy

from fastgrad import backend
from fastgrad._core.graph import Variable, VariableNode, as_array, as_variable  # NOQA
from fastgrad.configuration import config


def _initializers():
    from fastgrad import initializers
    return initializers


class Parameter(Variable):
    """A Variable that a Link owns and an optimizer updates.

    ``Parameter(initializer=None, shape=None, name=None)``.  With an array it
    is used as the data.  With an initializer and a shape the data is
    generated now and the grad is NaN-filled (Chainer's reminder to call
    ``cleargrads()``).  With no shape it stays uninitialized
    (``array is None``) until ``initialize(shape)``, e.g. at a lazy Link's
    first call.

    >>> p = fastgrad.Parameter(fastgrad.initializers.One())
    >>> p.array is None
    True
    >>> p.initialize((2,))
    >>> p.array
    array([1., 1.], dtype=float32)
    """

    def __init__(self, initializer=None, shape=None, name=None):
        inits = _initializers()
        if initializer is None:
            initializer = inits.NaN()
        elif numpy.isscalar(initializer):
            initializer = inits.Constant(initializer)
        self._initial_device = backend.CpuDevice()
        self.update_rule = None
        self._grad_initializer = None
        if shape is None:
            if backend.is_array(initializer):
                super().__init__(initializer, name=name)
            else:
                super().__init__(name=name)
                # Reading .grad before cleargrad()/zerograd() is an error
                # until the data exists; afterwards the grad starts NaN.
                self._grad_initializer = inits.NaN(getattr(initializer, 'dtype', None))
                self._grad_valid = False
        else:
            if backend.is_array(initializer):
                initializer = inits.Constant(initializer)
            data = inits.generate_array(initializer, shape, numpy)
            super().__init__(data, name=name)
            Variable.grad.__set__(self, numpy.full_like(data, numpy.nan))
        self.initializer = initializer

    # -- state ---------------------------------------------------------------
    @property
    def is_initialized(self):
        return self.array is not None

    @property
    def dtype(self):
        if self.array is not None:
            return self.array.dtype
        dtype = getattr(self.initializer, 'dtype', None)
        return numpy.dtype(dtype if dtype is not None else config.dtype)

    @property
    def grad(self):
        if self.array is None and not self.__dict__.get('_grad_valid', True):
            raise RuntimeError(
                'the gradient of the uninitialized parameter {!r} cannot be read; '
                'call cleargrads() (or run a forward pass) first'.format(self.name))
        return Variable.grad.__get__(self)

    @grad.setter
    def grad(self, g):
        if self.array is None and g is not None:
            self.initialize(g.shape)
        Variable.grad.__set__(self, g)
        self._grad_valid = True

    def initialize(self, shape):
        """Create the data (and the grad, per cleargrad/zerograd so far)."""
        inits = _initializers()
        device = self._initial_device
        data = inits.generate_array(self.initializer, shape, device.xp, device=device)
        self.array = data
        ginit = self._grad_initializer
        grad = None if ginit is None else inits.generate_array(
            ginit, shape, device.xp, dtype=data.dtype, device=device)
        Variable.grad.__set__(self, grad)
        self._grad_valid = True

    def cleargrad(self):
        super().cleargrad()
        if self.array is None:
            self._grad_initializer = None
            self._grad_valid = True

    def zerograd(self):
        warnings.warn('Parameter.zerograd is deprecated; use cleargrad instead',
                      DeprecationWarning, stacklevel=2)
        if self.array is None:
            self._grad_initializer = _initializers().Zero(
                getattr(self.initializer, 'dtype', None))
            self._grad_valid = True
        else:
            Variable.grad.__set__(self, self.xp.zeros_like(self.array))

    def addgrad(self, var):
        if self.array is None:
            self.initialize(var.shape)
            self.cleargrad()
        super().addgrad(var)

    def copydata(self, var):
        src = as_array(var)
        if self.array is None:
            self.initialize(src.shape)
        super().copydata(var)

    def update(self):
        """Apply the optimizer's update rule (set by ``Optimizer.setup``)."""
        if self.update_rule is not None:
            self.update_rule.update(self)

    # -- devices -----------------------------------------------------------
    @property
    def device(self):
        if self.array is None:
            return self._initial_device
        return backend.get_device_from_array(self.array)

    def to_device(self, device):
        dev = backend.get_device(device)
        self._initial_device = dev
        Variable.to_device(self, dev)
        return self

    def to_cpu(self):
        return self.to_device(backend.CpuDevice())

    def to_gpu(self, device=None):
        return self.to_device(backend.GpuDevice(0 if device is None else device))
