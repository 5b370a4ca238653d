"""One fused CuPy kernel per elementwise op's backward, traced from its gradient.

On CuPy an elementwise op's gradient (``gy * (1 - y * y)``) costs one kernel
launch per operator, and small models are bound by launches.  For an op with
``is_elementwise = True`` the fast path (no double backprop) runs the op's one
``gradient`` once on symbols (``Sym``) that record the expression, renders it
as the body of one ``cupy.ElementwiseKernel`` and caches it per key: op
class, indexes, shape, dtypes of the gradients and of the retained arrays,
which op attributes are Python scalars and the other attributes' values (a
gradient may branch on any of them).  Later calls launch that kernel on the
real arrays, passing the op's scalar attributes (a slope, an exponent) as
kernel parameters, so one kernel serves every instance; keys with the same
CUDA source (other shapes) share one compiled kernel.  ``render`` gives the
source and ``evaluate`` computes a trace with NumPy (the CPU tests).

Dtypes are NumPy 2's (NEP 50: a Python scalar takes the array's dtype): each
node's dtype is what NumPy returns for that operation on operands of those
dtypes, and the CUDA source casts every operand to it, so the gradients have
the dtypes of the unfused path.  The kernel is compiled with ``--fmad=false``:
no multiply-add contraction across what were separate kernels.  float16 is
not fused (CuPy rounds its half-precision intermediates in ways the CUDA
source would have to copy).

What the tracer does not see -- a reduction or shape logic (``sum_to`` to
another shape), an ``xp`` function it does not know, ``ns.call`` of another op,
a scalar computed from an attribute in Python (``numpy.log(value)``), a branch
on a traced value -- raises while tracing; the key then falls back to the
normal path for good, silently.  Arrays of different shapes (broadcasting)
take the normal path for that call, and so does NumPy 1's promotion
(``utils.LEGACY_PROMOTION``) and ``config.fuse_elementwise_grads = False``
(``FASTGRAD_FUSE_ELEMENTWISE=0``).

Built-in elementwise ops that fall back (tests/functions/test_fused.py checks
the list):

* GELU, LGamma, DiGamma, LogNdtr: the gradient calls another op (``ns.call``);
* PowConstVar: ``numpy.log`` of the op's scalar attribute, computed in Python.
"""
import operator

import numpy

from fastgrad import utils

_C_TYPES = {
    'bool': 'bool', 'int8': 'signed char', 'int16': 'short', 'int32': 'int',
    'int64': 'long long', 'uint8': 'unsigned char', 'uint16': 'unsigned short',
    'uint32': 'unsigned int', 'uint64': 'unsigned long long',
    'float32': 'float', 'float64': 'double'}
# the dtype a Python scalar of each type is held in (a weak operand, NEP 50)
_WEAK_DTYPES = {bool: numpy.dtype(bool), int: numpy.dtype(numpy.int64),
                float: numpy.dtype(numpy.float64)}
_DUMMY = {bool: True, int: 1, float: 1.0}


class Unsupported(Exception):
    """The gradient does something the tracer cannot fuse."""


def _float_max(a, b):
    # CuPy's maximum and minimum: NaN wins
    return 'isnan({0}) ? {0} : isnan({1}) ? {1} : max({0}, {1})'.format(a, b)


def _float_min(a, b):
    return 'isnan({0}) ? {0} : isnan({1}) ? {1} : min({0}, {1})'.format(a, b)


