# Included by graph.pyx: the backward loop, backward() and grad().

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


cdef inline void _add_leaf_pending(dict pending, VariableNode node, object g, bint double):
    """Like _add_pending, for a leaf: its gradient is gathered in the pass's own
    dict (node -> [grad, owned]), since leaves (parameters) are shared between
    graphs that other threads may be backpropagating at the same time."""
    cdef list cur = pending.get(node)
    if cur is None:
        pending[node] = [g, False]
    elif double:
        cur[0] = _F.add(cur[0], g)
    elif cur[1] and type(cur[0]) is _ndarray:
        acc = cur[0]
        acc += g
    else:
        cur[0] = _sum_new(cur[0], g)
        cur[1] = True


cdef _store_grad(VariableNode node, object g, bint owned, bint double):
    """Overwrite the node's gradient (intermediates under retain_grad)."""
    if double:
        node._grad_var = g
        node._grad = None
    else:
        node._grad = g
        node._grad_var = None
    node._grad_owned = owned


cdef _accumulate_leaf(VariableNode node, object g, bint owned, bint double):
    """Add the gathered gradient ``g`` into the leaf's stored one (called with
    _leaf_lock held: threads may share the leaf)."""
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


cdef inline bint _before(PyObject* a, PyObject* b):
    """Heap order: higher rank first; equal ranks first-in first-out."""
    cdef FunctionNode fa = <FunctionNode>a, fb = <FunctionNode>b
    return fa.rank > fb.rank or (fa.rank == fb.rank and fa._seq < fb._seq)


# The queue of functions to run: a binary max-heap on rank in a C array of
# strong references.  It starts in a buffer on _backprop's stack and moves to
# PyMem when it outgrows it (a Python list was reallocated at every push and
# pop of a chain, where the queue holds one function at a time).
cdef enum:
    _HEAP_BUF = 32

cdef struct _Heap:
    PyObject** items
    Py_ssize_t n
    Py_ssize_t cap
    PyObject** buf                     # the initial buffer (not freed)
    long counter


cdef int _push(_Heap* h, FunctionNode f) except -1:
    """Queue ``f`` once."""
    cdef Py_ssize_t i, parent
    cdef PyObject** grown
    if f._queued:
        return 0
    if h.n == h.cap:
        grown = <PyObject**>PyMem_Malloc(2 * h.cap * sizeof(PyObject*))
        if grown == NULL:
            raise MemoryError()
        memcpy(grown, h.items, h.n * sizeof(PyObject*))
        if h.items != h.buf:
            PyMem_Free(h.items)
        h.items = grown
        h.cap *= 2
    f._queued = True
    h.counter += 1
    f._seq = h.counter
    Py_INCREF(f)
    i = h.n
    h.n += 1
    while i > 0:
        parent = (i - 1) >> 1
        if not _before(<PyObject*>f, h.items[parent]):
            break
        h.items[i] = h.items[parent]
        i = parent
    h.items[i] = <PyObject*>f
    return 0


cdef FunctionNode _pop(_Heap* h):
    """Take the first function off a non-empty heap."""
    cdef PyObject* top = h.items[0]
    cdef PyObject* last
    cdef Py_ssize_t n, i = 0, child
    h.n -= 1
    n = h.n
    last = h.items[n]
    if n:
        while True:
            child = 2 * i + 1
            if child >= n:
                break
            if child + 1 < n and _before(h.items[child + 1], h.items[child]):
                child += 1
            if not _before(h.items[child], last):
                break
            h.items[i] = h.items[child]
            i = child
        h.items[i] = last
    cdef FunctionNode f = <FunctionNode>top
    Py_DECREF(f)                       # the heap's reference, now held by f
    f._queued = False
    return f


