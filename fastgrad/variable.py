"""Parameter (a Variable owned by a Link) and the Variable helpers."""
import warnings
import weakref

import numpy

from fastgrad import backend
from fastgrad._core.graph import Variable, VariableNode, as_array, as_variable  # NOQA
from fastgrad.configuration import config


def _initializers():
    from fastgrad import initializers
    return initializers


class _SharedPlaceholder:
    """The data slot that shallow copies of an uninitialized Parameter share
    (Chainer's rule): the first one initialized gives its array to the
    others.  Deep copies and pickles get a group of their own."""

    __slots__ = ('members',)

    def __init__(self):
        self.members = []            # weakrefs to the Parameters

    def __deepcopy__(self, memo):
        return _SharedPlaceholder()

    def __reduce__(self):
        return _SharedPlaceholder, ()


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
        if not hasattr(self.initializer, 'dtype'):
            # e.g. a plain callable: the dtype is known only once it has run
            raise RuntimeError(
                'Parameter.dtype: the parameter {!r} is uninitialized and its initializer '
                '({}) does not give a dtype'.format(self.name, type(self.initializer).__name__))
        dtype = self.initializer.dtype
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
        """Create the data (and the grad, per cleargrad/zerograd so far).

        Shallow copies made while uninitialized (``copy.copy``, as
        ``Link.copy()`` makes) get the same data array, if still uninitialized
        and on the same device.
        """
        device = self._initial_device
        data = _initializers().generate_array(self.initializer, shape, device.xp,
                                              device=device)
        self._set_initial_data(data)
        group = self.__dict__.pop('_placeholder', None)
        if group is not None:
            for ref in group.members:
                p = ref()
                if (p is not None and p is not self and p.array is None
                        and p.__dict__.get('_placeholder') is group):
                    del p.__dict__['_placeholder']
                    p._set_initial_data(data)

    def _set_initial_data(self, data):
        inits = _initializers()
        self.array = data
        ginit = self._grad_initializer
        grad = None if ginit is None else inits.generate_array(
            ginit, data.shape, self._initial_device.xp, dtype=data.dtype,
            device=self._initial_device)
        Variable.grad.__set__(self, grad)
        self._grad_valid = True

    def __copy__(self):
        if self.array is None and '_placeholder' not in self.__dict__:
            group = _SharedPlaceholder()
            group.members.append(weakref.ref(self))
            self._placeholder = group
        new = Variable.__copy__(self)       # the dict is copied: the group is shared
        if self.array is None:
            self._placeholder.members.append(weakref.ref(new))
        else:
            new.__dict__.pop('_placeholder', None)
        return new

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
        if var.grad_var is None:
            return      # nothing to add: an uninitialized parameter stays so
        if self.array is None:
            self.initialize(var.shape)
            self.cleargrad()
        super().addgrad(var)

    def copydata(self, var):
        src = as_array(var)
        if self.array is None and src is not None:
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
        if self.array is None and dev != self._initial_device:
            # its data will be made elsewhere: no longer shared with copies
            self.__dict__.pop('_placeholder', None)
        self._initial_device = dev
        Variable.to_device(self, dev)
        return self

    def to_cpu(self):
        return self.to_device(backend.CpuDevice())

    def to_gpu(self, device=None):
        return self.to_device(backend.GpuDevice(0 if device is None else device))