# name -> (the function whose NumPy result gives the node's dtype and value,
#          CUDA expression from operand expressions cast to the node's dtype);
# Python operators keep Python scalars weak, NumPy's functions do not
_OPS = {
    'add': (operator.add, '{0} + {1}'),
    'sub': (operator.sub, '{0} - {1}'),
    'mul': (operator.mul, '{0} * {1}'),
    'div': (operator.truediv, '{0} / {1}'),
    'pow': (operator.pow, 'pow({0}, {1})'),
    'neg': (operator.neg, '-{0}'),
    'abs': (operator.abs, 'fabs({0})'),
    'square': (numpy.square, '{0} * {0}'),
    'sign': (numpy.sign, '({0} > 0) - ({0} < 0)'),      # CuPy's sign
    'fix': (numpy.trunc, 'trunc({0})'),
    'maximum': (numpy.maximum, _float_max),
    'minimum': (numpy.minimum, _float_min),
    'where': (numpy.where, '{0} ? {1} : {2}'),
    'and': (operator.and_, '{0} & {1}'),
    'or': (operator.or_, '{0} | {1}'),
    'xor': (operator.xor, '{0} ^ {1}'),
    'invert': (operator.invert, '!{0}'),
    'lt': (operator.lt, '{0} < {1}'),
    'le': (operator.le, '{0} <= {1}'),
    'gt': (operator.gt, '{0} > {1}'),
    'ge': (operator.ge, '{0} >= {1}'),
    'eq': (operator.eq, '{0} == {1}'),
    'ne': (operator.ne, '{0} != {1}'),
}
_MATH = ('exp', 'log', 'log1p', 'expm1', 'sqrt', 'tanh', 'sinh', 'cosh', 'sin', 'cos',
         'tan', 'log2', 'log10', 'arcsin', 'arccos', 'arctan')
for _name in _MATH:
    _OPS[_name] = (getattr(numpy, _name),
                   {'arcsin': 'asin', 'arccos': 'acos', 'arctan': 'atan'}.get(
                       _name, _name) + '({0})')
_COMPARISONS = frozenset(('lt', 'le', 'gt', 'ge', 'eq', 'ne'))
_LOGICAL = frozenset(('and', 'or', 'xor', 'invert'))
# the rest need a float result (C's integer pow, abs, ... are not NumPy's)
_ANY_DTYPE = frozenset(('add', 'sub', 'mul', 'neg', 'where')) | _COMPARISONS | _LOGICAL
# NumPy's ufuncs (through xp.<name>(sym) or an operator on a NumPy scalar)
_UFUNCS = {numpy.add: 'add', numpy.subtract: 'sub', numpy.multiply: 'mul',
           numpy.true_divide: 'div', numpy.power: 'pow', numpy.negative: 'neg',
           numpy.absolute: 'abs', numpy.square: 'square', numpy.sign: 'sign',
           numpy.trunc: 'fix', numpy.maximum: 'maximum', numpy.minimum: 'minimum',
           numpy.logical_and: 'and', numpy.logical_or: 'or', numpy.logical_xor: 'xor',
           numpy.logical_not: 'invert', numpy.invert: 'invert',
           numpy.bitwise_and: 'and', numpy.bitwise_or: 'or', numpy.bitwise_xor: 'xor',
           numpy.less: 'lt', numpy.less_equal: 'le', numpy.greater: 'gt',
           numpy.greater_equal: 'ge', numpy.equal: 'eq', numpy.not_equal: 'ne'}
for _name in _MATH:
    _UFUNCS[getattr(numpy, _name)] = _name