cdef void _heap_release(_Heap* h):
    """Unqueue what is left (after an error) and free the storage."""
    cdef FunctionNode f
    cdef Py_ssize_t k
    while h.n:
        h.n -= 1
        f = <FunctionNode>h.items[h.n]
        Py_DECREF(f)
        f._queued = False
        for k in range(f._n_out):
            if f._out_nodes[k] != NULL:
                (<VariableNode>f._out_nodes[k])._pending = None
    if h.items != h.buf:
        PyMem_Free(h.items)
    h.items = h.buf
    h.cap = 0


cdef tuple _call_backward(FunctionNode f, tuple indexes, tuple gys, bint double, bint fast,
                          tuple grad_inputs=None):
    """Run one function's backward; returns raw arrays (or Variables if double).
    With ``grad_inputs`` (the gradients gathered so far for the target inputs,
    taken off them) it calls ``backward_accumulate`` instead."""
    cdef Py_ssize_t k, n_in = len(f.inputs)
    cdef VariableNode node
    if _hook_count:
        in_data = tuple([(<VariableNode>node_)._data for node_ in f.inputs])
        _run_hooks('backward_preprocess', f, in_data, gys)
        try:
            gxs = _call_backward_plain(f, indexes, gys, double, fast, grad_inputs)
            _run_hooks('backward_gradients', f, indexes, gxs)
        finally:
            _run_hooks('backward_postprocess', f, in_data, gys)
    else:
        gxs = _call_backward_plain(f, indexes, gys, double, fast, grad_inputs)
    if _debug_here():
        _check_nan(f, gxs, 'backward')
    return gxs


cdef tuple _call_backward_plain(FunctionNode f, tuple indexes, tuple gys, bint double,
                                bint fast, tuple grad_inputs):
    cdef Py_ssize_t k, n_in = len(f.inputs)
    cdef VariableNode node
    if fast:
        if f._flags & _RECIPE and type(gys[0]) is _ndarray:
            gxs = f.gradient(_numpy_ops, indexes, gys)
        else:
            gxs = f.backward_arrays(indexes, gys)
        if (type(gxs) is tuple and len(<tuple>gxs) == len(indexes)
                and not _legacy_promotion and _all_plain(<tuple>gxs)):
            return <tuple>gxs            # the common case: nothing to convert
    else:
        gy_vars = []
        for g in gys:
            if g is None or isinstance(g, Variable):
                gy_vars.append(g)
            else:
                gy_vars.append(_wrap(g, False))
        if grad_inputs is None:
            gxs = f.backward(indexes, tuple(gy_vars))
        else:
            gxs = f.backward_accumulate(indexes, tuple(gy_vars), grad_inputs)
            if not isinstance(gxs, (tuple, list)) or len(gxs) != len(indexes):
                raise ValueError(
                    '{}.backward_accumulate must return a tuple of {} gradients (one per '
                    'target input index), got {!r}'.format(f._impl_name, len(indexes), gxs))
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
            'index) or {} (one per input): number of gradients returned from backward '
            'is incorrect'.format(f._impl_name, len(gxs), len(indexes), n_in))
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


cdef inline bint _all_plain(tuple gxs):
    for gx in gxs:
        if gx is not None and type(gx) is not _ndarray:
            return False
    return True


cdef _check_grad_type(FunctionNode f, int index, object gx):
    cdef VariableNode node = f.inputs[index]
    g = (<Variable>gx)._data if isinstance(gx, Variable) else gx
    if not _is_array(g):
        raise TypeError('{}.backward: gradient for input {} must be an ndarray or '
                        'Variable, got {}'.format(f._impl_name, index, type(g).__name__))
    if node._dtype is not None and g.dtype != node._dtype:
        raise TypeError('{}.backward: gradient for input {} has dtype {}; expected {} '
                        '(the input\'s): dtype of gradients returned from backward is '
                        'incorrect'.format(f._impl_name, index, g.dtype, node._dtype))
    if node._shape is not None and g.shape != node._shape:
        raise ValueError('{}.backward: gradient for input {} has shape {}; expected {} '
                         '(the input\'s): shape of gradients returned from backward is '
                         'incorrect'.format(f._impl_name, index, g.shape, node._shape))


