# cython: freethreading_compatible=False
"""The graph engine: Variable, VariableNode, FunctionNode.apply and backward.

Reverse mode in brief (micrograd's idea, Chainer's rules):

* ``FunctionNode.apply`` runs ``forward`` on raw arrays and wraps each output in a
  Variable whose VariableNode points back at the function (``creator``).  The
  function holds its *input* nodes strongly and its *output* nodes weakly, so
  the graph keeps inputs alive only while something downstream needs them.
* ``backward`` walks functions in decreasing ``rank`` (a topological generation:
  node.rank = creator.rank + 1, func.rank = max input rank), so every consumer of
  a node has run before that node's creator is popped: its gradient is complete.
* While walking, gradients wait on the nodes themselves (``_pending``), not in a
  dict.  Leaves accumulate into their stored grad at the end.  Sums are done in
  place only into arrays the engine allocated itself (``_pending_owned`` /
  ``_grad_owned``); an array the user handed in or that another grad aliases is
  never written to.

Weak links are borrowed pointers that the owner clears in ``__dealloc__``
(cheaper than weakref objects on every op):
  node._variable -> the Variable that owns the node (cleared by the Variable),
  func._out_nodes[i] -> output node i (cleared by the node).
"""
from cpython.ref cimport PyObject, Py_INCREF
from cpython.mem cimport PyMem_Malloc, PyMem_Free
cimport cython

import sys
import warnings
import weakref

import numpy

from fastgrad.configuration import config as _config

cdef object _ndarray = numpy.ndarray
cdef object _generic = numpy.generic
cdef object _cupy_ndarray = None      # set once CuPy shows up
cdef object _F = None                 # fastgrad.functions, for Variable's operators


cdef object _AddConstant = None       # Python-scalar fast paths of the operators
cdef object _MulConstant = None
cdef object _DivByConstant = None


def _install_functions(module):
    """Called by fastgrad/__init__ once fastgrad.functions exists."""
    global _F, _AddConstant, _MulConstant, _DivByConstant
    from fastgrad.functions.math import basic_math
    _F = module
    _AddConstant = basic_math.AddConstant
    _MulConstant = basic_math.MulConstant
    _DivByConstant = basic_math.DivByConstant


cdef inline bint _is_py_scalar(object x):
    return type(x) is float or type(x) is int


# NumPy < 2 promotes 0-d float32 with a Python float to float64: there the
# operators cast scalars to the array's dtype (Chainer's rule) and gradients
# are cast back to their input's dtype.
cdef bint _legacy_promotion = numpy.lib.NumpyVersion(numpy.__version__) < '2.0.0'


cdef inline bint _is_array(object x):
    global _cupy_ndarray
    if type(x) is _ndarray or isinstance(x, _ndarray):
        return True
    if _cupy_ndarray is None:
        cp = sys.modules.get('cupy')
        if cp is None:
            return False
        _cupy_ndarray = cp.ndarray
    return isinstance(x, _cupy_ndarray)


cdef inline bint _is_cupy(object x):
    return _cupy_ndarray is not None and isinstance(x, _cupy_ndarray)


cdef str _array_kind(object x):
    return 'cupy.ndarray' if _is_cupy(x) else 'numpy.ndarray'


class VariableComparisonError(TypeError, NotImplementedError):
    """Variables do not support ==, <, bool() ... (ambiguous for arrays)."""


def _dead_ref():
    return None


# ---------------------------------------------------------------------------
# VariableNode
# ---------------------------------------------------------------------------

@cython.no_gc_clear
@cython.final
cdef class VariableNode:
    """The graph-side half of a Variable: creator, rank, and its gradient.

    Gradients live here (not on the Variable) so the backward pass never needs
    the user-facing object; a Variable reads them through its node.
    """
    cdef PyObject* _variable          # borrowed; cleared by Variable.__dealloc__
    cdef FunctionNode _creator
    cdef int _out_index               # position among the creator's outputs
    cdef public int rank
    cdef public bint requires_grad
    cdef public object name
    cdef object _shape
    cdef object _dtype
    cdef object _data                 # only when retained
    cdef object _grad                 # raw array or None
    cdef object _grad_var             # Variable or None (takes precedence)
    cdef bint _grad_owned             # engine allocated _grad, user never saw it
    cdef object _pending              # grad being gathered during backward
    cdef bint _pending_owned
    cdef bint _keep_pending           # grad(): a target input, collected at the end
    cdef bint _in_leaves
    cdef object __weakref__

    def __init__(self, variable=None, name=None):
        raise TypeError('VariableNode is created by Variable; use Variable.node')

    def __dealloc__(self):
        if self._creator is not None:
            self._creator._forget_output(self._out_index, self)

    cdef void _set_creator(self, FunctionNode func, int index):
        if self._creator is not None:
            self._creator._forget_output(self._out_index, self)
        self._creator = func
        self._out_index = index
        if func is not None:
            self.rank = func.rank + 1

    @property
    def creator_node(self):
        return self._creator

    @creator_node.setter
    def creator_node(self, func):
        self.set_creator_node(func)

    @property
    def creator(self):
        return self._creator

    @creator.setter
    def creator(self, func):
        self.set_creator_node(func)

    def set_creator(self, creator):
        self.set_creator_node(creator)

    def set_creator_node(self, func):
        if func is None:
            self._set_creator(None, 0)
            return
        if not isinstance(func, FunctionNode):
            raise TypeError('creator must be a FunctionNode, got {}'.format(type(func).__name__))
        self._set_creator(<FunctionNode>func, (<FunctionNode>func)._adopt_output(self))

    def unchain(self):
        """Cut the link to the creator; rank is kept (Chainer's rule)."""
        self._set_creator(None, 0)

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, d):
        self._data = d
        if d is not None:
            self._shape = d.shape
            self._dtype = d.dtype

    def retain_data(self):
        var = self.get_variable_or_none()
        if var is None:
            raise RuntimeError('cannot retain the data of a node whose Variable is gone')
        self._data = (<Variable>var)._data

    @property
    def grad(self):
        var = self.get_variable_or_none()
        return None if var is None else var.grad

    @property
    def grad_var(self):
        var = self.get_variable_or_none()
        return None if var is None else var.grad_var

    @property
    def label(self):
        return _label(self._shape, self._dtype)

    def get_variable_or_none(self):
        if self._variable == NULL:
            return None
        return <object>self._variable

    def get_variable(self):
        """The Variable of this node, rebuilt from retained data if it is gone."""
        if self._variable != NULL:
            return <object>self._variable
        return _variable_for_node(self, self._data)

    def __repr__(self):
        return '<VariableNode {} rank={}>'.format(self.label, self.rank)


