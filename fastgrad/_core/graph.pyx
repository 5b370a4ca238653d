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
from cpython.object cimport PyTypeObject
from cpython.ref cimport PyObject, Py_DECREF, Py_INCREF
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.mem cimport PyMem_Malloc, PyMem_Free
from libc.string cimport memcpy, memset
cimport cython

import gc as _gc
import sys
import threading
import traceback
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
    for cls in (_AddConstant, _MulConstant, _DivByConstant):
        # _scalar_op makes them without calling __init__: it sets ``value``,
        # their only state
        if cls.__slots__ != ('value',) or cls.__dictoffset__:
            raise TypeError('{} must keep exactly one slot, value'.format(cls.__name__))


cdef extern from "Python.h":
    ctypedef PyObject* (*_newfunc)(PyTypeObject*, PyObject*, PyObject*) except NULL
    ctypedef struct _TypeWithNew "PyTypeObject":
        _newfunc tp_new


cdef object _new_instance(object cls):
    """``cls.__new__(cls)``, calling the type slot directly."""
    cdef _TypeWithNew* t = <_TypeWithNew*><PyObject*>cls
    cdef PyObject* o = t.tp_new(<PyTypeObject*>cls, <PyObject*>_EMPTY, NULL)
    obj = <object>o
    Py_DECREF(obj)                  # <object> took a second reference
    return obj


cdef tuple _EMPTY = ()


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


# -- Reading the configuration on the hot path --------------------------------
#
# ``config`` is a threading.local whose global values are class attributes of
# its type; a plain ``config.enable_backprop`` goes through threading.local's
# generic attribute lookup (some 270 instructions), and _apply reads one or
# two entries per op.  The engine reads the same entries from the two dicts
# directly: this thread's ``config.__dict__`` (overrides from using_config),
# skipped while empty, then the class dict (the global values).  The thread's
# dict is cached with the id of the thread state it belongs to (ids are never
# reused within an interpreter, unlike the thread states' addresses).  Config
# entries are plain values (no descriptors), as configuration.py sets them; a
# name found in neither dict falls back to getattr (AttributeError).

cdef extern from "Python.h":
    ctypedef struct _ThreadState "PyThreadState":
        unsigned long long id
    _ThreadState* PyThreadState_Get()
    PyObject* PyDict_GetItemWithError(object d, object key) except? NULL
    Py_ssize_t PyDict_GET_SIZE(object d)
    ctypedef struct _TypeWithDict "PyTypeObject":
        PyObject* tp_dict

cdef object _config_type = type(_config)
cdef dict _config_class_dict = <dict>(<_TypeWithDict*><PyObject*>_config_type).tp_dict
cdef object _cfg_thread_dict = None      # config.__dict__ of thread _cfg_thread_id
cdef unsigned long long _cfg_thread_id = 0


cdef inline object _thread_config_dict():
    global _cfg_thread_dict, _cfg_thread_id
    cdef unsigned long long tid = PyThreadState_Get().id
    if tid != _cfg_thread_id or _cfg_thread_dict is None:
        _cfg_thread_dict = _config.__dict__      # made by threading.local on first use
        _cfg_thread_id = tid
    return _cfg_thread_dict


cdef inline object _config_get(str name):
    """``config.<name>`` as this thread sees it (see above)."""
    cdef PyObject* v = NULL
    ldict = _thread_config_dict()
    if PyDict_GET_SIZE(ldict):
        v = PyDict_GetItemWithError(ldict, name)
    if v == NULL:
        v = PyDict_GetItemWithError(_config_class_dict, name)
        if v == NULL:
            return getattr(_config, name)
    return <object>v


class VariableComparisonError(TypeError, NotImplementedError):
    """Variables do not support ==, <, bool() ... (ambiguous for arrays)."""


def _dead_ref():
    return None


# One extension module (so calls between the parts stay C calls), written in
# files by topic:
include "_hooks.pxi"
include "_variable.pxi"
include "_function_node.pxi"
include "_backprop.pxi"
include "_gc_tracking.pxi"
include "_ops.pxi"
