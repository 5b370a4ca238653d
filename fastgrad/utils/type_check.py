"""Chainer's type-check DSL (``FunctionNode.check_type_forward``).

A function describes the inputs it accepts with symbolic expressions::

    def check_type_forward(self, in_types):
        type_check._argname(in_types, ('x', 'W'))
        x_type, w_type = in_types
        type_check.expect(
            x_type.dtype.kind == 'f',
            x_type.ndim == 2,
            x_type.shape[1] == w_type.shape[1],
        )

``in_types`` is a :class:`TypeInfoTuple` whose entries are :class:`Variable`
expressions wrapping a :class:`TypeInfo` (shape, dtype).  Attribute access,
indexing, calls and arithmetic build expression trees; a comparison builds a
:class:`Testable`.  :func:`expect` evaluates each one and, on failure, raises
:class:`InvalidType` whose ``expect`` is the expression as written (with the
names, e.g. ``x.ndim == 2``) and whose ``actual`` holds the evaluated values
(e.g. ``3 != 2``).

This module is pure Python and must not import the fastgrad core at import
time (the core imports it).
"""
import contextlib
import operator
import threading

import numpy

# ---------------------------------------------------------------------------
# Error
# ---------------------------------------------------------------------------

class InvalidType(Exception):
    """Raised when the types (shapes, dtypes) of the inputs are invalid.

    Attributes:
        expect (str): the condition that was expected.
        actual (str): the condition that actually holds.
    """

    def __init__(self, expect, actual, msg=None):
        if msg is None:
            msg = '\nExpect: {}\nActual: {}\n'.format(expect, actual)
        super().__init__(msg)
        self.expect = expect
        self.actual = actual
        self.msg = msg

    def __str__(self):
        return self.msg

    def __reduce__(self):
        return (InvalidType, (self.expect, self.actual, self.msg))


# ---------------------------------------------------------------------------
# Light mode (checks on raw values instead of expressions)
# ---------------------------------------------------------------------------

_thread_local = threading.local()


def in_light_mode():
    """True inside :func:`light_mode`: ``get_types`` returns plain values."""
    return getattr(_thread_local, 'light_mode', False)


def _set_light_mode(value):
    _thread_local.light_mode = bool(value)


@contextlib.contextmanager
def light_mode():
    """Within this context, type checks work on plain values.

    ``get_types`` returns :class:`TypeInfo` objects directly (their shape is a
    tuple, their dtype a ``numpy.dtype``), comparisons evaluate to ``bool``
    at once and :func:`expect` only checks that every condition holds.
    """
    old = in_light_mode()
    _set_light_mode(True)
    try:
        yield
    finally:
        _set_light_mode(old)


# ---------------------------------------------------------------------------
# Formatting helpers
# ---------------------------------------------------------------------------

def _repr(value):
    """A short, readable representation of a (constant or evaluated) value."""
    if isinstance(value, numpy.dtype):
        return str(value)
    if isinstance(value, type) and issubclass(value, numpy.generic):
        return numpy.dtype(value).name
    if isinstance(value, numpy.generic):
        return repr(value.item())
    if isinstance(value, tuple):
        items = [_repr(v) for v in value]
        if len(items) == 1:
            return '({},)'.format(items[0])
        return '({})'.format(', '.join(items))
    if isinstance(value, list):
        return '[{}]'.format(', '.join(_repr(v) for v in value))
    if isinstance(value, Expr):
        return str(value)
    if isinstance(value, numpy.ndarray):
        return 'array(shape={}, dtype={})'.format(value.shape, value.dtype)
    return repr(value)


def _code_repr(value):
    """How a constant written in a check reads (``numpy.float32``)."""
    if isinstance(value, type) and issubclass(value, numpy.generic):
        return 'numpy.' + value.__name__
    if isinstance(value, tuple):
        items = [_code_repr(v) for v in value]
        if len(items) == 1:
            return '({},)'.format(items[0])
        return '({})'.format(', '.join(items))
    return _repr(value)