cdef str _label(shape, dtype):
    if shape is None:
        return 'None'
    if shape == ():
        return str(dtype)
    return '({}), {}'.format(', '.join(map(str, shape)), dtype)


cdef inline VariableNode _new_node(object data, bint requires_grad):
    cdef VariableNode node = VariableNode.__new__(VariableNode)
    node.requires_grad = requires_grad
    if data is not None:
        node._shape = data.shape
        node._dtype = data.dtype
    return node


cdef Variable _variable_for_node(VariableNode node, object data):
    """A Variable that adopts an existing node (retained inputs/outputs)."""
    cdef Variable v = Variable.__new__(Variable)
    v._data = data
    v._node = node
    if node._variable == NULL:
        node._variable = <PyObject*>v
    return v


cdef inline Variable _wrap(object data, bint requires_grad):
    """Fast Variable construction for the engine (no argument checks)."""
    cdef Variable v = Variable.__new__(Variable)
    cdef VariableNode node = _new_node(data, requires_grad)
    v._data = data
    v._node = node
    node._variable = <PyObject*>v
    return v


# ---------------------------------------------------------------------------
# Variable
# ---------------------------------------------------------------------------

@cython.no_gc_clear
cdef class Variable:
    """An array with a gradient and a link to the function that made it.

    ``Variable(data=None, *, name=None, grad=None, requires_grad=True)``
    """
    cdef object _data
    cdef VariableNode _node
    cdef object __weakref__

    __array_priority__ = 200

    def __init__(self, data=None, *, name=None, grad=None, requires_grad=True):
        if data is not None and not _is_array(data):
            raise TypeError(
                'Variable: data must be a numpy.ndarray or cupy.ndarray (or None), '
                'got {}'.format(type(data).__name__))
        node = self._node
        if node is None:
            node = _new_node(data, requires_grad)
            self._node = node
            node._variable = <PyObject*>self
        else:
            node.requires_grad = requires_grad
            if data is not None:
                node._shape = data.shape
                node._dtype = data.dtype
        self._data = data
        node.name = name
        if grad is not None:
            self.grad = grad

    def __dealloc__(self):
        if self._node is not None and self._node._variable == <PyObject*>self:
            self._node._variable = NULL

    # -- data ---------------------------------------------------------------
    @property
    def array(self):
        return self._data

    @array.setter
    def array(self, d):
        self._set_array(d)

    @property
    def data(self):
        return self._data

    @data.setter
    def data(self, d):
        self._set_array(d)

    cpdef _set_array(self, d):
        if d is not None and not _is_array(d):
            raise TypeError('Variable.array: expected an ndarray or None, got {}'
                            .format(type(d).__name__))
        self._data = d
        node = self._node
        if d is not None:
            node._shape = d.shape
            node._dtype = d.dtype
        if node._data is not None:
            node._data = d

    @property
    def shape(self):
        return self._data.shape

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def size(self):
        return self._data.size

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def xp(self):
        if self._data is not None and _is_cupy(self._data):
            return sys.modules['cupy']
        return numpy

    @property
    def device(self):
        from fastgrad import backend
        return backend.get_device_from_array(self._data)

    @property
    def label(self):
        d = self._data
        return 'None' if d is None else _label(d.shape, d.dtype)

    @property
    def name(self):
        return self._node.name

    @name.setter
    def name(self, n):
        self._node.name = n

    @property
    def requires_grad(self):
        return self._node.requires_grad

    @property
    def node(self):
        return self._node

    # -- graph --------------------------------------------------------------
    @property
    def creator(self):
        return self._node._creator

    @creator.setter
    def creator(self, func):
        self._node.set_creator_node(func)

    @property
    def creator_node(self):
        return self._node._creator

    @creator_node.setter
    def creator_node(self, func):
        self._node.set_creator_node(func)

    def set_creator(self, func):
        self._node.set_creator_node(func)

    def set_creator_node(self, func):
        self._node.set_creator_node(func)

    @property
    def rank(self):
        return self._node.rank

    def unchain(self):
        """Make this Variable a leaf: backward stops here (rank is kept)."""
        self._node.unchain()

    def unchain_backward(self):
        """Unchain every Variable and function upstream of this one."""
        cdef VariableNode node
        cdef FunctionNode f
        stack = []
        seen = set()
        if self._node._creator is not None:
            stack.append(self._node._creator)
        self._node.unchain()
        while stack:
            f = stack.pop()
            if id(f) in seen:
                continue
            seen.add(id(f))
            for node in (f.inputs or ()):
                if node._creator is not None:
                    stack.append(node._creator)
                node.unchain()
            f.unchain()

    def retain_data(self):
        self._node._data = self._data

    # -- gradient -------------------------------------------------------------
    @property
    def grad(self):
        node = self._node
        node._grad_owned = False          # the user may keep it: never add into it
        if node._grad_var is not None:
            return (<Variable>node._grad_var)._data
        return node._grad

    @grad.setter
    def grad(self, g):
        if g is not None:
            self._check_grad(g)
        node = self._node
        node._grad = g
        node._grad_var = None
        node._grad_owned = False

    cdef _check_grad(self, g):
        if not _is_array(g):
            raise TypeError(
                'Variable.grad: expected an ndarray of the same type as the data '
                '(or None), got {}'.format(type(g).__name__))
        d = self._data
        if d is None:
            return
        if _is_cupy(d) != _is_cupy(g):
            raise TypeError('Variable.grad: the data is a {} but the grad is a {}'
                            .format(_array_kind(d), _array_kind(g)))
        if g.dtype != d.dtype:
            raise TypeError('Variable.grad: dtype mismatch: expected {} (the data\'s), '
                            'got {}'.format(d.dtype, g.dtype))
        if g.shape != d.shape:
            raise ValueError('Variable.grad: shape mismatch: expected {} (the data\'s), '
                             'got {}'.format(d.shape, g.shape))

    @property
    def grad_var(self):
        node = self._node
        node._grad_owned = False
        if node._grad_var is None and node._grad is not None:
            node._grad_var = _wrap(node._grad, True)
            node._grad = None
        return node._grad_var

    @grad_var.setter
    def grad_var(self, gv):
        if gv is not None:
            if not isinstance(gv, Variable):
                raise TypeError('Variable.grad_var: expected a Variable or None, got {}'
                                .format(type(gv).__name__))
            self._check_grad((<Variable>gv)._data)
        node = self._node
        node._grad_var = gv
        node._grad = None
        node._grad_owned = False

    def cleargrad(self):
        """Set the gradient to None (the start of a fresh accumulation)."""
        node = self._node
        node._grad = None
        node._grad_var = None
        node._grad_owned = False

    def zerograd(self):
        warnings.warn('Variable.zerograd is deprecated; use Variable.cleargrad instead',
                      DeprecationWarning, stacklevel=2)
        if self._data is None:
            return
        node = self._node
        node._grad = self.xp.zeros_like(self._data)
        node._grad_var = None
        node._grad_owned = True

    def addgrad(self, var):
        """Add ``var``'s gradient to this one (Chainer's rules for Nones)."""
        if not isinstance(var, Variable):
            raise TypeError('Variable.addgrad: expected a Variable, got {}'
                            .format(type(var).__name__))
        src = (<Variable>var)._node
        if src._grad is None and src._grad_var is None:
            return
        sg = var.grad
        from fastgrad import backend
        sg = backend.get_device_from_array(self._data).send(sg)
        mine = self.grad
        if mine is None:
            self.grad = sg.copy()
        else:
            self.grad = mine + sg

    def copydata(self, var):
        """Copy ``var``'s array into this Variable's (in place, across devices)."""
        from fastgrad import backend
        src = var.array if isinstance(var, Variable) else var
        if self._data is None:
            self._set_array(backend.get_device_from_array(src).xp.array(src, copy=True))
            return
        backend.copyto(self._data, src)

    def backward(self, retain_grad=False, enable_double_backprop=False, loss_scale=None):
        """Run backprop from this Variable (Chainer's rules).

        A 1-element output without a grad is seeded with ones; any larger output
        needs its ``grad`` set first.  The output's grad is consumed unless
        ``retain_grad``.
        """
        cdef VariableNode node = self._node
        d = self._data
        gv = node._grad_var if enable_double_backprop else None
        if gv is None:
            gv = node._grad if node._grad_var is None else (<Variable>node._grad_var)._data
        if gv is None:
            if d is None:
                raise RuntimeError('Variable.backward: this Variable has no data')
            if d.size != 1:
                raise ValueError(
                    'Variable.backward: the output has shape {} ({} elements) and no '
                    'gradient; set y.grad first (e.g. y.grad = xp.ones_like(y.array)) '
                    'or reduce it to a scalar (e.g. F.sum) before calling backward'
                    .format(d.shape, d.size))
            if d.ndim != 0:
                warnings.warn(
                    'Treating a variable with only one element as a scalar in '
                    'Variable.backward is deprecated; use a 0-d variable (F.sum)',
                    DeprecationWarning, stacklevel=2)
            gv = self.xp.ones_like(d)
        if loss_scale is not None:
            gv = gv * loss_scale
        if enable_double_backprop and not isinstance(gv, Variable):
            gv = _wrap(gv, False)
        if not retain_grad:
            node._grad = None
            node._grad_var = None
            node._grad_owned = False
        _backprop([node], [gv], retain_grad, enable_double_backprop, False)

    # -- array-like conveniences ----------------------------------------------
    def __len__(self):
        if self._data is None or self._data.ndim == 0:
            raise TypeError('len() of a 0-d (or empty) Variable')
        return self._data.shape[0]

    def item(self):
        return self._data.item()

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _F.reshape(self, shape)

    def transpose(self, *axes):
        if len(axes) == 0:
            axes = None
        elif len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return _F.transpose(self, axes)

    @property
    def T(self):
        return _F.transpose(self)

    def mean(self, axis=None, *, weights=None, keepdims=False):
        if weights is not None:
            return _F.average(self, axis=axis, weights=weights, keepdims=keepdims)
        return _F.mean(self, axis=axis, keepdims=keepdims)

    def __getitem__(self, slices):
        return _F.get_item(self, slices)

    # -- devices ----------------------------------------------------------------
    def to_device(self, device):
        from fastgrad import backend
        dev = backend.get_device(device)
        self._move(dev)

    def to_cpu(self):
        self.to_device('@numpy')

    def to_gpu(self, device=None):
        self.to_device('@cupy:{}'.format(0 if device is None else int(device)))

    def _move(self, dev):
        node = self._node
        if self._data is not None:
            self._set_array(dev.send(self._data))
        if node._grad_var is not None:
            (<Variable>node._grad_var)._move(dev)
        elif node._grad is not None:
            node._grad = dev.send(node._grad)

    # -- printing, pickling, copying --------------------------------------------
    def __repr__(self):
        return _format(self, ', ')

    def __str__(self):
        return _format(self, ' ')

    def summary(self):
        if self.name:
            return '<variable {}>'.format(self.name)
        return '<variable at 0x{:x}>'.format(id(self))

    def __reduce__(self):
        # Read the grad from the node: Parameter.grad refuses before init.
        node = self._node
        node._grad_owned = False
        grad = node._grad if node._grad_var is None else (<Variable>node._grad_var)._data
        state = getattr(self, '__dict__', None)
        return (_rebuild_variable,
                (type(self), self._data, grad, node.name, node.requires_grad, state))

    def __copy__(self):
        cdef Variable v = type(self).__new__(type(self))
        cdef VariableNode node = _new_node(self._data, self._node.requires_grad)
        node.name = self._node.name
        node._grad = self._node._grad
        node._grad_var = self._node._grad_var
        node.rank = self._node.rank
        self._node._grad_owned = False
        v._data = self._data
        v._node = node
        node._variable = <PyObject*>v
        d = getattr(self, '__dict__', None)
        if d:
            v.__dict__.update(d)
        return v

    # -- comparisons are ambiguous for arrays: refuse them -------------------------
    def __eq__(self, other):
        raise VariableComparisonError('== is not supported for Variables; compare .array')

    def __ne__(self, other):
        raise VariableComparisonError('!= is not supported for Variables; compare .array')

    def __lt__(self, other):
        raise VariableComparisonError('< is not supported for Variables; compare .array')

    def __le__(self, other):
        raise VariableComparisonError('<= is not supported for Variables; compare .array')

    def __gt__(self, other):
        raise VariableComparisonError('> is not supported for Variables; compare .array')

    def __ge__(self, other):
        raise VariableComparisonError('>= is not supported for Variables; compare .array')

    def __bool__(self):
        raise VariableComparisonError('the truth value of a Variable is ambiguous; use .array')

    def __hash__(self):
        raise TypeError("unhashable type: '{}'".format(type(self).__name__))

    # -- arithmetic: implemented in fastgrad.functions.math.basic_math --------------
    def __neg__(self):
        return _F.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _F.absolute(self)

    def __add__(self, other):
        if _is_py_scalar(other):
            if _legacy_promotion:
                other = self._data.dtype.type(other)
            return _apply(_AddConstant(other), (self,))[0]
        return _F.add(self, other)

    def __radd__(self, other):
        if _is_py_scalar(other):
            if _legacy_promotion:
                other = self._data.dtype.type(other)
            return _apply(_AddConstant(other), (self,))[0]
        return _F.add(self, other)

    def __sub__(self, other):
        if _is_py_scalar(other):
            if _legacy_promotion:
                other = self._data.dtype.type(other)
            return _apply(_AddConstant(-other), (self,))[0]
        return _F.sub(self, other)

    def __rsub__(self, other):
        return _F.rsub(self, other)

    def __mul__(self, other):
        if _is_py_scalar(other):
            if _legacy_promotion:
                other = self._data.dtype.type(other)
            return _apply(_MulConstant(other), (self,))[0]
        return _F.mul(self, other)

    def __rmul__(self, other):
        if _is_py_scalar(other):
            if _legacy_promotion:
                other = self._data.dtype.type(other)
            return _apply(_MulConstant(other), (self,))[0]
        return _F.mul(self, other)

    def __truediv__(self, other):
        if _is_py_scalar(other):
            if _legacy_promotion:
                other = self._data.dtype.type(other)
            return _apply(_DivByConstant(other), (self,))[0]
        return _F.div(self, other)

    def __rtruediv__(self, other):
        return _F.rdiv(self, other)

    def __floordiv__(self, other):
        return _F.floordiv(self, other)

    def __rfloordiv__(self, other):
        return _F.rfloordiv(self, other)

    def __pow__(self, other, modulo):
        return _F.pow(self, other)

    def __rpow__(self, other, modulo):
        return _F.rpow(self, other)

    def __matmul__(self, other):
        return _F.matmul(self, other)

    def __rmatmul__(self, other):
        return _F.rmatmul(self, other)