cdef tuple _ONE_INDEX = (0,)


cdef tuple _take_output_grads(FunctionNode f, bint retain_grad, bint double, set targets):
    """The gathered grads of ``f``'s outputs (None where none came), taken off
    the nodes; None if no output got a grad."""
    cdef VariableNode node
    cdef Py_ssize_t k, n_out = f._n_out
    cdef list gys = None
    for k in range(n_out):
        if f._out_nodes[k] == NULL:
            continue
        node = <VariableNode>f._out_nodes[k]
        g = node._pending
        if g is None:
            continue
        if targets is None or node not in targets:
            node._pending = None
        if retain_grad and node._variable != NULL and not _holds_grad(node, g):
            _store_grad(node, g, False, double)
        if n_out == 1:
            return (g,)
        if gys is None:
            gys = [None] * n_out
        gys[k] = g
    return None if gys is None else tuple(gys)


cdef inline bint _holds_grad(VariableNode node, object g):
    """Is ``g`` the node's own gradient already (an output's, under
    retain_grad)?  Then it stays as it is: its grad_var keeps its identity."""
    gv = node._grad_var
    if gv is not None:
        return gv is g or (<Variable>gv)._data is g
    return node._grad is g


cdef inline bint _is_target(VariableNode xnode, set targets):
    """Does backward compute a gradient for this input?  (``targets``: the
    inputs grad() asked for; None for backward(), which wants them all.)"""
    if not xnode.requires_grad:
        return False
    if targets is not None and (xnode._creator is None or not xnode._creator._needed):
        return xnode in targets
    return True


cdef tuple _take_grad_inputs(tuple inputs, tuple indexes, dict leaves, bint double):
    """The gradients gathered so far for the target inputs, as Variables (or
    None), taken off the inputs for ``backward_accumulate``, whose results
    replace them.  An input given twice gets its gradient at its first place
    only (Chainer's rule)."""
    cdef VariableNode xnode
    cdef list cur
    out = []
    for k in indexes:
        xnode = inputs[k]
        if xnode._creator is not None:
            g = xnode._pending
            xnode._pending = None
        else:
            cur = leaves.pop(xnode, None)
            g = None if cur is None else cur[0]
        if g is not None and not double:
            g = _wrap(g, False)
        out.append(g)
    return tuple(out)


cdef object _leaf_lock = threading.Lock()


