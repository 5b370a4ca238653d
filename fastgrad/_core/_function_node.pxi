# Included by graph.pyx: FunctionNode and apply.

# ---------------------------------------------------------------------------
# FunctionNode
# ---------------------------------------------------------------------------

cdef dict _type_flags = {}     # type -> _TypeInfo
cdef int _CHECK_TYPE = 1
cdef int _FAST_BACKWARD = 2
cdef int _CLOSED = 4           # instances hold no graph or user objects (_gc_tracking)
cdef int _RECIPE = 8           # an Op whose gradient() the engine may call directly
cdef int _CHECK_ARRAYS = 16    # an Op with compiled input checks (Op.checks)
cdef int _ACCUMULATE = 32      # overrides backward_accumulate: the engine calls that

cdef type _Op = None           # fastgrad.functions._util.recipe.Op, once imported
cdef object _numpy_ops = None  # its namespace over NumPy arrays


def _install_recipe(op_class, numpy_ops):
    """Called by the recipe module: the fast path calls ``gradient(numpy_ops, ...)``
    itself, saving the ``backward_arrays`` frame that would pick the namespace."""
    global _Op, _numpy_ops
    _Op = op_class
    _numpy_ops = numpy_ops
    _type_flags.clear()
    memset(_ti_types, 0, sizeof(_ti_types))


@cython.final
cdef class _TypeInfo:
    """What the engine caches about a FunctionNode subclass."""
    cdef int flags
    cdef tuple fast_checks     # Checks.fast of an Op's checks, or None


cdef inline int _flags_of(type cls) except? -1:
    return _type_info(cls).flags


# In front of _type_flags, a direct-mapped cache of borrowed pointers (the dict
# keeps both the classes and their infos alive; _install_recipe empties both).
cdef enum:
    _TI_CACHE = 64
cdef PyObject* _ti_types[_TI_CACHE]
cdef PyObject* _ti_infos[_TI_CACHE]


cdef inline _TypeInfo _type_info(type cls):
    cdef size_t k = (<size_t><PyObject*>cls >> 5) & (_TI_CACHE - 1)
    if _ti_types[k] == <PyObject*>cls:
        return <_TypeInfo>_ti_infos[k]
    info = _type_info_lookup(cls)
    _ti_types[k] = <PyObject*>cls
    _ti_infos[k] = <PyObject*>info
    return info


cdef _TypeInfo _type_info_lookup(type cls):
    """Which optional hooks a FunctionNode subclass provides (cached per class)."""
    cdef PyObject* cached = PyDict_GetItemWithError(_type_flags, cls)
    if cached != NULL:
        return <_TypeInfo>cached
    cdef int f = 0
    cdef _TypeInfo info = _TypeInfo.__new__(_TypeInfo)
    mro = cls.__mro__
    if (_defining_class(mro, 'check_type_forward') is not FunctionNode
            or cls is _FunctionNodeInstance):
        # FunctionNode() itself: its check_type_forward may be set on the instance
        f |= _CHECK_TYPE
    checker = _defining_class(mro, '_check_arrays')
    if checker is not None:
        f |= _CHECK_ARRAYS
        # the shortcut only when it was declared with these very checks
        if _defining_class(mro, '_check_fast') is checker:
            spec = checker.__dict__['_check_fast']
            if type(spec) is tuple:
                info.fast_checks = spec
    fast = _defining_class(mro, 'backward_arrays')
    if fast is not None:
        # The raw-array path is valid only if no subclass overrode backward
        # after backward_arrays was written.
        slow = _defining_class(mro, 'backward')
        if slow is None or slow is FunctionNode or issubclass(fast, slow):
            f |= _FAST_BACKWARD
    if _defining_class(mro, 'backward_accumulate') is not FunctionNode:
        # Chainer's rule: an overridden backward_accumulate is what runs
        f = (f | _ACCUMULATE) & ~_FAST_BACKWARD
    if (_Op is not None and issubclass(cls, _Op) and fast is _Op
            and _defining_class(mro, 'backward') is _Op):
        f |= _RECIPE
    # Closedness is not inherited: a subclass must declare it again.
    if cls.__dict__.get('_graph_closed', False) and cls.__dictoffset__ == 0:
        f |= _CLOSED
    info.flags = f
    _type_flags[cls] = info
    return info