def _rebuild_variable(cls, data, grad, name, requires_grad, state):
    cdef Variable v = cls.__new__(cls)
    cdef VariableNode node = _new_node(data, requires_grad)
    v._data = data
    v._node = node
    node._variable = <PyObject*>v
    node.name = name
    node._grad = grad
    if state:
        v.__dict__.update(state)
    return v


cdef str _format(Variable v, str separator):
    name = v._node.name
    prefix = 'variable {}'.format(name) if name else 'variable'
    arr = v._data
    if arr is None:
        body = 'None'
    else:
        if _is_cupy(arr):
            arr = arr.get()
        if arr.size > 0 or arr.shape == (0,):
            body = numpy.array2string(arr, separator=separator, prefix=prefix + '(')
        else:
            body = '[], shape={}'.format(repr(arr.shape))
    return '{}({})'.format(prefix, body)


def as_variable(obj):
    """``obj`` itself if it is a Variable, else a Variable with requires_grad=False."""
    if isinstance(obj, Variable):
        return obj
    if not _is_array(obj):
        raise TypeError('as_variable: expected an ndarray or Variable, got {}'
                        .format(type(obj).__name__))
    return _wrap(obj, False)


def as_array(obj):
    """The array of a Variable, or ``obj`` itself."""
    if isinstance(obj, Variable):
        return (<Variable>obj)._data
    return obj


