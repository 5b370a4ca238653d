"""Input checks of the built-in ops: each condition is written once.

An op lists its conditions as Python expressions over its named inputs (and
``self``, the op)::

    class LinearFunction(Op):
        checks = Checks('x, W, b?',
                        "x.dtype.kind == 'f'",
                        'W.dtype == x.dtype',
                        'x.ndim == 2', 'W.ndim == 2',
                        'x.shape[1] == W.shape[1]',
                        'b.shape == (W.shape[0],)')

The expressions are compiled once, into one plain function per op class, so a
check costs what the same ``if`` written by hand costs.  That happens at the
op's first check, not at import: compiling all of them took about a third of
``import fastgrad``.  A failed condition
raises ``InvalidType`` in Chainer's wording, built from the same expression:
``Expect: x.dtype.kind == 'f'`` / ``Actual: i != f``.  The engine runs the
checks before ``forward`` while ``config.type_check`` is on (the default);
they are evaluated in order, so put the ``ndim`` checks before the
``shape[i]`` ones.

A condition that holds only in some cases is written ``'<when not> or
<comparison>'``: ``"self.reduce == 'no' or x.ndim >= 2"``.

The names: ``'x, W, b?'`` -- ``b?`` is optional (conditions that mention a
missing input are skipped); ``'*xs'`` takes all the inputs as a tuple.
"""
import ast

from fastgrad import utils

# comparison -> (its text, the text of its negation)
_OPS = {ast.Eq: ('==', '!='), ast.NotEq: ('!=', '=='), ast.Lt: ('<', '>='),
        ast.LtE: ('<=', '>'), ast.Gt: ('>', '<='), ast.GtE: ('>=', '<'),
        ast.Is: ('is', 'is not'), ast.IsNot: ('is not', 'is'),
        ast.In: ('in', 'not in'), ast.NotIn: ('not in', 'in')}


class Checks(object):
    """The input conditions of one op (see the module docstring)."""

    def __init__(self, names, *conditions):
        self.names = names
        self.conditions = conditions
        self._function = None
        # cheap, and read by the engine when the op is first applied
        self.fast = _fast_spec(names, conditions)

    @property
    def function(self):
        """``check(op, inputs)``, compiled on first use."""
        if self._function is None:
            self._function = _compile(self.names, self.conditions)
        return self._function

    def __call__(self, op, inputs):
        self.function(op, inputs)


def _parse_names(names):
    required, optional, variadic = [], [], None
    for name in (n.strip() for n in names.split(',') if n.strip()):
        if name.startswith('*'):
            variadic = name[1:]
        elif name.endswith('?'):
            optional.append(name[:-1])
        elif optional:
            raise ValueError('Checks: a required input after an optional one: ' + names)
        else:
            required.append(name)
    if variadic and (required or optional):
        raise ValueError('Checks: *name takes all the inputs: ' + names)
    return required, optional, variadic


# -- The engine's shortcut ------------------------------------------------------
#
# Most ops check only dtype kinds, equal dtypes and ndims.  Such conditions are
# also given to the engine as data (``Checks.fast``), which it evaluates in C
# on NumPy arrays; only when that cannot show that every condition holds (a
# condition fails, an input is not a numpy.ndarray) does it call ``function``,
# which raises the error.  The codes (the engine reads them, _core/graph):
FAST_KIND_IN = 1    # inputs[i].dtype.kind in value (a str of kind characters)
FAST_DTYPE_EQ = 2   # inputs[i].dtype == inputs[j].dtype
FAST_NDIM_EQ = 3    # inputs[i].ndim == value
FAST_NDIM_GE = 4    # inputs[i].ndim >= value


def _fast_spec(names, conditions):
    """``(lo, hi, ((code, i, j, value), ...))``, or None when a condition (or
    a ``*name`` input) is outside what the engine evaluates; ``lo``/``hi``:
    the number of inputs allowed; j is -1 for one-input conditions.  A
    condition over an optional input applies when that input is given."""
    required, optional, variadic = _parse_names(names)
    if variadic:
        return None
    position = {n: i for i, n in enumerate(required + optional)}
    out = []
    for cond in conditions:
        c = _fast_condition(ast.parse(cond, mode='eval').body, position)
        if c is None:
            return None
        out.append(c)
    return len(required), len(required) + len(optional), tuple(out)


def _input_attr(node, position, *attrs):
    """The input index of ``<input>.<attrs...>``, else None."""
    for attr in reversed(attrs):
        if not (isinstance(node, ast.Attribute) and node.attr == attr):
            return None
        node = node.value
    if isinstance(node, ast.Name) and node.id in position:
        return position[node.id]
    return None


def _fast_condition(tree, position):
    if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1):
        return None
    op, left, right = tree.ops[0], tree.left, tree.comparators[0]
    const = right.value if isinstance(right, ast.Constant) else None
    i = _input_attr(left, position, 'dtype', 'kind')
    if i is not None and type(const) is str:
        if isinstance(op, ast.Eq) and len(const) == 1 or isinstance(op, ast.In):
            return FAST_KIND_IN, i, -1, const
        return None
    i = _input_attr(left, position, 'dtype')
    j = _input_attr(right, position, 'dtype')
    if i is not None and j is not None and isinstance(op, ast.Eq):
        return FAST_DTYPE_EQ, i, j, None
    i = _input_attr(left, position, 'ndim')
    if i is not None and type(const) is int:
        if isinstance(op, ast.Eq):
            return FAST_NDIM_EQ, i, -1, const
        if isinstance(op, ast.GtE):
            return FAST_NDIM_GE, i, -1, const
    return None