cdef extern from *:
    """
    /* The head of NumPy's PyArray_Descr (the same in NumPy 1 and 2). */
    typedef struct {
        PyObject_HEAD
        PyTypeObject *typeobj;
        char kind;
    } _fg_descr_head;
    """
    ctypedef struct _fg_descr_head:
        char kind


cdef bint _fast_checks_pass(tuple spec, tuple in_data):
    """Does ``spec`` (Checks.fast, functions/_util/checks.py) show that every
    check of the op holds?  False when it cannot: the op's check function
    then runs (and raises if a condition fails)."""
    cdef Py_ssize_t n = len(in_data), i, j
    cdef long code
    cdef tuple cond
    cdef _fg_ndarray_head* a
    cdef _fg_ndarray_head* b
    if n < <Py_ssize_t>spec[0] or n > <Py_ssize_t>spec[1]:
        return False
    for c in <tuple>spec[2]:
        cond = <tuple>c
        code = cond[0]
        i = cond[1]
        j = cond[2]
        if i >= n or j >= n:
            continue                   # an optional input that is not given
        x = in_data[i]
        if type(x) is not _ndarray:
            return False
        a = <_fg_ndarray_head*><PyObject*>x
        if code == 1:                  # FAST_KIND_IN
            kinds = cond[3]
            if type(kinds) is not str:
                return False
            if chr((<_fg_descr_head*>a.descr).kind) not in <str>kinds:
                return False
        elif code == 2:                # FAST_DTYPE_EQ (the same dtype object)
            y = in_data[j]
            if type(y) is not _ndarray:
                return False
            b = <_fg_ndarray_head*><PyObject*>y
            if a.descr != b.descr:
                return False
        elif code == 3:                # FAST_NDIM_EQ
            if a.nd != <long>cond[3]:
                return False
        elif code == 4:                # FAST_NDIM_GE
            if a.nd < <long>cond[3]:
                return False
        else:
            return False
    return True


cdef object _defining_class(tuple mro, str name):
    for klass in mro:
        if name in klass.__dict__:
            return klass
    return None