# ---------------------------------------------------------------------------
# FunctionNode
# ---------------------------------------------------------------------------

cdef dict _type_flags = {}     # type -> (runs check_type_forward, has backward_arrays)
cdef int _CHECK_TYPE = 1
cdef int _FAST_BACKWARD = 2


cdef int _flags_of(type cls):
    """Which optional hooks a FunctionNode subclass provides (cached per class)."""
    flags = _type_flags.get(cls)
    if flags is not None:
        return flags
    cdef int f = 0
    mro = cls.__mro__
    if _defining_class(mro, 'check_type_forward') is not FunctionNode:
        f |= _CHECK_TYPE
    fast = _defining_class(mro, 'backward_arrays')
    if fast is not None:
        # The raw-array path is valid only if no subclass overrode backward
        # after backward_arrays was written.
        slow = _defining_class(mro, 'backward')
        if slow is None or slow is FunctionNode or issubclass(fast, slow):
            f |= _FAST_BACKWARD
    _type_flags[cls] = f
    return f


cdef object _defining_class(tuple mro, str name):
    for klass in mro:
        if name in klass.__dict__:
            return klass
    return None


@cython.no_gc_clear
cdef class FunctionNode:
    """A differentiable operation (Chainer's new-style function contract).

    Subclasses implement ``forward(inputs)`` on raw arrays returning a tuple, and
    ``backward(target_input_indexes, grad_outputs)`` on Variables returning one
    Variable (or None) per target index.  Built-in ops may also define
    ``backward_arrays(target_input_indexes, grad_outputs)`` on raw arrays: the
    engine uses it when no graph is being recorded during backward.
    """
    cdef public tuple inputs
    cdef PyObject** _out_nodes         # borrowed; cleared by each node's dealloc
    cdef int _n_out
    cdef public int rank
    cdef tuple _retain_in
    cdef tuple _retain_out
    cdef tuple _retained_output_data
    cdef bint _queued
    cdef bint _needed
    cdef int _flags                    # _CHECK_TYPE | _FAST_BACKWARD, set by apply
    cdef long _seq                     # FIFO order among equal ranks in the heap
    cdef object __weakref__

    is_elementwise = False
    lazy_grad_sum = False

    def __dealloc__(self):
        # Output nodes hold this function strongly, so none is alive here.
        if self._out_nodes != NULL:
            PyMem_Free(self._out_nodes)
            self._out_nodes = NULL

    cdef void _forget_output(self, int index, VariableNode node):
        if (self._out_nodes != NULL and index < self._n_out
                and self._out_nodes[index] == <PyObject*>node):
            self._out_nodes[index] = NULL

    cdef int _adopt_output(self, VariableNode node) except -1:
        """Register ``node`` as an extra output (Chainer's set_creator_node)."""
        cdef int n = self._n_out
        cdef PyObject** grown = <PyObject**>PyMem_Malloc((n + 1) * sizeof(PyObject*))
        if grown == NULL:
            raise MemoryError()
        for i in range(n):
            grown[i] = self._out_nodes[i]
        grown[n] = <PyObject*>node
        if self._out_nodes != NULL:
            PyMem_Free(self._out_nodes)
        self._out_nodes = grown
        self._n_out = n + 1
        return n

    def __call__(self, *args, **kwargs):
        raise RuntimeError('A FunctionNode is not callable; use {}().apply(inputs)'
                           .format(type(self).__name__))

    @property
    def label(self):
        return type(self).__name__

    @property
    def outputs(self):
        """Weak references to the output nodes (Chainer's ``outputs``)."""
        refs = []
        for i in range(self._n_out):
            if self._out_nodes[i] == NULL:
                refs.append(_dead_ref)
            else:
                refs.append(weakref.ref(<object>self._out_nodes[i]))
        return tuple(refs)

    @property
    def output_data(self):
        """Retained output arrays (None where an output was not retained)."""
        if self._retain_out is None:
            return (None,) * self._n_out
        out = [None] * self._n_out
        for i, d in zip(self._retain_out, self._retained_output_data):
            out[i] = d
        return tuple(out)

    # -- the user contract -------------------------------------------------
    def check_type_forward(self, in_types):
        pass

    def forward(self, inputs):
        """Dispatch to forward_cpu / forward_gpu by the array type."""
        for x in inputs:
            if _is_cupy(x):
                return self.forward_gpu(inputs)
        return self.forward_cpu(inputs)

    def forward_cpu(self, inputs):
        raise NotImplementedError('{} does not implement forward'.format(self.label))

    def forward_gpu(self, inputs):
        raise NotImplementedError('{} does not implement forward on the GPU'
                                  .format(self.label))

    def backward(self, target_input_indexes, grad_outputs):
        return (None,) * len(target_input_indexes)

    def retain_inputs(self, indexes):
        self._retain_in = tuple(indexes)

    def retain_outputs(self, indexes):
        self._retain_out = tuple(indexes)

    def get_retained_inputs(self):
        """Retained inputs as Variables connected to the graph (for double backprop)."""
        cdef VariableNode node
        if self._retain_in is None:
            return ()
        out = []
        for i in self._retain_in:
            node = self.inputs[i]
            if node._variable != NULL:
                out.append(<object>node._variable)
            else:
                out.append(_variable_for_node(node, node._data))
        return tuple(out)

    def get_retained_input_arrays(self):
        """Retained inputs as raw arrays (for ``backward_arrays``)."""
        if self._retain_in is None:
            return ()
        inputs = self.inputs
        return tuple([(<VariableNode>inputs[i])._data for i in self._retain_in])

    def get_retained_outputs(self):
        """Retained outputs as Variables; a collected output gets a new node."""
        cdef VariableNode node
        if self._retain_out is None:
            return ()
        out = []
        for i, data in zip(self._retain_out, self._retained_output_data):
            if self._out_nodes[i] != NULL:
                node = <VariableNode>self._out_nodes[i]
                if node._variable != NULL:
                    out.append(<object>node._variable)
                else:
                    out.append(_variable_for_node(node, data))
            else:
                v = _wrap(data, True)
                node = (<Variable>v)._node
                node._creator = self
                node._out_index = i
                node.rank = self.rank + 1
                self._out_nodes[i] = <PyObject*>node
                out.append(v)
        return tuple(out)

    def unchain(self):
        """Detach from the graph: outputs lose their creator, inputs are dropped."""
        cdef VariableNode node
        for i in range(self._n_out):
            if self._out_nodes[i] != NULL:
                node = <VariableNode>self._out_nodes[i]
                self._out_nodes[i] = NULL
                node._creator = None
        self.inputs = None

    def apply(self, inputs):
        """Run forward and record this function in the graph (when enabled)."""
        return _apply(self, inputs)


