"""Parameterized test classes: ``parameterize``, ``product``, ``product_dict``.

::

    @testing.parameterize(*testing.product({
        'dtype': [numpy.float32, numpy.float64],
        'shape': [(3,), (2, 3)],
    }))
    class TestFoo(unittest.TestCase):
        def test_it(self):
            x = numpy.zeros(self.shape, self.dtype)

generates one subclass per parameter set (``TestFoo_param_0_...``, ...),
each with the parameters as class attributes, and puts them into the module
of the decorated class so that pytest (and unittest) collect them.  The
decorated class itself is returned with ``__test__ = False`` so that pytest
does not collect it without parameters (``python -m unittest`` collects it
but it is skipped).  Works for ``unittest.TestCase``
subclasses and for plain pytest classes, and decorators can be stacked
(the result is the product of the parameter sets).
"""
import itertools
import re
import sys
import types
import unittest

# Names of the classes generated from a decorated class (in its __dict__).
_GENERATED = '_fastgrad_parameterized_classes'


def product(parameter):
    """Cartesian product of parameter values.

    * a dict of lists, e.g. ``{'a': [1, 2], 'b': [3]}`` ->
      ``[{'a': 1, 'b': 3}, {'a': 2, 'b': 3}]`` (keys in the given order);
    * a list of lists of dicts -> :func:`product_dict` of them.

    >>> from fastgrad import testing
    >>> testing.product({'dtype': ['f', 'd'], 'n': [1]})
    [{'dtype': 'f', 'n': 1}, {'dtype': 'd', 'n': 1}]
    >>> testing.product([[{'a': 1}, {'a': 2}], [{'b': 3}]])
    [{'a': 1, 'b': 3}, {'a': 2, 'b': 3}]
    """
    if isinstance(parameter, dict):
        keys = list(parameter)
        values = [list(parameter[k]) for k in keys]
        out = []
        for vals in itertools.product(*values):
            d = {}
            for k, v in zip(keys, vals):
                if ',' in k:        # 'a,b': [(1, 2), ...] sets a and b together
                    names = [n.strip() for n in k.split(',')]
                    if len(v) != len(names):
                        raise ValueError('product: {!r} needs {} values, got {!r}'
                                         .format(k, len(names), v))
                    d.update(zip(names, v))
                else:
                    d[k] = v
            out.append(d)
        return out
    if isinstance(parameter, (list, tuple)):
        for dicts in parameter:
            if not isinstance(dicts, (list, tuple)) or \
                    not all(isinstance(d, dict) for d in dicts):
                raise TypeError(
                    'product: a list argument must be a list of lists of dicts')
        return product_dict(*parameter)
    raise TypeError('product: the argument must be a dict of lists or a list '
                    'of lists of dicts, got {}'.format(type(parameter).__name__))


def product_dict(*parameters):
    """Product of lists of dicts: each result merges one dict from each list.

    ``product_dict([{'a': 1}, {'a': 2}], [{'b': 3}])`` ->
    ``[{'a': 1, 'b': 3}, {'a': 2, 'b': 3}]``.

    >>> from fastgrad import testing
    >>> testing.product_dict([{'a': 1}, {'a': 2}], [{'b': 3, 'c': 4}])
    [{'a': 1, 'b': 3, 'c': 4}, {'a': 2, 'b': 3, 'c': 4}]
    """
    result = []
    for dicts in itertools.product(*parameters):
        merged = {}
        for d in dicts:
            merged.update(d)
        result.append(merged)
    return result


def _short_repr(v, limit):
    if isinstance(v, type):
        s = v.__name__
    elif isinstance(v, types.FunctionType):
        s = v.__name__
    else:
        s = repr(v)
    s = re.sub(r'\s+', ' ', s)
    if len(s) > limit:
        s = s[:limit - 3] + '...'
    return s


def _name_suffix(param):
    """A readable identifier fragment, e.g. ``dtype_float32_shape_2_3``."""
    parts = []
    for k, v in param.items():
        parts.append(str(k))
        parts.append(_short_repr(v, 20))
    s = re.sub(r'[^0-9A-Za-z]+', '_', '_'.join(parts)).strip('_')
    if len(s) > 60:
        s = s[:60].rstrip('_')
    return s


def _param_members(param):
    members = {}
    for k, v in param.items():
        if isinstance(v, types.FunctionType):
            # Keep plain functions from becoming methods: self.f(x) calls f(x).
            v = staticmethod(v)
        members[k] = v
    return members


def _make_class(base, name, param, test_flag):
    members = _param_members(param)
    members['__module__'] = base.__module__
    members['__qualname__'] = name
    members['__test__'] = test_flag
    members['_fastgrad_param'] = dict(
        getattr(base, '_fastgrad_param', {}), **param)

    if isinstance(base, type) and issubclass(base, unittest.TestCase):
        base_str = base.__str__

        def __str__(self):
            return '{}  parameter: {}'.format(base_str(self), param)
        members['__str__'] = __str__
    return type(name, (base,), members)