cdef class FunctionNode:
    """A differentiable operation (Chainer's new-style function contract).

    Subclasses implement ``forward(inputs)`` on raw arrays returning a tuple, and
    ``backward(target_input_indexes, grad_outputs)`` on Variables returning one
    Variable (or None) per target index.  Built-in ops may also define
    ``backward_arrays(target_input_indexes, grad_outputs)`` on raw arrays: the
    engine uses it when no graph is being recorded during backward.

    >>> class Cube(fastgrad.FunctionNode):
    ...     def forward(self, inputs):
    ...         self.retain_inputs((0,))
    ...         x, = inputs
    ...         return x ** 3,
    ...     def backward(self, target_input_indexes, grad_outputs):
    ...         x, = self.get_retained_inputs()
    ...         return 3 * x ** 2 * grad_outputs[0],
    >>> x = Variable(np.array([1., 2.], dtype=np.float32))
    >>> y, = Cube().apply((x,))
    >>> y.array
    array([1., 8.], dtype=float32)
    >>> gx, = fastgrad.grad([F.sum(y)], [x])
    >>> gx.array
    array([ 3., 12.], dtype=float32)
    """
    cdef readonly tuple inputs         # set by apply only (see _gc_tracking)
    cdef PyObject** _out_nodes         # borrowed; cleared by each node's dealloc
    cdef PyObject* _out1               # _out_nodes' storage for one output (no malloc)
    cdef int _n_out
    cdef public int rank
    cdef tuple _retain_in
    cdef tuple _retain_out
    cdef tuple _retained_output_data
    cdef bint _queued
    cdef bint _needed
    cdef int _flags                    # _CHECK_TYPE | _FAST_BACKWARD, set by apply
    cdef long _seq                     # FIFO order among equal ranks in the heap
    cdef object _local_hooks           # OrderedDict of FunctionHooks, or None
    cdef object __weakref__

    is_elementwise = False
    lazy_grad_sum = False

    def __dealloc__(self):
        # Output nodes hold this function strongly, so none is alive here.
        self._free_out_nodes()

    cdef inline void _free_out_nodes(self):
        if self._out_nodes != NULL and self._out_nodes != &self._out1:
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
        self._free_out_nodes()
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
    def _impl_name(self):
        return type(self).__name__

    @property
    def stack(self):
        """Where ``apply`` was called (a ``traceback.StackSummary``), recorded
        in debug mode only (``fastgrad.set_debug``); else None.  An error
        raised by this function's backward then shows it."""
        return _debug_stacks.get(self)

    @stack.setter
    def stack(self, summary):
        if summary is None:
            _debug_stacks.pop(self, None)
        else:
            _debug_stacks[self] = summary

    @property
    def local_function_hooks(self):
        """The hooks registered on this function only (name -> hook)."""
        if self._local_hooks is None:
            import collections
            self._local_hooks = collections.OrderedDict()
        return self._local_hooks

    def add_hook(self, hook, name=None):
        """Register a FunctionHook on this function (under ``name``, default
        ``hook.name``)."""
        global _hook_count
        from fastgrad.function_hook import FunctionHook
        if not isinstance(hook, FunctionHook):
            raise TypeError('add_hook: hook must be a FunctionHook, got {}'
                            .format(type(hook).__name__))
        if name is None:
            name = hook.name
        hooks = self.local_function_hooks
        if name in hooks:
            raise KeyError('hook {} already exists'.format(name))
        hooks[name] = hook
        _hook_count += 1
        hook.added(self)

    def delete_hook(self, name):
        """Unregister the hook named ``name`` from this function."""
        global _hook_count
        hooks = self.local_function_hooks
        if name not in hooks:
            raise KeyError('no hook named {} on {}'.format(name, self.label))
        hooks[name].deleted(self)
        del hooks[name]
        _hook_count -= 1

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

    def backward_accumulate(self, target_input_indexes, grad_outputs, grad_inputs):
        """The gradients of the target inputs, each added to ``grad_inputs``.

        ``grad_inputs`` holds, per target input, the gradient gathered so far
        from other paths (or None).  A subclass may override this method
        instead of ``backward`` to fuse the computation with the sum; the
        engine then calls it, and it must return one gradient per target
        index.  This default calls ``backward`` and adds.
        """
        gxs = self.backward(target_input_indexes, grad_outputs)
        if not isinstance(gxs, (tuple, list)):
            gxs = (gxs,)
        if len(gxs) == len(self.inputs) != len(target_input_indexes):
            gxs = [gxs[i] for i in target_input_indexes]
        elif len(gxs) != len(target_input_indexes):
            raise ValueError(
                '{}.backward returned {} gradients; expected {} (one per target input '
                'index) or {} (one per input)'.format(
                    self._impl_name, len(gxs), len(target_input_indexes), len(self.inputs)))
        return tuple([gx if g_in is None else g_in if gx is None else gx + g_in
                      for gx, g_in in zip(gxs, grad_inputs)])

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
            if node._shape is None:
                out.append(None)            # the input was None
            elif node._variable != NULL:
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

    def get_retained_output_arrays(self):
        """Retained outputs as raw arrays, in ``retain_outputs`` order."""
        if self._retain_out is None:
            return ()
        return self._retained_output_data

    def get_retained_outputs(self):
        """Retained outputs as Variables; a collected output gets a new node."""
        cdef VariableNode node
        if self._retain_out is None:
            return ()
        out = []
        for i, data in zip(self._retain_out, self._retained_output_data):
            if data is None:
                out.append(None)            # forward returned None there
            elif self._out_nodes[i] != NULL:
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
                _track_graph(node)      # a new edge into this function's graph
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