cdef tuple _apply(FunctionNode f, object inputs):
    cdef Py_ssize_t n = len(inputs), i, n_out
    cdef list in_data = [None] * n
    cdef list nodes = [None] * n
    cdef bint requires_grad = False
    cdef int rank = 0
    cdef Variable v
    cdef VariableNode node
    cdef bint any_cupy = False
    cdef int flags = _flags_of(type(f))

    for i in range(n):
        x = inputs[i]
        if isinstance(x, Variable):
            v = <Variable>x
            d = v._data
            if d is None:
                raise ValueError('{}: input {} is an uninitialized Variable (data is None)'
                                 .format(f.label, i))
            in_data[i] = d
            node = v._node
            nodes[i] = node
            if node.requires_grad:
                requires_grad = True
            if node.rank > rank:
                rank = node.rank
        elif _is_array(x):
            in_data[i] = x
        else:
            raise TypeError('{}: input {} must be a Variable, numpy.ndarray or '
                            'cupy.ndarray, got {}'.format(f.label, i, type(x).__name__))
    if _cupy_ndarray is not None and n > 1:
        _check_same_device(f, in_data, 'input')
    in_tuple = tuple(in_data)

    if flags & _CHECK_TYPE and _config.type_check:
        _run_type_check(f, in_tuple)

    f._flags = flags
    f._retain_in = None
    f._retain_out = None
    outputs = f.forward(in_tuple)
    if type(outputs) is not tuple:
        raise TypeError('{}.forward must return a tuple of ndarrays, got {}'
                        .format(f.label, type(outputs).__name__))
    n_out = len(outputs)
    cdef list out_vars = [None] * n_out
    for i in range(n_out):
        y = outputs[i]
        if not (type(y) is _ndarray):
            if isinstance(y, _generic):
                y = numpy.asarray(y)
            elif not _is_array(y):
                raise TypeError('{}.forward output {} must be an ndarray, got {}'
                                .format(f.label, i, type(y).__name__))
        out_vars[i] = _wrap(y, requires_grad)

    if not _config.enable_backprop:
        f._retain_in = None
        return tuple(out_vars)

    # record the graph
    for i in range(n):
        if nodes[i] is None:
            nodes[i] = _new_node(in_data[i], False)
    f.inputs = tuple(nodes)
    f.rank = rank
    if f._retain_in is not None:
        for i in f._retain_in:
            (<VariableNode>nodes[i])._data = in_data[i]
    if f._out_nodes != NULL:
        PyMem_Free(f._out_nodes)
    f._out_nodes = <PyObject**>PyMem_Malloc(n_out * sizeof(PyObject*) if n_out else 1)
    if f._out_nodes == NULL:
        raise MemoryError()
    f._n_out = <int>n_out
    for i in range(n_out):
        node = (<Variable>out_vars[i])._node
        node._creator = f
        node._out_index = <int>i
        node.rank = rank + 1
        f._out_nodes[i] = <PyObject*>node
    if f._retain_out is not None:
        f._retained_output_data = tuple([(<Variable>out_vars[i])._data
                                         for i in f._retain_out])
    return tuple(out_vars)