def _fail(op, expect, actual):
    raise utils.invalid_type(op.label, expect, actual)


def _compile(names, conditions):
    required, optional, variadic = _parse_names(names)
    position = {n: i for i, n in enumerate(required + optional)}
    lines = ['def check(self, inputs):', '    n = len(inputs)']
    if variadic:
        lines.append('    {} = inputs'.format(variadic))
    else:
        lo, hi = len(required), len(required) + len(optional)
        count = ('in_types.size() == {}'.format(lo) if lo == hi else
                 '{} <= in_types.size() <= {}'.format(lo, hi))
        lines.append('    if not {} <= n <= {}: _fail(self, {!r}, "in_types.size() = %d" % n)'
                     .format(lo, hi, count))
        for name in required:
            lines.append('    {} = inputs[{}]'.format(name, position[name]))
    for cond in conditions:
        tree = ast.parse(cond, mode='eval').body
        used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        missing = sorted(used & set(optional))
        indent = '    '
        if missing:
            last = max(position[m] for m in missing)
            lines.append('    if n > {}:'.format(last))
            indent = '        '
            for m in missing:
                lines.append('{}{} = inputs[{}]'.format(indent, m, position[m]))
        lines.extend(indent + line for line in _condition_code(cond, tree))
    namespace = {'_fail': _fail, '_fail_compare': _fail_compare}
    exec(compile('\n'.join(lines), '<checks {}>'.format(names), 'exec'), namespace)
    return namespace['check']


def _condition_code(cond, tree):
    """Code that evaluates ``cond`` once and, if it is false, fails with the
    values it compared: ``Actual: 2 >= 2 (self.axis = 2, x.ndim = 2)``.
    ``'self.axis is not None or x.ndim >= 2'`` (a condition that applies only
    in some cases) names the values of its last comparison."""
    if (isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.Or)
            and isinstance(tree.values[-1], ast.Compare)):
        unless = ' or '.join('({})'.format(ast.unparse(v)) for v in tree.values[:-1])
        return ['if not ({}):'.format(unless)] + [
            '    ' + line for line in _condition_code(cond, tree.values[-1])]
    if not isinstance(tree, ast.Compare):
        return ['if not ({}): _fail(self, {!r}, "False")'.format(cond, cond)]
    operands = [tree.left] + tree.comparators
    texts = [ast.unparse(e) for e in operands]
    # operands worth naming in the message: not literals
    named = [t if not isinstance(e, ast.Constant) else None
             for t, e in zip(texts, operands)]
    ops = [_OPS[type(op)] for op in tree.ops]
    fail = '_fail_compare(self, {!r}, {{}}, {!r}, {!r})'.format(cond, ops, named)
    if len(operands) == 2:      # the common case, kept cheap
        return ['_l = {}; _r = {}'.format(*texts),
                'if not (_l {} _r): {}'.format(ops[0][0], fail.format('(_l, _r)'))]
    test = ' and '.join('_v[{}] {} _v[{}]'.format(i, op, i + 1)
                        for i, (op, _) in enumerate(ops))
    return ['_v = ({},)'.format(', '.join(texts)),
            'if not ({}): {}'.format(test, fail.format('_v'))]


def _fail_compare(op, cond, values, ops, named):
    where = ['{} = {}'.format(t, _show(v)) for t, v in zip(named, values) if t]
    where = ' ({})'.format(', '.join(where)) if len(where) > 1 else ''
    for i, (text, negated) in enumerate(ops):   # the first comparison that failed
        if not _compare(values[i], text, values[i + 1]):
            _fail(op, cond, '{} {} {}{}'.format(
                _show(values[i]), negated, _show(values[i + 1]), where))
    _fail(op, cond, 'False')


def _compare(a, op, b):
    return eval('a {} b'.format(op), {}, {'a': a, 'b': b})


def _show(value):
    # Chainer prints dtypes by name and kinds without quotes
    if hasattr(value, 'name') and hasattr(value, 'kind'):
        return value.name
    return str(value)


def same_device(function, name, array, like):
    """Raise a clear ``TypeError`` when an op's extra array (a mask, a class
    weight: not an input, so the engine does not check it) lives on another
    device than the input ``like``; mixing them would fail deep inside NumPy
    or CuPy with a message that names neither the function nor the array."""
    if type(array) is not type(like) and (type(array).__module__.split('.')[0] !=
                                          type(like).__module__.split('.')[0]):
        raise TypeError('{}: {} is a {}.{} but the input is a {}.{}: put both on one device '
                        '(e.g. device.send({}))'.format(
                            function, name, type(array).__module__.split('.')[0],
                            type(array).__name__, type(like).__module__.split('.')[0],
                            type(like).__name__, name))