cdef class _FunctionNodeInstance(FunctionNode):
    """What ``FunctionNode()`` itself makes: a FunctionNode with an instance
    dict, so that methods may be set on the instance (``f.forward_cpu = ...``,
    ``f.backward = ...``) as on Chainer's FunctionNode.

    FunctionNode keeps no dict of its own (its subclasses that declare
    ``__slots__`` stay closed for the cycle collector, _gc_tracking), so
    its tp_new hands out this subclass when asked for the base class exactly.
    """
    cdef dict __dict__

    @property
    def label(self):
        return 'FunctionNode'

    @property
    def _impl_name(self):
        return 'FunctionNode'


cdef extern from "Python.h":
    ctypedef PyObject* (*newfunc)(PyTypeObject*, PyObject*, PyObject*)
    ctypedef struct _TypeNewSlots "PyTypeObject":
        newfunc tp_new
        void* tp_vectorcall

cdef newfunc _function_node_new = (<_TypeNewSlots*><PyObject*>FunctionNode).tp_new
cdef newfunc _function_node_instance_new = (
    <_TypeNewSlots*><PyObject*>_FunctionNodeInstance).tp_new


cdef PyObject* _new_function_node(PyTypeObject* t, PyObject* args,
                                  PyObject* kwds) noexcept:
    if t == <PyTypeObject*>FunctionNode:
        return _function_node_instance_new(<PyTypeObject*>_FunctionNodeInstance, args, kwds)
    return _function_node_new(t, args, kwds)


# Set before any Python subclass exists: they inherit the tp_new slot.  The
# class's own vectorcall (Cython's shortcut for ``FunctionNode()``) would
# bypass tp_new: without it the call goes through tp_new.
(<_TypeNewSlots*><PyObject*>FunctionNode).tp_new = _new_function_node
(<_TypeNewSlots*><PyObject*>FunctionNode).tp_vectorcall = NULL


# The recipe's ns.inputs / ns.outputs (functions/_util/recipe.py): compiled,
# so a gradient's ``ns.outputs(self)`` costs no Python frame; the node's own
# method is looked up, so a subclass may override it.

def _retained_input_arrays(node):
    """``node.get_retained_input_arrays()``"""
    return node.get_retained_input_arrays()


def _retained_output_arrays(node):
    """``node.get_retained_output_arrays()``"""
    return node.get_retained_output_arrays()


def _retained_inputs(node):
    """``node.get_retained_inputs()``"""
    return node.get_retained_inputs()


def _retained_outputs(node):
    """``node.get_retained_outputs()``"""
    return node.get_retained_outputs()


cdef inline void _put(tuple t, Py_ssize_t i, object o):
    """Fill slot i of a tuple made by PyTuple_New (nothing has seen it yet)."""
    Py_INCREF(o)
    PyTuple_SET_ITEM(t, i, o)


cdef bint _has_live_output(FunctionNode f):
    cdef int i
    if f._out_nodes == NULL:
        return False
    for i in range(f._n_out):
        if f._out_nodes[i] != NULL:
            return True
    return False