cdef _check_same_device(FunctionNode f, list arrays, str what):
    kinds = set()
    for a in arrays:
        if a is not None:
            kinds.add(_array_kind(a))
    if len(kinds) > 1:
        raise TypeError('{}: {}s mix CPU and GPU arrays ({}); move them to one device '
                        'first (to_device)'.format(f.label, what, ', '.join(sorted(kinds))))


cdef _run_type_check(FunctionNode f, tuple in_data):
    from fastgrad.utils import type_check
    in_types = type_check.get_types(in_data, 'in_types', False)
    try:
        f.check_type_forward(in_types)
    except type_check.InvalidType as e:
        msg = ('Invalid operation is performed in: {} (Forward)\n\nExpect: {}\nActual: {}\n'
               .format(f.label, e.expect, e.actual))
        raise type_check.InvalidType(e.expect, e.actual, msg=msg) from None


# ---------------------------------------------------------------------------
# Backward
# ---------------------------------------------------------------------------

cdef inline object _sum_new(object a, object b):
    r = a + b
    if isinstance(r, _generic):        # 0-d numpy arrays add to scalars
        r = numpy.asarray(r)
    return r


cdef inline void _add_pending(VariableNode node, object g, bint double):
    cur = node._pending
    if cur is None:
        node._pending = g
        node._pending_owned = False
    elif double:
        node._pending = _F.add(cur, g)
    elif node._pending_owned and type(cur) is _ndarray:
        cur += g
    else:
        node._pending = _sum_new(cur, g)
        node._pending_owned = True


cdef _store_grad(VariableNode node, object g, bint owned, bint double):
    """Overwrite the node's gradient (intermediates under retain_grad)."""
    if double:
        node._grad_var = g
        node._grad = None
    else:
        node._grad = g
        node._grad_var = None
    node._grad_owned = owned


cdef _accumulate_leaf(VariableNode node, bint double):
    """Add the gathered gradient into the leaf's stored one."""
    g = node._pending
    owned = node._pending_owned
    node._pending = None
    node._pending_owned = False
    if double:
        old = node._grad_var
        if old is None and node._grad is not None:
            old = _wrap(node._grad, False)
        _store_grad(node, g if old is None else _F.add(old, g), False, True)
        return
    if node._grad_var is not None:
        old = (<Variable>node._grad_var)._data
    else:
        old = node._grad
    if old is None:
        if not owned and type(g) is _ndarray and not g.flags.writeable:
            # e.g. a broadcast view from sum's backward: users and optimizer
            # hooks edit .grad in place, so store a real array.
            g = g.copy()
            owned = True
        _store_grad(node, g, owned, False)
    elif node._grad_owned and node._grad_var is None and type(old) is _ndarray:
        old += g
    else:
        _store_grad(node, _sum_new(old, g), True, False)


cdef inline bint _before(FunctionNode a, FunctionNode b):
    """Heap order: higher rank first; equal ranks first-in first-out."""
    return a.rank > b.rank or (a.rank == b.rank and a._seq < b._seq)


cdef void _push(list heap, FunctionNode f, long* counter) except *:
    """Queue ``f`` once (a binary max-heap on rank, sifted in C)."""
    cdef Py_ssize_t i, parent
    if f._queued:
        return
    f._queued = True
    counter[0] += 1
    f._seq = counter[0]
    heap.append(f)
    i = len(heap) - 1
    while i > 0:
        parent = (i - 1) >> 1
        if not _before(f, <FunctionNode>heap[parent]):
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = f


cdef FunctionNode _pop(list heap):
    cdef FunctionNode top = <FunctionNode>heap[0]
    cdef FunctionNode last = <FunctionNode>heap.pop()
    cdef Py_ssize_t n = len(heap), i = 0, child
    if n:
        while True:
            child = 2 * i + 1
            if child >= n:
                break
            if child + 1 < n and _before(<FunctionNode>heap[child + 1], <FunctionNode>heap[child]):
                child += 1
            if not _before(<FunctionNode>heap[child], last):
                break
            heap[i] = heap[child]
            i = child
        heap[i] = last
    top._queued = False
    return top