class _SkipOnlyOriginal:
    """``__unittest_skip__`` of a parameterized unittest class: True for the
    class itself (so ``python -m unittest`` skips the unparameterized
    original), the previous value for the generated subclasses."""

    def __init__(self, original, previous):
        self.original = original
        self.previous = previous

    def __get__(self, obj, owner=None):
        if owner is None:
            owner = type(obj)
        if owner is self.original:
            return True
        return self.previous


def expand(cls, variants):
    """Replace ``cls`` by generated subclasses, one per variant, in its module
    (the mechanism behind ``parameterize`` and ``inject_backend_tests``).

    ``variants`` is a list of ``(suffix, build)``; ``build(src, name,
    test_flag)`` returns the class for source class ``src``.  When ``cls``
    was already expanded by a decorator below, each class generated then is
    expanded again (the result is the product).  ``cls`` itself is returned
    with ``__test__ = False``."""
    module = sys.modules[cls.__module__]
    previous = cls.__dict__.get(_GENERATED)
    if previous is None:
        test_flag = getattr(cls, '__test__', True)
        sources = [(cls.__name__, cls)]
    else:
        test_flag = True
        sources = []
        for name in previous:
            sources.append((name, getattr(module, name)))
            if getattr(module, name, None) is not None:
                delattr(module, name)
    generated = []
    for src_name, src in sources:
        for suffix, build in variants:
            name = src_name + suffix
            setattr(module, name, build(src, name, test_flag))
            generated.append(name)
    cls.__test__ = False
    if previous is None and issubclass(cls, unittest.TestCase):
        prev_skip = getattr(cls, '__unittest_skip__', False)
        cls.__unittest_skip__ = _SkipOnlyOriginal(cls, prev_skip)
        if '__unittest_skip_why__' not in cls.__dict__:
            cls.__unittest_skip_why__ = (
                'parameterized test case; its generated subclasses run')
    setattr(cls, _GENERATED, generated)
    return cls


def parameterize(*params):
    """Class decorator: one test class per parameter dict in ``params``.

    >>> import sys, types
    >>> from fastgrad import testing
    >>> module = sys.modules['test_square'] = types.ModuleType('test_square')
    >>> @testing.parameterize({'n': 1}, {'n': 2})
    ... class TestSquare:
    ...     __module__ = 'test_square'   # the test module the classes go to
    ...     def test_it(self):
    ...         assert self.n ** 2 >= self.n
    >>> sorted((n, c.n) for n, c in vars(module).items() if n.startswith('TestSquare_'))
    [('TestSquare_param_0_n_1', 1), ('TestSquare_param_1_n_2', 2)]
    >>> del sys.modules['test_square']
    """
    for p in params:
        if not isinstance(p, dict):
            raise TypeError('parameterize: each parameter set must be a dict, '
                            'got {}'.format(type(p).__name__))

    def variant(i, param):
        suffix = '_param_{}'.format(i)
        readable = _name_suffix(param)
        if readable:
            suffix += '_' + readable
        return suffix, lambda src, name, test_flag: _make_class(src, name, param, test_flag)

    def decorator(cls):
        if not isinstance(cls, type):
            raise TypeError('parameterize decorates classes')
        return expand(cls, [variant(i, p) for i, p in enumerate(params)])

    return decorator


def parameterize_pytest(names, values):
    """``parameterize`` with pytest.mark.parametrize's arguments:
    ``names`` a comma-separated string (or list), ``values`` a list of
    tuples (or of single values for one name).

    >>> import sys, types
    >>> from fastgrad import testing
    >>> module = sys.modules['test_add'] = types.ModuleType('test_add')
    >>> @testing.parameterize_pytest('a, b', [(1, 2), (3, 4)])
    ... class TestAdd:
    ...     __module__ = 'test_add'
    >>> sorted((c.a, c.b) for n, c in vars(module).items() if n.startswith('TestAdd_'))
    [(1, 2), (3, 4)]
    >>> del sys.modules['test_add']
    """
    if isinstance(names, str):
        names = [n.strip() for n in names.split(',')]
    params = []
    for v in values:
        if len(names) == 1:
            v = (v,)
        params.append(dict(zip(names, v)))
    return parameterize(*params)


def from_pytest_parameterize(names, values):
    """The list of parameter dicts of ``pytest.mark.parametrize(names,
    values)``, for ``parameterize(*...)``.

    >>> from fastgrad import testing
    >>> testing.from_pytest_parameterize('n, dtype', [(1, 'f'), (2, 'd')])
    [{'n': 1, 'dtype': 'f'}, {'n': 2, 'dtype': 'd'}]
    """
    if isinstance(names, str):
        names = [n.strip() for n in names.split(',')]
    if len(names) == 1:
        values = [(v,) for v in values]
    return [dict(zip(names, v)) for v in values]