cdef tuple _apply(FunctionNode f, object inputs):
    cdef Py_ssize_t n = len(inputs), i, n_out
    # Tuples built in place: apply runs once per op, and list-then-tuple
    # copies were a tenth of its cost.
    cdef tuple in_data = PyTuple_New(n)
    cdef tuple nodes = PyTuple_New(n)    # raw-array inputs get a node only when recording
    cdef bint requires_grad = False
    cdef bint has_raw = False
    cdef int rank = 0
    cdef Variable v
    cdef VariableNode node
    cdef _TypeInfo info = _type_info(type(f))
    cdef int flags = info.flags
    # may the objects made here leave the cycle collector? (_gc_tracking)
    cdef bint closed = (flags & _CLOSED) != 0 and _track_all == 0

    if f.inputs is not None and _has_live_output(f):
        # Its first outputs' backward would read the second call's inputs. Once
        # they are all gone no backward can reach it, so Chainer's habit of
        # applying one instance again (gradient checks do) is allowed then.
        raise RuntimeError('{}.apply: this instance is already part of a graph whose '
                           'outputs are alive; a FunctionNode is applied once while its '
                           'graph lives (create a new one per call)'.format(f._impl_name))
    for i in range(n):
        x = inputs[i]
        if isinstance(x, Variable):
            v = <Variable>x
            d = v._data
            if d is None:
                raise ValueError('{}: input {} is an uninitialized Variable (data is None)'
                                 .format(f.label, i))
            _put(in_data, i, d)
            node = v._node
            _put(nodes, i, node)
            if node.requires_grad:
                requires_grad = True
            if node.rank > rank:
                rank = node.rank
            if node._open:
                closed = False
        elif x is None or _is_array(x):
            # None: an absent input (Chainer's rule); it gets a node with no
            # data that takes no gradient
            _put(in_data, i, x)
            _put(nodes, i, None)
            has_raw = True
        else:
            raise TypeError('{}: input {} must be a Variable, numpy.ndarray, None or '
                            'cupy.ndarray, got {}'.format(f.label, i, type(x).__name__))
    if _cupy_ndarray is not None and n > 1:
        _check_same_device(f, in_data, 'input')

    if flags & (_CHECK_TYPE | _CHECK_ARRAYS) and _config_get('type_check'):
        if flags & _CHECK_ARRAYS and not (info.fast_checks is not None
                                          and _fast_checks_pass(info.fast_checks, in_data)):
            f._check_arrays(in_data)
        if flags & _CHECK_TYPE:
            _run_type_check(f, in_data)

    f._flags = flags
    f._retain_in = None
    f._retain_out = None
    if _hook_count:
        _run_hooks('forward_preprocess', f, in_data, None)
    if _debug_here():
        _debug_stacks[f] = traceback.extract_stack()
    outputs = f.forward(in_data)
    if _hook_count:
        _run_hooks('forward_postprocess', f, in_data, None)
    if _debug_here() and type(outputs) is tuple:
        _check_nan(f, outputs, 'forward')
    if type(outputs) is not tuple:
        raise TypeError('{}.forward must return a tuple of ndarrays, got {}'
                        .format(f._impl_name, type(outputs).__name__))
    n_out = len(outputs)
    # The core indexes with these unchecked (boundscheck=False): check them
    # here, making negative indexes positive as Chainer does.
    if f._retain_in is not None:
        f._retain_in = _checked_indexes(f, f._retain_in, n, 'retain_inputs', 'inputs')
    if f._retain_out is not None:
        f._retain_out = _checked_indexes(f, f._retain_out, n_out, 'retain_outputs',
                                         'outputs')
    cdef tuple out_vars = PyTuple_New(n_out)
    shape_hint = (<VariableNode>nodes[0])._shape if n and nodes[0] is not None else None
    for i in range(n_out):
        y = outputs[i]
        if not (type(y) is _ndarray):
            if isinstance(y, _generic):
                y = numpy.asarray(y)
            elif y is not None and not _is_array(y):   # None: a Variable without data
                raise TypeError('{}.forward output must be a tuple of ndarrays: output '
                                '{} is a {}'.format(f._impl_name, i, type(y).__name__))
        _put(out_vars, i, _wrap(y, requires_grad, shape_hint))

    if not _config_get('enable_backprop'):
        f._retain_in = None
        for i in range(n_out):            # unlinked leaves: no cycle can pass them
            v = <Variable>out_vars[i]
            _untrack(v)
            _untrack(v._node)
        return out_vars

    # record the graph
    if has_raw:
        nodes = tuple([_new_node(in_data[i], False) if nodes[i] is None else nodes[i]
                       for i in range(n)])
    f.inputs = nodes
    f.rank = rank
    if f._retain_in is not None:
        for i in f._retain_in:
            (<VariableNode>nodes[i])._data = in_data[i]
    f._free_out_nodes()
    if n_out == 1:
        f._out_nodes = &f._out1
    else:
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
        kept = PyTuple_New(len(f._retain_out))
        for i in range(len(f._retain_out)):
            v = <Variable>out_vars[<Py_ssize_t>f._retain_out[i]]
            _put(kept, i, v._data)
            v._node._data = v._data     # a retained output's node keeps its array
        f._retained_output_data = kept
    if closed:
        _untrack(f)
        _untrack(nodes)
        for i in range(n):
            node = <VariableNode>nodes[i]
            if node._creator is None and node._variable == NULL:
                _untrack(node)            # made above for a raw-array input
        for i in range(n_out):
            v = <Variable>out_vars[i]
            _untrack(v)
            _untrack(v._node)
    else:
        for i in range(n_out):
            (<Variable>out_vars[i])._node._open = True
    return out_vars