cdef tuple _call_backward(FunctionNode f, tuple indexes, list gys, bint double, bint fast):
    """Run one function's backward; returns raw arrays (or Variables if double)."""
    cdef Py_ssize_t k, n_in = len(f.inputs)
    cdef VariableNode node
    if fast:
        gxs = f.backward_arrays(indexes, tuple(gys))
    else:
        gy_vars = []
        for g in gys:
            if g is None or isinstance(g, Variable):
                gy_vars.append(g)
            else:
                gy_vars.append(_wrap(g, False))
        gxs = f.backward(indexes, tuple(gy_vars))
    if not isinstance(gxs, tuple):
        if isinstance(gxs, list):
            gxs = tuple(gxs)
        else:
            gxs = (gxs,)
    if len(gxs) == n_in and n_in != len(indexes):
        gxs = tuple([gxs[k] for k in indexes])
    elif len(gxs) != len(indexes):
        raise ValueError(
            '{}.backward returned {} gradients; expected {} (one per target input '
            'index) or {} (one per input)'.format(f.label, len(gxs), len(indexes), n_in))
    out = []
    for k in range(len(indexes)):
        gx = gxs[k]
        if gx is None:
            out.append(None)
            continue
        if double:
            if not isinstance(gx, Variable):
                gx = _wrap(gx, False)
        elif isinstance(gx, Variable):
            gx = (<Variable>gx)._data
        elif type(gx) is not _ndarray and isinstance(gx, _generic):
            gx = numpy.asarray(gx)       # NumPy turns 0-d results into scalars
        if _legacy_promotion and not double and isinstance(gx, _ndarray):
            node = f.inputs[indexes[k]]
            if gx.dtype != node._dtype and gx.shape == ():
                gx = gx.astype(node._dtype)
        if not fast:
            _check_grad_type(f, indexes[k], gx)
        out.append(gx)
    return tuple(out)


cdef _check_grad_type(FunctionNode f, int index, object gx):
    cdef VariableNode node = f.inputs[index]
    g = (<Variable>gx)._data if isinstance(gx, Variable) else gx
    if not _is_array(g):
        raise TypeError('{}.backward: gradient for input {} must be an ndarray or '
                        'Variable, got {}'.format(f.label, index, type(g).__name__))
    if node._dtype is not None and g.dtype != node._dtype:
        raise TypeError('{}.backward: gradient for input {} has dtype {}; expected {} '
                        '(the input\'s)'.format(f.label, index, g.dtype, node._dtype))
    if node._shape is not None and g.shape != node._shape:
        raise ValueError('{}.backward: gradient for input {} has shape {}; expected {} '
                         '(the input\'s)'.format(f.label, index, g.shape, node._shape))


cdef _backprop(list roots, list root_grads, bint retain_grad, bint double, bint grad_mode):
    """The backward loop shared by Variable.backward, fastgrad.backward and grad.

    grad_mode: only functions marked ``_needed`` run, and gradients for target
    nodes (``_keep_pending``) are left on them for the caller to collect.
    """
    cdef list heap = []
    cdef long counter = 0
    cdef list leaves = []
    cdef list kept = []                  # retain_grad: nodes whose grads we stored
    cdef VariableNode node, xnode
    cdef FunctionNode f
    cdef Py_ssize_t i, k, n_out
    cdef bint fast
    cdef list gys
    cdef tuple indexes

    old_backprop = _config.__dict__.get('enable_backprop', _missing)
    _config.enable_backprop = double
    try:
        for i in range(len(roots)):
            node = roots[i]
            g = root_grads[i]
            if g is None:
                continue
            _add_pending(node, g, double)
            if node._creator is not None:
                if not grad_mode or node._creator._needed:
                    _push(heap, node._creator, &counter)
            elif not node._in_leaves:
                node._in_leaves = True
                leaves.append(node)

        while heap:
            f = _pop(heap)
            n_out = f._n_out
            gys = [None] * n_out
            any_grad = False
            for k in range(n_out):
                if f._out_nodes[k] == NULL:
                    continue
                node = <VariableNode>f._out_nodes[k]
                g = node._pending
                if g is None:
                    continue
                any_grad = True
                gys[k] = g
                if not node._keep_pending:
                    node._pending = None
                if retain_grad and node._variable != NULL:
                    _store_grad(node, g, False, double)
            if not any_grad or f.inputs is None:
                continue
            inputs = f.inputs
            targets = []
            for i in range(len(inputs)):
                xnode = inputs[i]
                if not xnode.requires_grad:
                    continue
                if grad_mode and not xnode._keep_pending and (
                        xnode._creator is None or not xnode._creator._needed):
                    continue
                targets.append(i)
            if not targets:
                continue
            indexes = tuple(targets)
            fast = (not double) and (f._flags & _FAST_BACKWARD) != 0
            gxs = _call_backward(f, indexes, gys, double, fast)
            gys = None
            for k in range(len(indexes)):
                gx = gxs[k]
                if gx is None:
                    continue
                xnode = inputs[indexes[k]]
                _add_pending(xnode, gx, double)
                if xnode._creator is not None:
                    if not grad_mode or xnode._creator._needed:
                        _push(heap, xnode._creator, &counter)
                elif not xnode._in_leaves:
                    xnode._in_leaves = True
                    leaves.append(xnode)

        for node in leaves:
            node._in_leaves = False
            if not grad_mode:
                _accumulate_leaf(node, double)
            elif not node._keep_pending:
                node._pending = None
    except BaseException:
        # Leave no half-gathered gradient behind for the next backward.
        for item in heap:
            f = item
            f._queued = False
            for k in range(f._n_out):
                if f._out_nodes[k] != NULL:
                    (<VariableNode>f._out_nodes[k])._pending = None
        for node in leaves:
            node._in_leaves = False
            node._pending = None
        raise
    finally:
        if old_backprop is _missing:
            del _config.enable_backprop
        else:
            _config.enable_backprop = old_backprop