def _str_operand(x):
    return str(x) if isinstance(x, Expr) else _code_repr(x)


def _index_str(key):
    if isinstance(key, tuple):
        if len(key) == 1:
            return _index_str(key[0]) + ','
        return ', '.join(_index_str(k) for k in key)
    if isinstance(key, slice):
        s = ''
        if key.start is not None:
            s += _str_operand(key.start)
        s += ':'
        if key.stop is not None:
            s += _str_operand(key.stop)
        if key.step is not None:
            s += ':' + _str_operand(key.step)
        return s
    if key is Ellipsis:
        return '...'
    return _str_operand(key)


def _eval_key(key):
    if isinstance(key, tuple):
        return tuple(_eval_key(k) for k in key)
    if isinstance(key, slice):
        return slice(eval(key.start), eval(key.stop), eval(key.step))
    return eval(key)


# Precedences (higher binds tighter), following Python's grammar.
_PREC_ATOM = 20
_PREC_POW = 16
_PREC_UNARY = 15
_PREC_MUL = 14
_PREC_ADD = 13
_PREC_SHIFT = 12
_PREC_AND = 11
_PREC_XOR = 10
_PREC_OR = 9
_PREC_CMP = 8


def _operand_prec(x):
    return x.priority if isinstance(x, Expr) else _PREC_ATOM


def _wrap(s, paren):
    return '({})'.format(s) if paren else s


# ---------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------

class Expr:
    """Base class of the symbolic expressions.

    ``priority`` is the operator precedence used to parenthesize the string
    form (higher binds tighter).
    """

    # Make NumPy scalars/arrays defer to our reflected operators.
    __array_ufunc__ = None
    __hash__ = object.__hash__

    def __init__(self, priority):
        self.priority = priority

    def eval(self):
        """Evaluate the expression to a concrete value."""
        raise NotImplementedError

    def __bool__(self):
        raise RuntimeError(
            'A type_check expression ({}) cannot be used as a bool; pass it to '
            'type_check.expect(), or use type_check.eval() to get its value'
            .format(self))

    def __len__(self):
        return len(self.eval())

    def __iter__(self):
        return iter(self.eval())

    def __getattr__(self, name):
        if name.startswith('__') and name.endswith('__'):
            raise AttributeError(name)
        return GetAttr(self, name)

    def __getitem__(self, key):
        return GetItem(self, key)

    def __call__(self, *args, **kwargs):
        return Call(self, args, kwargs)

    def __repr__(self):
        return '<{} {}>'.format(type(self).__name__, self)

    # comparisons -> Testable
    def __eq__(self, other):
        return Testable(self, other, '==')

    def __ne__(self, other):
        return Testable(self, other, '!=')

    def __lt__(self, other):
        return Testable(self, other, '<')

    def __le__(self, other):
        return Testable(self, other, '<=')

    def __gt__(self, other):
        return Testable(self, other, '>')

    def __ge__(self, other):
        return Testable(self, other, '>=')

    # arithmetic
    def __add__(self, other):
        return BinaryOperator(self, other, '+')

    def __radd__(self, other):
        return BinaryOperator(other, self, '+')

    def __sub__(self, other):
        return BinaryOperator(self, other, '-')

    def __rsub__(self, other):
        return BinaryOperator(other, self, '-')

    def __mul__(self, other):
        return BinaryOperator(self, other, '*')

    def __rmul__(self, other):
        return BinaryOperator(other, self, '*')

    def __truediv__(self, other):
        return BinaryOperator(self, other, '/')

    def __rtruediv__(self, other):
        return BinaryOperator(other, self, '/')

    def __floordiv__(self, other):
        return BinaryOperator(self, other, '//')

    def __rfloordiv__(self, other):
        return BinaryOperator(other, self, '//')

    def __mod__(self, other):
        return BinaryOperator(self, other, '%')

    def __rmod__(self, other):
        return BinaryOperator(other, self, '%')

    def __pow__(self, other):
        return BinaryOperator(self, other, '**')

    def __rpow__(self, other):
        return BinaryOperator(other, self, '**')

    def __lshift__(self, other):
        return BinaryOperator(self, other, '<<')

    def __rlshift__(self, other):
        return BinaryOperator(other, self, '<<')

    def __rshift__(self, other):
        return BinaryOperator(self, other, '>>')

    def __rrshift__(self, other):
        return BinaryOperator(other, self, '>>')

    def __and__(self, other):
        return _make_and_or(self, other, '&')

    def __rand__(self, other):
        return _make_and_or(other, self, '&')

    def __or__(self, other):
        return _make_and_or(self, other, '|')

    def __ror__(self, other):
        return _make_and_or(other, self, '|')

    def __xor__(self, other):
        return BinaryOperator(self, other, '^')

    def __rxor__(self, other):
        return BinaryOperator(other, self, '^')

    def __neg__(self):
        return UnaryOperator(self, '-')

    def __pos__(self):
        return UnaryOperator(self, '+')

    def __invert__(self):
        return UnaryOperator(self, '~')


