# Included by graph.pyx: which graph objects the cycle collector must see.
#
# Python's cycle collector walks every tracked container, and its full
# collections rescan the whole live heap.  A graph of 10,000 ops is 40,000
# tracked objects (function, inputs tuple, Variable, node per op), so building
# it triggers full collections that cost more than the ops themselves.  Yet a
# graph built by forward passes alone cannot contain a cycle: a node refers to
# its creator, a function to its input nodes, always upstream, and the
# links back (node -> Variable, function -> outputs) are borrowed pointers.
#
# So ``_apply`` takes what a *closed* function creates -- the function, its
# inputs tuple, the output Variables and nodes -- off the collector's lists.
# Cycles can then arise only through references the engine does not control;
# each such place puts the objects involved back first:
#
#  * a function class that is not closed (any user FunctionNode, or a built-in
#    one with a __dict__) may keep anything, e.g. its own output: it stays
#    tracked, and so does everything computed from its outputs (``_open``);
#  * double backprop and ``grad_var`` assignment store Variables on nodes, and
#    those Variables' graphs may lead back to the node: ``_track_graph`` walks
#    the graph from there, re-tracks every graph object it reaches and marks
#    the nodes ``_open``; while a double-backprop pass runs nothing is
#    untracked (``_track_all``);
#  * re-wiring a node's creator or a function's inputs does the same walk.
#
# A closed class says so with ``_graph_closed = True`` in its own body and
# ``__slots__`` (no instance dict), and promises that its slots hold only
# arrays, scalars, shapes and dtypes: never Variables, nodes, functions or
# user objects.

cdef extern from "Python.h":
    void PyObject_GC_Track(void* op)
    void PyObject_GC_UnTrack(void* op)
    int PyObject_GC_IsTracked(object op)

cdef int _track_all = 0       # > 0 while a double-backprop pass runs


cdef inline void _untrack(object o):
    PyObject_GC_UnTrack(<void*>o)        # a no-op on an untracked object


cdef inline void _retrack(object o):
    if not PyObject_GC_IsTracked(o):
        PyObject_GC_Track(<void*>o)


cdef _track_graph(object start):
    """Re-track every graph object reachable from ``start`` (a Variable, node,
    function or a container of them) and mark the nodes ``_open``.

    Follows Variable -> node -> creator / grad -> inputs, and the contents of
    non-closed functions and of plain containers (list, tuple, dict, set) they
    hold; other objects are not entered.
    """
    cdef VariableNode node
    cdef FunctionNode f
    cdef list stack = [start]
    cdef set seen = set()
    while stack:
        o = stack.pop()
        if o is None or id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, Variable):
            _retrack(o)
            stack.append((<Variable>o)._node)
        elif isinstance(o, VariableNode):
            node = <VariableNode>o
            _retrack(node)
            node._open = True
            stack.append(node._creator)
            stack.append(node._grad_var)
            if isinstance(node._pending, Variable):
                stack.append(node._pending)
            if node._variable != NULL:
                stack.append(<object>node._variable)
        elif isinstance(o, FunctionNode):
            f = <FunctionNode>o
            _retrack(f)
            if f.inputs is not None:
                _retrack(f.inputs)
                stack.extend(f.inputs)
            if not (_flags_of(type(f)) & _CLOSED):
                stack.extend(_gc.get_referents(f))
        elif type(o) in _PLAIN_CONTAINERS:
            stack.extend(_gc.get_referents(o))


cdef tuple _PLAIN_CONTAINERS = (list, tuple, dict, set, frozenset)


# -- Breaking the cycles the collector finds ----------------------------------
#
# Double backprop stores grad Variables on nodes whose graphs lead back to the
# node (x.grad_var = 3 * x**2 reads x): a cycle node -> grad Variable -> its
# node -> creator -> inputs -> node.  The collector breaks a cycle by calling
# tp_clear on its members.  FunctionNode uses Cython's (its __dealloc__ needs
# only the C array of output pointers).  Variable keeps none: its __dealloc__
# needs its node, and clearing the node's side breaks every cycle through it.
# VariableNode gets its own, because a node must first remove itself from its
# creator's borrowed output pointers, which Cython's generated clear would skip.

cdef extern from "Python.h":
    ctypedef int (*_clear_fn)(PyObject*) noexcept
    ctypedef struct _TypeWithClear "PyTypeObject":
        _clear_fn tp_clear


cdef int _clear_node(PyObject* o) noexcept:
    cdef VariableNode node = <VariableNode>o
    node._set_creator(None, 0)
    node._grad_var = None
    node._grad = None
    node._pending = None
    node._data = None
    return 0


(<_TypeWithClear*>VariableNode).tp_clear = _clear_node