cdef object _missing = object()


def backward(outputs, grad_outputs=None, **kwargs):
    """Backprop from several outputs at once; each function runs once.

    ``grad_outputs`` None means each output's ``grad_var`` (consumed).  Unlike
    ``Variable.backward`` no grad is seeded with ones.
    """
    cdef Variable y
    enable_double_backprop = kwargs.pop('enable_double_backprop', False)
    if kwargs:
        raise TypeError('backward: unexpected arguments {}'.format(sorted(kwargs)))
    if not isinstance(outputs, (tuple, list)):
        raise TypeError('backward: outputs must be a tuple or a list, got {}'
                        .format(type(outputs).__name__))
    for y in outputs:
        if not isinstance(y, Variable):
            raise TypeError('backward: outputs must be Variables, got {}'
                            .format(type(y).__name__))
    if grad_outputs is None:
        grad_outputs = []
        for y in outputs:
            g = y._node._grad_var
            if g is None:
                g = y._node._grad
            y._node._grad = None
            y._node._grad_var = None
            if g is None:
                warnings.warn('backward: an output has no grad; it is skipped',
                              RuntimeWarning, stacklevel=2)
            grad_outputs.append(g)
    else:
        if not isinstance(grad_outputs, (tuple, list)):
            raise TypeError('backward: grad_outputs must be a tuple or a list, got {}'
                            .format(type(grad_outputs).__name__))
        if len(outputs) != len(grad_outputs):
            raise ValueError('backward: {} outputs but {} grad_outputs'
                             .format(len(outputs), len(grad_outputs)))
    roots = []
    grads = []
    seen = set()
    for y, g in zip(outputs, grad_outputs):
        if id(y._node) in seen:
            warnings.warn('backward: duplicate outputs; the gradient is used once',
                          RuntimeWarning, stacklevel=2)
            continue
        seen.add(id(y._node))
        if g is None:
            continue
        if enable_double_backprop:
            if not isinstance(g, Variable):
                g = _wrap(g, False)
        elif isinstance(g, Variable):
            g = (<Variable>g)._data
        roots.append(y._node)
        grads.append(g)
    _backprop(roots, grads, False, enable_double_backprop, False)


def grad(outputs, inputs, grad_outputs=None, grad_inputs=None, set_grad=False,
         retain_grad=False, enable_double_backprop=False, loss_scale=None):
    """Gradients of ``outputs`` with respect to ``inputs``, walking only the
    part of the graph that connects them; ``.grad`` attributes are left alone
    unless ``set_grad``.  Returns a list of Variables (None where unreachable)."""
    cdef Variable v
    cdef VariableNode node
    cdef FunctionNode f
    if not isinstance(outputs, (tuple, list)):
        raise TypeError('grad: outputs must be a tuple or a list, got {}'
                        .format(type(outputs).__name__))
    if not isinstance(inputs, (tuple, list)):
        raise TypeError('grad: inputs must be a tuple or a list, got {}'
                        .format(type(inputs).__name__))
    if grad_outputs is not None:
        if not isinstance(grad_outputs, (tuple, list)):
            raise TypeError('grad: grad_outputs must be a tuple or a list')
        if len(grad_outputs) != len(outputs):
            raise ValueError('grad: {} outputs but {} grad_outputs'
                             .format(len(outputs), len(grad_outputs)))
    if grad_inputs is not None:
        if not isinstance(grad_inputs, (tuple, list)):
            raise TypeError('grad: grad_inputs must be a tuple or a list')
        if len(grad_inputs) != len(inputs):
            raise ValueError('grad: {} inputs but {} grad_inputs'
                             .format(len(inputs), len(grad_inputs)))
    for v in inputs:
        v._node._keep_pending = True
    marked = _mark_needed(outputs)
    try:
        roots = []
        grads = []
        for i, y in enumerate(outputs):
            v = y
            g = None if grad_outputs is None else grad_outputs[i]
            if g is None:
                g = v.xp.ones_like(v._data)
            if loss_scale is not None:
                g = g * loss_scale
            if enable_double_backprop:
                if not isinstance(g, Variable):
                    g = _wrap(g, False)
            elif isinstance(g, Variable):
                g = (<Variable>g)._data
            roots.append(v._node)
            grads.append(g)
        _backprop(roots, grads, retain_grad, enable_double_backprop, True)
        result = []
        for i, x in enumerate(inputs):
            v = x
            g = v._node._pending
            if grad_inputs is not None and grad_inputs[i] is not None:
                gi = grad_inputs[i]
                g = gi if g is None else _F.add(gi, g) if (
                    isinstance(g, Variable) or isinstance(gi, Variable)) else g + gi
            if g is not None and not isinstance(g, Variable):
                g = _wrap(g, False)
            result.append(g)
        if set_grad:
            for x, g in zip(inputs, result):
                (<Variable>x).grad_var = g
        return result
    finally:
        for v in inputs:
            v._node._keep_pending = False
            v._node._pending = None
        for v in outputs:
            v._node._pending = None
        for f in marked:
            f._needed = False


cdef list _mark_needed(outputs):
    """Mark the functions that lie on a path from a target input to an output.

    Iterative post-order DFS from the outputs' creators; a function is needed
    when one of its inputs is a target (``_keep_pending``) or was made by a
    needed function.  Returns every visited function (to reset the marks).
    """
    cdef FunctionNode f, c
    cdef VariableNode node
    cdef Variable y
    visited = {}
    order = []
    stack = []
    for y in outputs:
        if y._node._creator is not None:
            stack.append((y._node._creator, False))
    while stack:
        f, expanded = stack.pop()
        if expanded:
            needed = False
            for node in f.inputs:
                if node._keep_pending or (node._creator is not None and node._creator._needed):
                    needed = True
                    break
            f._needed = needed
            continue
        if id(f) in visited:
            continue
        visited[id(f)] = f
        order.append(f)
        stack.append((f, True))
        for node in (f.inputs or ()):
            if node._creator is not None and id(node._creator) not in visited:
                stack.append((node._creator, False))
    return order