cdef dict _backprop(list roots, list root_grads, bint retain_grad, bint double,
                    set targets=None, object loss_scale=None):
    """The backward loop shared by Variable.backward, fastgrad.backward and grad.

    ``targets`` (grad()): only functions marked ``_needed`` run; the gradients
    of target nodes are left for the caller: in the returned dict (node ->
    [grad, owned]) for leaves, on the node's ``_pending`` for the others.
    backward() (``targets`` None) adds the leaves' gradients into their grads.

    State that lives on nodes during the pass belongs to this graph alone;
    what concerns leaves, which threads may share, lives in the pass's dict.
    """
    cdef PyObject* heap_buf[_HEAP_BUF]
    cdef _Heap heap
    heap.items = heap.buf = heap_buf
    heap.n = 0
    heap.cap = _HEAP_BUF
    heap.counter = 0
    cdef dict leaves = {}                # leaf node -> [gathered grad, owned]
    cdef bint grad_mode = targets is not None
    cdef VariableNode node, xnode
    cdef FunctionNode f
    cdef Py_ssize_t i, k
    cdef bint fast
    cdef tuple gys, indexes, inputs, gxs

    global _track_all
    old_backprop = _config.__dict__.get('enable_backprop', _missing)
    _config.enable_backprop = double
    if double:
        # Grad Variables will be stored on nodes, and their graphs read the
        # forward graph: cycles.  Put the forward graph back under the cycle
        # collector, and keep everything this pass makes there (_gc_tracking).
        _track_graph(roots)
        _track_graph(root_grads)
        _track_all += 1
    try:
        for i in range(len(roots)):
            node = roots[i]
            g = root_grads[i]
            if g is None:
                continue
            if node._creator is not None:
                _add_pending(node, g, double)
                if not grad_mode or node._creator._needed:
                    _push(&heap, node._creator)
            else:
                _add_leaf_pending(leaves, node, g, double)

        while heap.n:
            f = _pop(&heap)
            gys = _take_output_grads(f, retain_grad, double, targets)
            if gys is None or f.inputs is None:
                continue
            inputs = f.inputs
            if len(inputs) == 1:
                # one input (most ops): no per-call index list
                indexes = _ONE_INDEX if _is_target(<VariableNode>inputs[0], targets) else None
            else:
                wanted = []
                for i in range(len(inputs)):
                    if _is_target(<VariableNode>inputs[i], targets):
                        wanted.append(i)
                indexes = tuple(wanted) if wanted else None
            if indexes is None:
                continue
            fast = (not double) and (f._flags & _FAST_BACKWARD) != 0
            if f._flags & _ACCUMULATE:
                gxs = _call_backward(f, indexes, gys, double, False,
                                     _take_grad_inputs(inputs, indexes, leaves, double))
            else:
                gxs = _call_backward(f, indexes, gys, double, fast)
            gys = None
            for k in range(len(indexes)):
                gx = gxs[k]
                if gx is None:
                    continue
                xnode = inputs[indexes[k]]
                if xnode._creator is not None:
                    _add_pending(xnode, gx, double)
                    if not grad_mode or xnode._creator._needed:
                        _push(&heap, xnode._creator)
                else:
                    _add_leaf_pending(leaves, xnode, gx, double)
        f = None

        if not grad_mode and leaves:
            with _leaf_lock:
                for node, gathered in leaves.items():
                    _accumulate_leaf(node, (<list>gathered)[0], (<list>gathered)[1], double)
                    if loss_scale is not None and node._variable != NULL:
                        # Optimizers divide the grads of leaves tagged this way.
                        leaf = <object>node._variable
                        if hasattr(leaf, '__dict__'):
                            leaf._loss_scale = loss_scale
        return leaves
    except Exception as e:
        if _debug_here() and f is not None:
            _add_stack_to_error(f, e)   # the error of f's backward
        raise
    finally:
        # After an error: leave no half-gathered gradient behind for the
        # next backward (_heap_release).
        _heap_release(&heap)
        if double:
            _track_all -= 1
        if old_backprop is _missing:
            del _config.enable_backprop
        else:
            _config.enable_backprop = old_backprop


cdef object _missing = object()


