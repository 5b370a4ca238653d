# Included by graph.pyx: VariableNode and Variable.

# ---------------------------------------------------------------------------
# VariableNode
# ---------------------------------------------------------------------------

@cython.no_gc_clear
@cython.final
cdef class VariableNode:
    """The graph-side half of a Variable: creator, rank, and its gradient.

    Gradients live here (not on the Variable) so the backward pass never needs
    the user-facing object; a Variable reads them through its node.

    >>> x = Variable(np.zeros((2, 3), dtype=np.float32), name='x')
    >>> y = F.relu(x)
    >>> x.node.name, x.node.shape, x.node.dtype
    ('x', (2, 3), dtype('float32'))
    >>> y.node.creator.label, y.node.rank
    ('ReLU', 1)
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
    # may lie on a reference cycle: keep the ops computed from it tracked (_gc_tracking)
    cdef bint _open
    cdef object __weakref__

    def __init__(self, variable=None, name=None, **kwargs):
        if 'grad' in kwargs:
            # Chainer removed this argument and rejects it with ValueError
            raise ValueError('VariableNode: the grad argument is not supported; set '
                             'the gradient on the Variable (Variable.grad)')
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
        return _user_creator(self._creator)

    @creator.setter
    def creator(self, func):
        self.set_creator_node(func)

    def set_creator(self, creator):
        self.set_creator_node(creator)

    def set_creator_node(self, func):
        func = _as_node(func)           # an old-style Function means its node
        if func is None:
            self._set_creator(None, 0)
            return
        if not isinstance(func, FunctionNode):
            raise TypeError('creator must be a FunctionNode, got {}'.format(type(func).__name__))
        self._set_creator(<FunctionNode>func, (<FunctionNode>func)._adopt_output(self))
        _track_graph(self)              # the new edge may close a cycle

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


cdef object _user_creator(FunctionNode f):
    """``f``, or the old-style Function an adapter node wraps."""
    if f is not None and getattr(type(f), '_wraps_old_style_function', False):
        return f.function
    return f


cdef object _as_node(object func):
    """A creator given as an old-style Function means its node."""
    if func is not None and not isinstance(func, FunctionNode) and hasattr(func, 'node'):
        return func.node
    return func


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
    v._node._variable = NULL            # the node made by __cinit__ is dropped
    v._data = data
    v._node = node
    if node._variable == NULL:
        node._variable = <PyObject*>v
    return v


cdef extern from *:
    """
    /* The head of NumPy's PyArrayObject_fields (numpy/ndarraytypes.h), a
       layout NumPy keeps stable across versions (its ABI). */
    typedef struct {
        PyObject_HEAD
        char *data;
        int nd;
        Py_ssize_t *dimensions;
        Py_ssize_t *strides;
        PyObject *base;
        PyObject *descr;
    } _fg_ndarray_head;
    """
    ctypedef struct _fg_ndarray_head:
        int nd
        Py_ssize_t* dimensions
        PyObject* descr


cdef inline void _set_meta(VariableNode node, object data, object shape_hint):
    """node's shape and dtype from ``data``: for a numpy.ndarray read from the
    array struct (``data.shape`` builds a tuple through a getattr), reusing
    ``shape_hint`` (an input's shape tuple) when it is equal, as it is for
    elementwise ops."""
    cdef _fg_ndarray_head* a
    cdef Py_ssize_t k, nd
    cdef tuple shape
    if type(data) is not _ndarray:
        node._shape = data.shape
        node._dtype = data.dtype
        return
    a = <_fg_ndarray_head*><PyObject*>data
    node._dtype = <object>a.descr
    nd = a.nd
    if type(shape_hint) is tuple and len(<tuple>shape_hint) == nd:
        for k in range(nd):
            item = (<tuple>shape_hint)[k]
            if type(item) is not int or <Py_ssize_t>item != a.dimensions[k]:
                break
        else:
            node._shape = shape_hint
            return
    shape = PyTuple_New(nd)
    for k in range(nd):
        _put(shape, k, a.dimensions[k])
    node._shape = shape


cdef inline Variable _wrap(object data, bint requires_grad, object shape_hint=None):
    """Fast Variable construction for the engine (no argument checks)."""
    cdef Variable v = Variable.__new__(Variable)    # its node comes from __cinit__
    cdef VariableNode node = v._node
    node.requires_grad = requires_grad
    if data is not None:
        _set_meta(node, data, shape_hint)
    v._data = data
    return v


# ---------------------------------------------------------------------------
# Variable
# ---------------------------------------------------------------------------

cdef inline object _scalar_op(Variable v, object op_class, object value):
    """``v (op) value`` for a Python number: one ``*Constant`` node of
    basic_math (the operators' fast path).  The constant stays weakly typed,
    so v's dtype is kept; under NumPy 1's value-based promotion it is cast to
    v's dtype first."""
    if _legacy_promotion:
        value = v._data.dtype.type(value)
    # op_class(value) without the Python frame of its __init__, which only
    # stores the value (_install_functions checks that these classes have
    # no other state)
    f = _new_instance(op_class)
    f.value = value
    return _apply(f, (v,))[0]


@cython.no_gc_clear
cdef class Variable:
    """An array with a gradient and a link to the function that made it.

    ``Variable(data=None, *, name=None, grad=None, requires_grad=True)``

    >>> x = Variable(np.array([1., 2., 3.], dtype=np.float32), name='x')
    >>> y = F.sum(x * x)
    >>> y.backward()
    >>> x.grad
    array([2., 4., 6.], dtype=float32)
    >>> x.name, y.creator.label
    ('x', 'Sum')
    """
    cdef object _data
    cdef VariableNode _node
    cdef object __weakref__

    __array_priority__ = 200

    def __cinit__(self):
        # Every Variable owns a node from allocation on, so that a subclass
        # whose __init__ skips Variable.__init__ (or Variable.__new__ alone)
        # is an empty Variable, never a half-built object the core trusts.
        cdef VariableNode node = VariableNode.__new__(VariableNode)
        node.requires_grad = True
        node._variable = <PyObject*>self
        self._node = node

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
    def _has_chainerx_array(self):
        # Chainer's flag for a ChainerX-backed Variable; fastgrad has no
        # ChainerX arrays (its ``chainerx`` module reports it unavailable)
        return False

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
        """The function that made this Variable: the FunctionNode, or for an
        old-style ``fastgrad.Function`` the Function itself (Chainer's rule;
        ``creator_node`` is always the node)."""
        return _user_creator(self._node._creator)

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

    cdef _check_grad(self, g, str what='Variable.grad'):
        if not _is_array(g):
            raise TypeError(
                '{}: expected an ndarray of the same type as the data '
                '(or None), got {}'.format(what, type(g).__name__))
        d = self._data
        if d is None:
            return
        if _is_cupy(d) != _is_cupy(g):
            raise TypeError('{}: the data is a {} but the grad is a {}'
                            .format(what, _array_kind(d), _array_kind(g)))
        if g.dtype != d.dtype:
            raise TypeError('{}: dtype mismatch: expected {} (the data\'s), '
                            'got {}'.format(what, d.dtype, g.dtype))
        if g.shape != d.shape:
            raise ValueError('{}: shape mismatch: expected {} (the data\'s), '
                             'got {}'.format(what, d.shape, g.shape))

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
        if gv is not None:
            _track_graph(node)          # gv's graph may lead back to this node

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
        """Copy ``var``'s array into this Variable's (in place, across devices).

        An uninitialized side takes the other's shape: this Variable's data is
        then a copy; a source Parameter is initialized (by its initializer)
        and then copied from.  Both uninitialized: nothing happens.
        """
        from fastgrad import backend
        src = var.array if isinstance(var, Variable) else var
        if src is None:
            if self._data is None:
                return
            initialize = getattr(var, 'initialize', None)
            if initialize is None:
                raise ValueError('Variable.copydata: the source has no data (and is not '
                                 'a Parameter that could be initialized)')
            initialize(self._data.shape)
            src = var.array
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
        _backprop([node], [gv], retain_grad, enable_double_backprop, None, loss_scale)

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
        return _format(self, ', ', True)

    def __str__(self):
        # like numpy.array_str: no shape for an empty array
        return _format(self, ' ', False)

    def summary(self):
        if self.name:
            return '<variable {}>'.format(self.name)
        return '<variable at 0x{:x}>'.format(id(self))

    def debug_print(self):
        """A summary of the data and the gradient: device, array type, shape,
        dtype, and the mean and standard deviation of each (Chainer's format;
        the gradient shows as 0 when it is all zeros).

        >>> v = Variable(np.array([1., 3.], dtype=np.float32), name='v')
        >>> print(v.debug_print())
        <variable v>
        - device: CPU
        - backend: <class 'numpy.ndarray'>
        - shape: (2,)
        - dtype: float32
        - statistics: mean=2.00000000, std=1.00000000
        - grad: None
        """
        arr = self._data
        if arr is None:
            device = backend_type = shape = dtype = stats = None
        else:
            xp = self.xp
            device = arr.device if _is_cupy(arr) else 'CPU'
            backend_type = type(arr)
            shape = arr.shape
            dtype = arr.dtype
            stats = _mean_std(xp, arr)
        g = self.grad
        if g is None:
            grad = None
        elif not self.xp.any(g):
            grad = 0
        else:
            grad = _mean_std(self.xp, g)
        return ('{}\n- device: {}\n- backend: {}\n- shape: {}\n- dtype: {}\n'
                '- statistics: {}\n- grad: {}').format(
                    self.summary(), device, backend_type, shape, dtype, stats, grad)

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
            return _scalar_op(self, _AddConstant, other)
        return _F.add(self, other)

    def __radd__(self, other):
        if _is_py_scalar(other):
            return _scalar_op(self, _AddConstant, other)
        return _F.add(self, other)

    def __sub__(self, other):
        if _is_py_scalar(other):
            return _scalar_op(self, _AddConstant, -other)
        return _F.sub(self, other)

    def __rsub__(self, other):
        return _F.rsub(self, other)

    def __mul__(self, other):
        if _is_py_scalar(other):
            return _scalar_op(self, _MulConstant, other)
        return _F.mul(self, other)

    def __rmul__(self, other):
        if _is_py_scalar(other):
            return _scalar_op(self, _MulConstant, other)
        return _F.mul(self, other)

    def __truediv__(self, other):
        if _is_py_scalar(other):
            return _scalar_op(self, _DivByConstant, other)
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


cdef str _mean_std(object xp, object a):
    return 'mean={:.8f}, std={:.8f}'.format(float(xp.mean(a)), float(xp.std(a)))


cdef str _format(Variable v, str separator, bint show_empty_shape):
    name = v._node.name
    prefix = 'variable {}'.format(name) if name else 'variable'
    arr = v._data
    if arr is None:
        body = 'None'
    else:
        if _is_cupy(arr):
            arr = arr.get()
        if arr.size > 0 or arr.shape == (0,) or not show_empty_shape:
            body = numpy.array2string(arr, separator=separator, prefix=prefix + '(')
        else:
            body = '[], shape={}'.format(repr(arr.shape))
    return '{}({})'.format(prefix, body)


def as_variable(obj):
    """``obj`` itself if it is a Variable, else a Variable with requires_grad=False.

    >>> v = fastgrad.as_variable(np.ones(2, dtype=np.float32))
    >>> v.requires_grad
    False
    >>> fastgrad.as_variable(v) is v
    True
    """
    if isinstance(obj, Variable):
        return obj
    if not _is_array(obj):
        raise TypeError('as_variable: expected an ndarray or Variable, got {}'
                        .format(type(obj).__name__))
    return _wrap(obj, False)


def as_array(obj):
    """The array of a Variable, or ``obj`` itself.

    >>> a = np.zeros(3, dtype=np.float32)
    >>> fastgrad.as_array(Variable(a)) is a, fastgrad.as_array(a) is a
    (True, True)
    """
    if isinstance(obj, Variable):
        return (<Variable>obj)._data
    return obj