class Atom(Expr):
    """An expression without sub-expressions."""

    def __init__(self):
        super().__init__(_PREC_ATOM)


class Constant(Atom):
    """A literal value; printed as the value itself."""

    def __init__(self, value):
        super().__init__()
        self.value = value

    def __str__(self):
        return _code_repr(self.value)

    def eval(self):
        return self.value


class Variable(Atom):
    """A named value; printed by its name (e.g. ``in_types[0]`` or ``x``)."""

    def __init__(self, value, name):
        super().__init__()
        self.value = value
        self.name = name

    def __str__(self):
        return self.name

    def eval(self):
        return self.value


class Member(Expr):
    """An expression that selects a part of another one (attribute, item)."""

    def __init__(self, obj):
        super().__init__(_PREC_ATOM)
        self.obj = obj

    def _obj_str(self):
        s = _str_operand(self.obj)
        return _wrap(s, _operand_prec(self.obj) < _PREC_ATOM)


class GetAttr(Member):
    """``obj.name``."""

    def __init__(self, obj, name):
        super().__init__(obj)
        self.name = name

    def __str__(self):
        name = self.name if isinstance(self.name, str) else str(self.name)
        return '{}.{}'.format(self._obj_str(), name)

    def eval(self):
        return getattr(eval(self.obj), eval(self.name))


class GetItem(Member):
    """``obj[key]`` (key: int, slice, tuple or expression)."""

    def __init__(self, obj, key):
        super().__init__(obj)
        self.key = key

    def __str__(self):
        return '{}[{}]'.format(self._obj_str(), _index_str(self.key))

    def eval(self):
        return eval(self.obj)[_eval_key(self.key)]


class Call(Expr):
    """``obj(*args, **kwargs)``."""

    def __init__(self, obj, args, kwargs=None):
        super().__init__(_PREC_ATOM)
        self.obj = obj
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})

    def __str__(self):
        parts = [_str_operand(a) for a in self.args]
        parts += ['{}={}'.format(k, _str_operand(v)) for k, v in self.kwargs.items()]
        obj = _str_operand(self.obj)
        obj = _wrap(obj, _operand_prec(self.obj) < _PREC_ATOM)
        return '{}({})'.format(obj, ', '.join(parts))

    def eval(self):
        args = [eval(a) for a in self.args]
        kwargs = {k: eval(v) for k, v in self.kwargs.items()}
        return eval(self.obj)(*args, **kwargs)


_UNARY = {
    '-': operator.neg,
    '+': operator.pos,
    '~': operator.invert,
}