# Debug mode: each function's call stack, kept aside (not a slot: it would
# cost every op its space) while the function lives.
cdef object _debug_stacks = weakref.WeakKeyDictionary()


cdef void _add_stack_to_error(FunctionNode f, BaseException e):
    """Append where ``f`` was applied to the message of ``e``, raised by its
    backward (debug mode; Chainer's format)."""
    stack = _debug_stacks.get(f)
    if not stack:
        return
    extra = '\n{}\nStacktrace of the function ({}) is below:\n{}'.format(
        '-' * 40, f.label, ''.join(traceback.format_list(stack)))
    if not e.args:
        e.args = (extra,)
    elif isinstance(e.args[0], str):
        e.args = (e.args[0] + extra,) + e.args[1:]


cdef tuple _checked_indexes(FunctionNode f, tuple indexes, Py_ssize_t n, str method,
                            str what):
    cdef Py_ssize_t j, k
    # the common case, checked in C: non-negative Python ints in range
    for j in range(len(indexes)):
        i = indexes[j]
        if type(i) is not int:
            break
        k = i
        if k < 0 or k >= n:
            break
    else:
        return indexes
    out = []
    for i in indexes:
        try:
            k = int(i)
        except (TypeError, ValueError):
            raise TypeError('{}.{}: indexes must be ints, got {!r}'.format(
                f._impl_name, method, i)) from None
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError('{}.{}: index {} is out of range for {} {}'.format(
                f._impl_name, method, i, n, what))
        out.append(k)
    return tuple(out)


cdef _check_same_device(FunctionNode f, object arrays, str what):
    kinds = set()
    for a in arrays:
        if a is not None:
            kinds.add(_array_kind(a))
    if len(kinds) > 1:
        raise TypeError('{}: {}s mix CPU and GPU arrays ({}); move them to one device '
                        'first (to_device)'.format(f.label, what, ', '.join(sorted(kinds))))


cdef _run_type_check(FunctionNode f, tuple in_data):
    from fastgrad.utils import type_check
    # Chainer's two passes: a cheap check on plain values (light mode) first;
    # only if it fails, again on named expressions for a readable message.
    old = type_check.in_light_mode()
    type_check._set_light_mode(True)
    try:
        f.check_type_forward(type_check.get_light_types(in_data))
        return
    except type_check.InvalidType:
        pass
    finally:
        type_check._set_light_mode(old)
    in_types = type_check.get_types(in_data, 'in_types', False)
    try:
        f.check_type_forward(in_types)
    except type_check.InvalidType as e:
        msg = ('Invalid operation is performed in: {} (Forward)\n\nExpect: {}\nActual: {}\n'
               .format(f.label, e.expect, e.actual))
        raise type_check.InvalidType(e.expect, e.actual, msg=msg) from None
