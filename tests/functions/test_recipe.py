"""The op recipe (issue #10) holds for every built-in op: the gradient is
written once (``Op.gradient``), and ops are closed for the cycle collector.

Ops not moved to the recipe yet are listed by name in NOT_YET_CONVERTED; the
list may only shrink (a converted op left in it fails the test)."""
import importlib
import inspect
import pkgutil

import fastgrad
import fastgrad.functions
from fastgrad._core.graph import FunctionNode
from fastgrad.functions._util.recipe import Op

NOT_YET_CONVERTED = {
    'fastgrad.functions.math.average.Mean',
    'fastgrad.functions.math.batch_l2_norm_squared.BatchL2NormSquared',
    'fastgrad.functions.math.batch_matmul.BatchMatMul',
    'fastgrad.functions.math.clip.Clip',
    'fastgrad.functions.math.cumsum.Cumsum',
    'fastgrad.functions.math.identity.Identity',
    'fastgrad.functions.math.logsumexp.LogSumExp',
    'fastgrad.functions.math.matmul.MatMul',
    'fastgrad.functions.math.maximum.Maximum',
    'fastgrad.functions.math.minimum.Minimum',
    'fastgrad.functions.math.minmax.ArgMax',
    'fastgrad.functions.math.minmax.ArgMin',
    'fastgrad.functions.math.minmax.Max',
    'fastgrad.functions.math.minmax.Min',
    'fastgrad.functions.math.minmax._IndexSelect',
    'fastgrad.functions.math.minmax._Select',
    'fastgrad.functions.math.prod.ExclusiveProd',
    'fastgrad.functions.math.prod.Prod',
    'fastgrad.functions.math.sum.Sum',
}


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
    twice = {name for name, cls in _builtin_ops().items() if _writes_gradient_twice(cls)}
    assert twice - NOT_YET_CONVERTED == set(), 'ops outside the recipe'
    assert NOT_YET_CONVERTED - twice == set(), 'converted: remove from NOT_YET_CONVERTED'


def test_recipe_ops_are_closed():
    # __slots__ everywhere up the class chain means no instance dict: the
    # engine may take the op's graph objects off the cycle collector
    for name, cls in _builtin_ops().items():
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