class UnaryOperator(Expr):
    """``-x``, ``+x``, ``~x``."""

    def __init__(self, term, exp, func=None):
        super().__init__(_PREC_UNARY)
        self.term = term
        self.exp = exp
        self.func = func if func is not None else _UNARY[exp]

    def __str__(self):
        s = _str_operand(self.term)
        return self.exp + _wrap(s, _operand_prec(self.term) < _PREC_UNARY)

    def eval(self):
        return self.func(eval(self.term))


# op -> (precedence, function, right-associative)
_BINARY = {
    '**': (_PREC_POW, operator.pow, True),
    '*': (_PREC_MUL, operator.mul, False),
    '/': (_PREC_MUL, operator.truediv, False),
    '//': (_PREC_MUL, operator.floordiv, False),
    '%': (_PREC_MUL, operator.mod, False),
    '+': (_PREC_ADD, operator.add, False),
    '-': (_PREC_ADD, operator.sub, False),
    '<<': (_PREC_SHIFT, operator.lshift, False),
    '>>': (_PREC_SHIFT, operator.rshift, False),
    '&': (_PREC_AND, operator.and_, False),
    '^': (_PREC_XOR, operator.xor, False),
    '|': (_PREC_OR, operator.or_, False),
    '==': (_PREC_CMP, operator.eq, False),
    '!=': (_PREC_CMP, operator.ne, False),
    '<': (_PREC_CMP, operator.lt, False),
    '<=': (_PREC_CMP, operator.le, False),
    '>': (_PREC_CMP, operator.gt, False),
    '>=': (_PREC_CMP, operator.ge, False),
}

# The negation of each comparison (used for the "Actual:" line).
_INVERSE = {
    '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<',
}


class BinaryOperator(Expr):
    """``lhs <op> rhs``."""

    def __init__(self, lhs, rhs, exp, priority=None, func=None, right_assoc=None):
        prec, f, rassoc = _BINARY.get(exp, (priority, func, right_assoc))
        if priority is not None:
            prec = priority
        if func is not None:
            f = func
        if right_assoc is not None:
            rassoc = right_assoc
        super().__init__(prec)
        self.lhs = lhs
        self.rhs = rhs
        self.exp = exp
        self.func = f
        self.right_assoc = bool(rassoc)

    def _format(self, left, right, exp):
        p = self.priority
        lp = _operand_prec(self.lhs)
        rp = _operand_prec(self.rhs)
        if self.right_assoc:
            lparen, rparen = lp <= p, rp < p
        else:
            lparen, rparen = lp < p, rp <= p
        if p == _PREC_CMP:
            # Comparisons chain in Python: always parenthesize nested ones.
            lparen = lparen or lp == p
        return '{} {} {}'.format(_wrap(left, lparen), exp, _wrap(right, rparen))

    def __str__(self):
        return self._format(_str_operand(self.lhs), _str_operand(self.rhs), self.exp)

    def eval(self):
        return self.func(eval(self.lhs), eval(self.rhs))


class Testable(BinaryOperator):
    """A comparison; :meth:`expect` raises :class:`InvalidType` if it fails."""

    def __init__(self, lhs, rhs, exp, func=None, inv=None):
        super().__init__(lhs, rhs, exp, func=func)
        self.inv = inv if inv is not None else _INVERSE.get(exp, 'not ' + exp)

    def _check(self):
        left = eval(self.lhs)
        right = eval(self.rhs)
        ok = self.func(left, right)
        if isinstance(ok, numpy.ndarray):
            ok = bool(ok.all())
        return bool(ok), left, right

    def _actual(self, left, right):
        return '{} {} {}'.format(_repr(left), self.inv, _repr(right))

    def expect(self):
        ok, left, right = self._check()
        if not ok:
            raise InvalidType(str(self), self._actual(left, right))


