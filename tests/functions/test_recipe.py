"""The op recipe (issue #10) holds for every built-in op: the gradient is
written once (``Op.gradient``), and ops are closed for the cycle collector."""
import importlib
import inspect
import pkgutil

import fastgrad
import fastgrad.functions
from fastgrad._core.graph import FunctionNode
from fastgrad.functions._util.recipe import Op


def _builtin_ops():
    ops = {}
    for info in pkgutil.walk_packages(fastgrad.functions.__path__, 'fastgrad.functions.'):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, FunctionNode) and cls.__module__ == info.name \
                    and cls is not Op:
                ops['{}.{}'.format(cls.__module__, cls.__qualname__)] = cls
    return ops


def _writes_gradient_twice(cls):
    return not issubclass(cls, Op) or 'backward_arrays' in cls.__dict__ \
        or 'backward' in cls.__dict__


def test_every_op_writes_its_gradient_once():
    ops = _builtin_ops()
    assert len(ops) > 150     # the walk found them
    twice = {name for name, cls in ops.items() if _writes_gradient_twice(cls)}
    assert twice == set(), 'ops outside the recipe'


def test_recipe_ops_are_closed():
    # __slots__ everywhere up the class chain means no instance dict: the
    # engine may take the op's graph objects off the cycle collector
    for name, cls in _builtin_ops().items():
        if cls.__dict__.get('_graph_closed', None) is False:
            # RECIPE.md step 3: an op that must hold the user's objects (forget's
            # callable) keeps a __dict__ and says so; the collector sees it
            assert cls.__dictoffset__ != 0, name
            continue
        if issubclass(cls, Op):
            assert cls.__dictoffset__ == 0, name + ' needs __slots__'
            assert cls.__dict__.get('_graph_closed'), name


def test_the_two_namespaces_agree():
    # a gradient written against ns runs on either: same names, same parameters
    import numpy

    from fastgrad.functions._util.recipe import NUMPY_OPS, VARIABLE_OPS
    for name in dir(NUMPY_OPS):
        if name.startswith('_') or name in ('xp', 'differentiable'):
            continue
        on_arrays = inspect.signature(getattr(NUMPY_OPS, name))
        on_variables = inspect.signature(getattr(VARIABLE_OPS, name))
        assert list(on_arrays.parameters) == list(on_variables.parameters), name
    x = numpy.arange(6.0).reshape(2, 3)
    for name, args in [('exp', (x,)), ('sum', (x, 1, True)), ('where', (x > 2, x, -x)),
                       ('matmul', (x, x, False, True)), ('separate', (x, 1)),
                       ('split_axis', (x, 3, 1)), ('sigmoid', (x,)), ('rsqrt', (x + 1,))]:
        variables = [fastgrad.Variable(a) if isinstance(a, numpy.ndarray) and a.dtype.kind == 'f'
                     else a for a in args]
        got = getattr(NUMPY_OPS, name)(*args)
        want = getattr(VARIABLE_OPS, name)(*variables)
        if isinstance(want, tuple):
            for g, w in zip(got, want):
                numpy.testing.assert_allclose(g, w.array)
        else:
            numpy.testing.assert_allclose(got, want.array, err_msg=name)