class Sym(object):
    """A traced value: an array leaf, a scalar (parameter or constant) or an
    operation on other ``Sym``; ``weak`` is the Python type of a Python scalar
    (NEP 50's weakly typed operand), else None."""
    __slots__ = ('trace', 'kind', 'args', 'fn', 'dtype', 'weak', 'shape', 'index')

    def __init__(self, trace, kind, args, dtype, weak, shape, fn=None):
        self.trace = trace
        self.kind = kind          # 'array', 'param', 'const', 'cast' or an _OPS name
        self.args = args
        self.fn = fn              # the NumPy function that computes it
        self.dtype = dtype
        self.weak = weak
        self.shape = shape
        self.index = len(trace.nodes)
        trace.nodes.append(self)

    @property
    def ndim(self):
        return len(self.shape)

    def _op(self, name, *others):
        return self.trace.apply(name, (self,) + others)

    def _rop(self, name, other):
        return self.trace.apply(name, (other, self))

    def __add__(self, o): return self._op('add', o)                 # noqa: E704
    def __radd__(self, o): return self._rop('add', o)               # noqa: E704
    def __sub__(self, o): return self._op('sub', o)                 # noqa: E704
    def __rsub__(self, o): return self._rop('sub', o)               # noqa: E704
    def __mul__(self, o): return self._op('mul', o)                 # noqa: E704
    def __rmul__(self, o): return self._rop('mul', o)               # noqa: E704
    def __truediv__(self, o): return self._op('div', o)             # noqa: E704
    def __rtruediv__(self, o): return self._rop('div', o)           # noqa: E704
    def __pow__(self, o): return self._op('pow', o)                 # noqa: E704
    def __rpow__(self, o): return self._rop('pow', o)               # noqa: E704
    def __and__(self, o): return self._op('and', o)                 # noqa: E704
    def __rand__(self, o): return self._rop('and', o)               # noqa: E704
    def __or__(self, o): return self._op('or', o)                   # noqa: E704
    def __ror__(self, o): return self._rop('or', o)                 # noqa: E704
    def __xor__(self, o): return self._op('xor', o)                 # noqa: E704
    def __rxor__(self, o): return self._rop('xor', o)               # noqa: E704
    def __lt__(self, o): return self._op('lt', o)                   # noqa: E704
    def __le__(self, o): return self._op('le', o)                   # noqa: E704
    def __gt__(self, o): return self._op('gt', o)                   # noqa: E704
    def __ge__(self, o): return self._op('ge', o)                   # noqa: E704
    def __eq__(self, o): return self._op('eq', o)                   # noqa: E704
    def __ne__(self, o): return self._op('ne', o)                   # noqa: E704
    def __neg__(self): return self._op('neg')                       # noqa: E704
    def __abs__(self): return self._op('abs')                       # noqa: E704
    def __invert__(self): return self._op('invert')                 # noqa: E704
    __hash__ = None

    def __pos__(self):
        return self

    def __bool__(self):
        raise Unsupported('a branch on a traced value')

    def __array__(self, *args, **kwargs):
        raise Unsupported('a traced value made into a NumPy array')

    def astype(self, dtype, copy=True):
        dtype = numpy.dtype(dtype)
        if dtype == self.dtype and self.weak is None:
            return self           # a no-op cast returns the array itself
        return self.trace.cast(self, dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = _UFUNCS.get(ufunc)
        if method != '__call__' or name is None or kwargs:
            raise Unsupported('numpy.{}.{}'.format(ufunc.__name__, method))
        return self.trace.apply(name, inputs, ufunc)

    def __array_function__(self, func, types, args, kwargs):
        if func is numpy.where and len(args) == 3 and not kwargs:
            return self.trace.apply('where', args)
        if func is getattr(numpy, 'fix', None) and len(args) == 1 and not kwargs:
            return self.trace.apply('fix', args)
        if func is numpy.clip and len(args) == 3 and not kwargs:
            return self.trace.clip(*args)
        raise Unsupported('numpy.{}'.format(getattr(func, '__name__', func)))


class Trace(object):
    """The expression DAG of one traced gradient (nodes in creation order)."""

    def __init__(self, shape):
        self.nodes = []
        self.shape = shape
        self.arrays = []          # (role, position) of each array leaf
        self.params = []          # attribute name of each parameter

    def array(self, role, position, dtype):
        _check_dtype(dtype)
        s = Sym(self, 'array', (len(self.arrays),), dtype, None, self.shape)
        self.arrays.append((role, position))
        return s

    def param(self, name, value):
        if type(value) in (int, float):
            s = Sym(self, 'param', (len(self.params),), _WEAK_DTYPES[type(value)],
                    type(value), ())
        else:                     # a NumPy scalar attribute: strongly typed
            _check_dtype(value.dtype)
            s = Sym(self, 'param', (len(self.params),), value.dtype, None, ())
        self.params.append(name)
        return s

    def wrap(self, value):
        if isinstance(value, Sym):
            if value.trace is not self:
                raise Unsupported('a value of another trace')
            return value
        if type(value) in (bool, int, float):
            if type(value) is float and not numpy.isfinite(value):
                raise Unsupported('a non-finite constant')
            return Sym(self, 'const', (value,), _WEAK_DTYPES[type(value)],
                       type(value), ())
        if isinstance(value, numpy.generic) and value.dtype.kind in 'biuf' \
                and numpy.isfinite(value):
            _check_dtype(value.dtype)
            return Sym(self, 'const', (value,), value.dtype, None, ())
        raise Unsupported('an operand of type {}'.format(type(value).__name__))

    def apply(self, name, operands, fn=None):
        args = tuple(self.wrap(a) for a in operands)
        fn = fn or _OPS[name][0]
        # NumPy's own answer for the result type, on operands of these types
        with numpy.errstate(all='ignore'):
            r = fn(*[_DUMMY[a.weak] if a.weak is not None
                     else numpy.ones((), a.dtype) for a in args])
        if type(r) in (bool, int, float):
            dtype, weak = _WEAK_DTYPES[type(r)], type(r)
        elif isinstance(r, (numpy.ndarray, numpy.generic)):
            dtype, weak = r.dtype, None
        else:
            raise Unsupported('{} gives {}'.format(name, type(r).__name__))
        _check_dtype(dtype)
        if dtype.kind != 'f' and name not in _ANY_DTYPE:
            raise Unsupported('{} on {}'.format(name, dtype))
        if (dtype.kind == 'b') != (name in _COMPARISONS or name in _LOGICAL) \
                and name != 'where':
            raise Unsupported('{} giving {}'.format(name, dtype))   # bool arithmetic
        shape = self.shape if any(a.shape for a in args) else ()
        return Sym(self, name, args, dtype, weak, shape, fn)

    def cast(self, x, dtype):
        _check_dtype(dtype)
        return Sym(self, 'cast', (self.wrap(x),), dtype, None, x.shape)

    def clip(self, x, lo, hi):
        # NumPy's clip is minimum(maximum(x, lo), hi); None leaves a side open
        if lo is not None:
            x = self.apply('maximum', (x, lo))
        if hi is not None:
            x = self.apply('minimum', (x, hi))
        return x


def _check_dtype(dtype):
    if dtype.name not in _C_TYPES:
        raise Unsupported('dtype {}'.format(dtype))


class TraceOps(object):
    """The gradient namespace over ``Sym``: the same functions as
    ``recipe.ArrayOps``, computed the same way."""
    differentiable = False
    xp = numpy                # xp.<ufunc>(sym) dispatches to Sym.__array_ufunc__

    def __init__(self, trace):
        self.trace = trace

    @staticmethod
    def inputs(node):
        return node.get_retained_input_arrays()

    @staticmethod
    def outputs(node):
        return node.get_retained_output_arrays()

    @staticmethod
    def data(v):
        return v

    def _f(self, name, *args):
        return self.trace.apply(name, args)

    def exp(self, x): return self._f('exp', x)                      # noqa: E704
    def log(self, x): return self._f('log', x)                      # noqa: E704
    def log1p(self, x): return self._f('log1p', x)                  # noqa: E704
    def expm1(self, x): return self._f('expm1', x)                  # noqa: E704
    def sqrt(self, x): return self._f('sqrt', x)                    # noqa: E704
    def square(self, x): return self._f('square', x)                # noqa: E704
    def absolute(self, x):
        return self.trace.apply('abs', (x,), numpy.absolute)   # xp.absolute, not abs()
    def tanh(self, x): return self._f('tanh', x)                    # noqa: E704
    def sinh(self, x): return self._f('sinh', x)                    # noqa: E704
    def cosh(self, x): return self._f('cosh', x)                    # noqa: E704
    def sin(self, x): return self._f('sin', x)                      # noqa: E704
    def cos(self, x): return self._f('cos', x)                      # noqa: E704
    def maximum(self, a, b): return self._f('maximum', a, b)        # noqa: E704
    def minimum(self, a, b): return self._f('minimum', a, b)        # noqa: E704
    def where(self, c, a, b): return self._f('where', c, a, b)      # noqa: E704

    def rsqrt(self, x):
        return 1 / self.sqrt(x)

    def sigmoid(self, x):
        return self.tanh(x * 0.5) * 0.5 + 0.5

    def clip(self, x, x_min, x_max):
        return self.trace.clip(x, x_min, x_max)

    def cast(self, x, typ):
        return self.trace.wrap(x).astype(typ, copy=False)

    def _same_shape(self, x, shape):
        if not isinstance(x, Sym) or tuple(shape) != x.shape:
            raise Unsupported('a change of shape')
        return x

    def sum_to(self, x, shape):
        return self._same_shape(x, shape)

    def broadcast_to(self, x, shape):
        return self._same_shape(x, shape)

    def reshape(self, x, shape):
        return self._same_shape(x, shape)

    def call(self, node, inputs):
        raise Unsupported('ns.call of {}'.format(type(node).__name__))


class _OpView(object):
    """The op as its gradient sees it while traced: retained arrays are array
    leaves, scalar attributes are parameters, the rest is the op's own."""

    def __init__(self, op, inputs, outputs, params):
        self._op = op
        self._inputs = inputs
        self._outputs = outputs
        self._params = params

    def get_retained_input_arrays(self):
        return self._inputs

    def get_retained_output_arrays(self):
        return self._outputs

    def __getattr__(self, name):
        if name in self._params:
            return self._params[name]
        value = getattr(self._op, name)
        func = getattr(value, '__func__', None)
        if func is not None and getattr(value, '__self__', None) is self._op:
            return func.__get__(self)     # the op's Python methods see the view
        return value


# -- the op's attributes ---------------------------------------------------------

_ATTRS = {}     # op class -> names of its instance attributes (slots)
_UNSET = object()


def _attribute_names(cls):
    names = _ATTRS.get(cls)
    if names is None:
        seen = []
        for klass in cls.__mro__:
            slots = klass.__dict__.get('__slots__', ())
            for s in (slots,) if isinstance(slots, str) else slots:
                if s not in seen and not s.startswith('__'):
                    seen.append(s)
        names = _ATTRS[cls] = tuple(seen)
    return names


def _attribute_key(op):
    """(name, what) per attribute: a scalar's type (it becomes a parameter)
    or, for anything else the gradient may branch on, its value; None when an
    attribute could change the expression in a way the key cannot hold."""
    key = []
    for name in _attribute_names(type(op)):
        value = getattr(op, name, _UNSET)
        t = type(value)
        if t is float or t is int:
            if t is int and not -2 ** 63 <= value < 2 ** 63:
                return None
            key.append((name, t))
        elif isinstance(value, numpy.generic) and value.dtype.kind in 'iuf':
            key.append((name, value.dtype))
        elif value is None or value is _UNSET or t is bool or t is str:
            key.append((name, value))
        else:
            return None
    if getattr(op, '__dict__', None):
        return None               # attributes outside the slots: not keyed
    return tuple(key)


# -- tracing ---------------------------------------------------------------------

def trace_gradient(op, indexes, grad_outputs, inputs, outputs, shape):
    """Run ``op.gradient`` on symbols; returns (trace, output Syms or None)."""
    trace = Trace(shape)
    gys = tuple(None if g is None else trace.array('g', k, g.dtype)
                for k, g in enumerate(grad_outputs))
    xs = tuple(trace.array('x', k, a.dtype) for k, a in enumerate(inputs))
    ys = tuple(trace.array('y', k, a.dtype) for k, a in enumerate(outputs))
    params = {}
    for name in _attribute_names(type(op)):
        value = getattr(op, name, _UNSET)
        if type(value) in (int, float) or (isinstance(value, numpy.generic)
                                           and value.dtype.kind in 'iuf'):
            params[name] = trace.param(name, value)
    view = _OpView(op, xs, ys, params)
    gxs = type(op).gradient(view, TraceOps(trace), indexes, gys)
    if isinstance(gxs, list):
        gxs = tuple(gxs)
    if not isinstance(gxs, tuple) or len(gxs) != len(indexes):
        raise Unsupported('gradients of another form')
    for g in gxs:
        if g is not None and not (isinstance(g, Sym) and g.trace is trace
                                  and g.weak is None and g.shape == shape):
            raise Unsupported('a gradient that is not an array of the input shape')
    return trace, gxs


def _literal(value):
    if type(value) is bool or isinstance(value, numpy.bool_):
        return 'true' if value else 'false'
    if type(value) is int:
        return '({}LL)'.format(value)
    if isinstance(value, numpy.integer):
        return '({})({}LL)'.format(_C_TYPES[value.dtype.name], int(value))
    # repr of a Python float is exact; a float32 is exact as a double
    return '({})({!r})'.format(_C_TYPES[numpy.dtype(type(value)).name]
                               if isinstance(value, numpy.generic) else 'double',
                               float(value))


def render(trace, gxs):
    """CUDA for one ElementwiseKernel: (in_params, out_params, operation,
    arrays, params, outputs) where ``arrays`` lists the (role, position) of
    each array argument, ``params`` the attribute names of the scalar
    arguments and ``outputs`` the position in ``gxs`` of each output (a
    gradient that is an input array itself needs no kernel)."""
    live = set()
    stack = [g for g in gxs if g is not None]
    while stack:
        s = stack.pop()
        if s.index not in live:
            live.add(s.index)
            if s.kind not in ('array', 'param', 'const'):
                stack.extend(s.args)
    names = {}
    in_params, arrays, params, lines = [], [], [], []
    for s in trace.nodes:
        if s.index not in live:
            continue
        if s.kind == 'array':
            names[s.index] = 'a{}'.format(len(arrays))
            in_params.append('{} {}'.format(s.dtype.name, names[s.index]))
            arrays.append(trace.arrays[s.args[0]])
        elif s.kind == 'param':
            names[s.index] = 's{}'.format(len(params))
            params.append(trace.params[s.args[0]])
        elif s.kind == 'const':
            names[s.index] = _literal(s.args[0])
        else:
            names[s.index] = 't{}'.format(s.index)
            lines.append('const {} {} = {};'.format(
                _C_TYPES[s.dtype.name], names[s.index], _expression(s, names)))
    for s in trace.nodes:
        if s.kind == 'param' and s.index in live:
            in_params.append('{} {}'.format(s.dtype.name, names[s.index]))
    out_params, outputs = [], []
    for k, g in enumerate(gxs):
        if g is not None and g.kind != 'array':
            name = 'o{}'.format(len(outputs))
            out_params.append('{} {}'.format(g.dtype.name, name))
            lines.append('{} = {};'.format(name, names[g.index]))
            outputs.append(k)
    return (', '.join(in_params), ', '.join(out_params), '\n'.join(lines),
            tuple(arrays), tuple(params), tuple(outputs))


def _cast(s, names, dtype):
    if s.dtype == dtype and s.weak is None:
        return names[s.index]
    return '(({}){})'.format(_C_TYPES[dtype.name], names[s.index])


def _common(args):
    """The dtype NumPy compares (or selects between) operands in."""
    with numpy.errstate(all='ignore'):
        r = numpy.add(*[_DUMMY[a.weak] if a.weak is not None
                        else numpy.ones((), a.dtype) for a in args])
    return r.dtype


def _expression(s, names):
    if s.kind == 'cast':
        return _cast(s.args[0], names, s.dtype)
    fmt = _OPS[s.kind][1]
    if s.kind in _COMPARISONS:
        ct = _common(s.args)
        ops = [_cast(a, names, ct) for a in s.args]
    elif s.kind == 'where':
        ops = [_cast(s.args[0], names, numpy.dtype(bool))] + [
            _cast(a, names, s.dtype) for a in s.args[1:]]
    else:
        ops = [_cast(a, names, s.dtype) for a in s.args]
    text = fmt(*ops) if callable(fmt) else fmt.format(*ops)
    if s.kind == 'sign':
        text = '({})({})'.format(_C_TYPES[s.dtype.name], text)
    return text


def evaluate(trace, gxs, arrays, params):
    """The traced gradients computed with NumPy (tests check them against the
    unfused gradient): ``arrays`` maps (role, position) to an array and
    ``params`` an attribute name to its value."""
    values = {}
    for s in trace.nodes:
        if s.kind == 'array':
            values[s.index] = arrays[trace.arrays[s.args[0]]]
        elif s.kind == 'param':
            values[s.index] = params[trace.params[s.args[0]]]
        elif s.kind == 'const':
            values[s.index] = s.args[0]
        elif s.kind == 'cast':
            values[s.index] = numpy.asarray(values[s.args[0].index]).astype(s.dtype)
        else:
            values[s.index] = s.fn(*[values[a.index] for a in s.args])
    return tuple(None if g is None else utils.force_array(values[g.index]) for g in gxs)


# -- the fast path ---------------------------------------------------------------



_KERNELS = {}    # key -> (kernel or None, arrays, params, outputs, fixed) or _FAILED
_SOURCES = {}    # (in_params, out_params, operation) -> cupy.ElementwiseKernel
_FAILED = (None,)


_ROLES = {'g': 0, 'x': 1, 'y': 2}     # grad_outputs, retained inputs, retained outputs
_ndarray = None


def gradient(op, indexes, grad_outputs):
    """The op's gradients from one fused kernel, or None for the normal path."""
    global _ndarray
    if _ndarray is None:
        import cupy
        _ndarray = cupy.ndarray
    inputs = op.get_retained_input_arrays()
    outputs = op.get_retained_output_arrays()
    shape = None
    for a in (*grad_outputs, *inputs, *outputs):
        if a is None:
            continue
        if type(a) is not _ndarray:
            return None
        if shape is None:
            shape = a.shape
        elif a.shape != shape:
            return None           # broadcasting: sum_to reduces
    if shape is None:
        return None
    for node in op.inputs:
        if node.shape != shape:
            return None
    attributes = _attribute_key(op)
    if attributes is None:
        return None
    if type(indexes) is not tuple:
        indexes = tuple(indexes)      # a key part (the engine passes a tuple)
    # the shape too: a gradient may branch on it (one kernel serves all shapes)
    key = (type(op), indexes, attributes, shape,
           tuple(None if g is None else g.dtype for g in grad_outputs),
           tuple(a.dtype for a in inputs), tuple(a.dtype for a in outputs))
    entry = _KERNELS.get(key)
    if entry is None:
        entry = _KERNELS[key] = _build(op, indexes, grad_outputs, inputs, outputs,
                                       shape)
    if entry is _FAILED:
        return None
    kernel, arrays, params, outs, fixed = entry
    role = (grad_outputs, inputs, outputs)
    result = [None if g is None else role[g[0]][g[1]] for g in fixed]
    if kernel is not None:
        args = [role[r][k] for r, k in arrays] + [getattr(op, n) for n in params]
        if type(entry) is list:   # the first launch compiles: a failure falls back
            try:
                gxs = kernel(*args)
            except Exception:
                _KERNELS[key] = _FAILED
                return None
            _KERNELS[key] = tuple(entry)
        else:
            gxs = kernel(*args)
        for k, out in zip(outs, gxs):
            result[k] = out
    return tuple(result)


def _role(array):
    return _ROLES[array[0]], array[1]


def _build(op, indexes, grad_outputs, inputs, outputs, shape):
    if any(a is not None and a.dtype.name not in _C_TYPES
           for a in (*grad_outputs, *inputs, *outputs)):
        return _FAILED            # float16 and complex: the normal path
    try:
        trace, gxs = trace_gradient(op, indexes, grad_outputs, inputs, outputs, shape)
        in_params, out_params, body, arrays, params, outs = render(trace, gxs)
    except Exception:             # anything the tracer cannot follow
        return _FAILED
    # per output: (role, position) of an input array that is the gradient
    # itself, else None (filled by the kernel, or no gradient)
    fixed = tuple(_role(trace.arrays[g.args[0]]) if g is not None and g.kind == 'array'
                  else None for g in gxs)
    arrays = tuple(_role(a) for a in arrays)
    kernel = None
    if outs:
        kernel = _SOURCES.get((in_params, out_params, body))
        if kernel is None:
            import cupy
            kernel = _SOURCES[in_params, out_params, body] = cupy.ElementwiseKernel(
                in_params, out_params, body, 'fastgrad_' + type(op).__name__ + '_grad',
                options=('--fmad=false',), return_tuple=True)
    return [kernel, arrays, params, outs, fixed]   # a list until it has run once