class BoolBinaryOperator(Testable):
    """``a & b`` / ``a | b`` of two conditions; itself a condition."""

    def __init__(self, lhs, rhs, exp):
        func = (lambda a, b: a and b) if exp == '&' else (lambda a, b: a or b)
        super().__init__(lhs, rhs, exp, func=func, inv=exp)
        self.priority = _PREC_AND if exp == '&' else _PREC_OR

    def _check(self):
        left, lactual = _check_one(self.lhs)
        right, ractual = _check_one(self.rhs)
        ok = (left and right) if self.exp == '&' else (left or right)
        return ok, lactual, ractual

    def _actual(self, left, right):
        if self.exp == '&':
            failed = [a for a in (left, right) if a is not None]
            return ' & '.join('({})'.format(a) for a in failed)
        return '({}) & ({})'.format(left, right)


def _check_one(cond):
    """(passed, actual-string-if-failed) for a condition."""
    if isinstance(cond, Testable):
        ok, left, right = cond._check()
        return ok, (None if ok else cond._actual(left, right))
    ok = bool(eval(cond))
    return ok, (None if ok else 'False')


def _make_and_or(lhs, rhs, exp):
    if isinstance(lhs, Testable) and isinstance(rhs, Testable):
        return BoolBinaryOperator(lhs, rhs, exp)
    return BinaryOperator(lhs, rhs, exp)


Bool = Testable  # alias


# ---------------------------------------------------------------------------
# Public helpers
# ---------------------------------------------------------------------------

def eval(exp):
    """Value of ``exp`` (itself when it is not an expression); the items
    of a plain list or tuple are evaluated too, so that ``x.shape == (n,
    y.shape[0])`` compares values."""
    if isinstance(exp, Expr):
        return exp.eval()
    if type(exp) in (list, tuple):
        return type(exp)(eval(v) for v in exp)
    return exp


def make_variable(value, name):
    """A named :class:`Variable` (the plain value in light mode)."""
    if in_light_mode():
        return value
    return Variable(value, name)


def expect(*bool_exprs):
    """Check that every condition holds; raise :class:`InvalidType` if not.

    Conditions are :class:`Testable` expressions (comparisons) or, in light
    mode, plain booleans.
    """
    for expr in bool_exprs:
        if isinstance(expr, Testable):
            expr.expect()
        elif isinstance(expr, Expr):
            if not eval(expr):
                raise InvalidType(str(expr), 'False')
        else:
            if isinstance(expr, numpy.ndarray):
                ok = bool(expr.all())
            else:
                ok = bool(expr)
            if not ok:
                if in_light_mode():
                    raise InvalidType('', '')
                raise InvalidType('True', repr(expr))


def _prod(values):
    p = 1
    for v in values:
        p *= v
    return p


prod = Variable(_prod, 'prod')
"""``type_check.prod(x_type.shape)``: the product of a shape (symbolic)."""


class _Size(int):
    """An int that may also be called (``t.size`` and ``t.size()`` both work)."""

    def __call__(self):
        return int(self)


class TypeInfo:
    """The type of one array: ``shape`` (tuple), ``dtype``, ``ndim``, ``size``."""

    def __init__(self, shape, dtype):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.ndim = len(self.shape)
        self.size = _Size(_prod(self.shape))

    def __repr__(self):
        return 'TypeInfo(shape={}, dtype={})'.format(self.shape, self.dtype)


class TypeInfoTuple(tuple):
    """The types of all inputs (a tuple of :class:`Variable` expressions)."""

    name = 'in_types'

    def _get_name(self):
        return self.name

    def size(self):
        """The number of inputs, as an expression (``in_types.size()``)."""
        return Variable(len(self), '{}.size()'.format(self.name))


class LightTypeInfoTuple(tuple):
    """Light-mode counterpart of :class:`TypeInfoTuple` (plain values)."""

    name = 'in_types'

    def size(self):
        return len(self)


def _is_array_like(x):
    return hasattr(x, 'shape') and hasattr(x, 'dtype')