def backward(outputs, grad_outputs=None, **kwargs):
    """Backprop from several outputs at once; each function runs once.

    ``grad_outputs`` None means each output's ``grad_var`` (consumed).  Unlike
    ``Variable.backward`` no grad is seeded with ones.

    >>> x = Variable(np.array([1., 2.], dtype=np.float32))
    >>> y1, y2 = 2 * x, x * x
    >>> ones = np.ones(2, dtype=np.float32)
    >>> fastgrad.backward([y1, y2], [ones, ones])
    >>> x.grad
    array([4., 6.], dtype=float32)
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
    for i, (y, g) in enumerate(zip(outputs, grad_outputs)):
        if g is not None:
            y._check_grad((<Variable>g)._data if isinstance(g, Variable) else g,
                          'backward: grad_outputs[{}]'.format(i))
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
    _backprop(roots, grads, False, enable_double_backprop)


def grad(outputs, inputs, grad_outputs=None, grad_inputs=None, set_grad=False,
         retain_grad=False, enable_double_backprop=False, loss_scale=None):
    """Gradients of ``outputs`` with respect to ``inputs``, walking only the
    part of the graph that connects them; ``.grad`` attributes are left alone
    unless ``set_grad`` (the inputs get theirs) or ``retain_grad`` (every
    non-leaf variable the pass reaches gets its own).  Returns a list of
    Variables (None where unreachable).

    >>> x = Variable(np.array([1., 2.], dtype=np.float32))
    >>> y = F.sum(x * x)
    >>> gx, = fastgrad.grad([y], [x])
    >>> gx.array
    array([2., 4.], dtype=float32)
    >>> x.grad is None
    True
    """
    cdef Variable v
    cdef VariableNode node
    cdef FunctionNode f
    if not isinstance(outputs, (tuple, list)):
        raise TypeError('grad: outputs must be a tuple or a list, got {}'
                        .format(type(outputs).__name__))
    if not isinstance(inputs, (tuple, list)):
        raise TypeError('grad: inputs must be a tuple or a list, got {}'
                        .format(type(inputs).__name__))
    for what, seq in (('outputs', outputs), ('inputs', inputs)):
        for i, v in enumerate(seq):
            if not isinstance(v, Variable):
                raise TypeError('grad: {}[{}] must be a Variable, got {}'
                                .format(what, i, type(v).__name__))
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
    cdef set targets = set()
    for v in inputs:
        targets.add(v._node)
    marked = _mark_needed(outputs, targets)
    try:
        roots = []
        grads = []
        for i, y in enumerate(outputs):
            v = y
            g = None if grad_outputs is None else grad_outputs[i]
            if g is None:
                g = v.xp.ones_like(v._data)
            roots.append(v._node)
            grads.append(_seed(v, g, 'grad_outputs', i, loss_scale,
                               enable_double_backprop))
        if grad_inputs is not None:
            # Initial gradients of the inputs, seeded where the pass gathers
            # theirs: an input that lies on the path of another input passes
            # its gradient on to it, as in Chainer.
            for i, x in enumerate(inputs):
                g = grad_inputs[i]
                if g is None:
                    continue
                v = x
                roots.append(v._node)
                grads.append(_seed(v, g, 'grad_inputs', i, None,
                                   enable_double_backprop))
        leaves = _backprop(roots, grads, retain_grad, enable_double_backprop, targets)
        result = []
        for i, x in enumerate(inputs):
            v = x
            node = v._node
            if node._creator is None:
                gathered = leaves.get(node)
                g = None if gathered is None else gathered[0]
            else:
                g = node._pending
            if g is not None and not isinstance(g, Variable):
                g = _wrap(g, False)
            result.append(g)
        if set_grad:
            for x, g in zip(inputs, result):
                (<Variable>x).grad_var = g
        elif retain_grad:
            # Every non-leaf variable the pass reached keeps its gradient, the
            # inputs with a creator too (the pass need not run that creator).
            for x, g in zip(inputs, result):
                if g is not None and (<Variable>x)._node._creator is not None:
                    (<Variable>x).grad_var = g
        return result
    finally:
        for v in inputs:
            if v._node._creator is not None:
                v._node._pending = None
        for v in outputs:
            v._node._pending = None
        for f in marked:
            f._needed = False


cdef object _seed(Variable v, g, str what, Py_ssize_t i, loss_scale,
                  bint double_backprop):
    """One initial gradient of grad(), checked against ``v`` and scaled; a
    Variable when double backprop is on (its graph is kept), an array else."""
    v._check_grad((<Variable>g)._data if isinstance(g, Variable) else g,
                  'grad: {}[{}]'.format(what, i))
    if loss_scale is not None:
        g = g * loss_scale
    if double_backprop:
        if not isinstance(g, Variable):
            g = _wrap(g, False)
    elif isinstance(g, Variable):
        g = (<Variable>g)._data
    return g


cdef list _mark_needed(outputs, set targets):
    """Mark the functions that lie on a path from a target input to an output.

    Iterative post-order DFS from the outputs' creators; a function is needed
    when one of its inputs is in ``targets`` or was made by a
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
                if node in targets or (node._creator is not None and node._creator._needed):
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