def _get_type(name, index, array, accept_none, shape):
    var = '{}[{}]'.format(name, index)
    if array is None:
        if not accept_none:
            raise TypeError('{} is None'.format(var))
        info = TypeInfo((), None)
    else:
        if not _is_array_like(array):
            raise TypeError('{} is not an array: {}'.format(var, type(array).__name__))
        info = TypeInfo(array.shape if shape is None else shape, array.dtype)
    return Variable(info, var)


def get_types(data, name, accept_none, shapes=None):
    """Type information of ``data`` (a tuple of arrays) for a type check.

    Returns a :class:`TypeInfoTuple` of :class:`Variable` s named
    ``name[0]``, ``name[1]``, ... (a :class:`LightTypeInfoTuple` of
    :class:`TypeInfo` in light mode).  ``None`` entries are allowed when
    ``accept_none`` (their type has shape ``()`` and dtype ``None``).
    """
    data = tuple(data)
    if shapes is None:
        shapes = (None,) * len(data)
    if in_light_mode():
        return get_light_types(data, shapes=shapes)
    info = TypeInfoTuple(
        _get_type(name, i, x, accept_none, s)
        for i, (x, s) in enumerate(zip(data, shapes)))
    info.name = name
    return info


def get_light_types(data, shapes=None):
    """Light-mode type information (plain :class:`TypeInfo` objects)."""
    data = tuple(data)
    if shapes is None:
        shapes = (None,) * len(data)
    return LightTypeInfoTuple(
        TypeInfo(x.shape if s is None else s, x.dtype) if x is not None
        else TypeInfo((), None)
        for x, s in zip(data, shapes))


def argname(in_types, names):
    """Give the inputs readable names for error messages.

    After ``argname(in_types, ('x', 'W'))`` a failing check is reported as
    ``x.ndim == 2`` rather than ``in_types[0].ndim == 2``.  The number of
    inputs must equal ``len(names)`` (else :class:`InvalidType`).  A name may
    be ``None`` to keep the default.
    """
    names = tuple(names)
    if len(in_types) != len(names):
        raise InvalidType(
            '{} argument(s)'.format(len(names)),
            '{} argument(s)'.format(len(in_types)),
            'Invalid number of arguments:\nExpect: {} argument(s)\n'
            'Actual: {} argument(s)\n'.format(len(names), len(in_types)))
    for in_type, name in zip(in_types, names):
        if name is not None and isinstance(in_type, Variable):
            in_type.name = name


_argname = argname


def same_types(*arrays):
    """True if all arrays are NumPy arrays, or all are CuPy arrays."""
    if all(isinstance(x, numpy.ndarray) for x in arrays):
        return True
    try:
        import cupy
    except ImportError:
        return False
    return all(isinstance(x, cupy.ndarray) for x in arrays)


def _broadcast_shapes(shapes):
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s):
            j = ndim - len(s) + i
            if n == 1:
                continue
            if out[j] == 1:
                out[j] = n
            elif out[j] != n:
                return None
    return tuple(out)


def expect_broadcast_shapes(*shape_types, **kwargs):
    """Check that the shapes (expressions or tuples) broadcast together.

    ``allow_none=True`` skips shapes that evaluate to ``None``.
    """
    allow_none = kwargs.pop('allow_none', False)
    if kwargs:
        raise TypeError('unexpected keyword arguments: {}'.format(sorted(kwargs)))
    shapes = [eval(s) for s in shape_types]
    pairs = [(t, s) for t, s in zip(shape_types, shapes)
             if not (allow_none and s is None)]
    if _broadcast_shapes([tuple(s) for _, s in pairs]) is None:
        lines = ['cannot broadcast inputs of the following shapes:']
        for t, s in pairs:
            lines.append('{} = {}'.format(_str_operand(t), _repr(tuple(s))))
        expect_s = 'shapes that broadcast together'
        actual_s = ', '.join(_repr(tuple(s)) for _, s in pairs)
        raise InvalidType(expect_s, actual_s, msg='\n'.join(lines))
