"""The layout of fastgrad.functions is Chainer's: F.<name> is the function, and
fastgrad.functions.<group>.<module> is the module (Chainer code and tests reach
op classes there, e.g. chainer.functions.array.flip.Flip)."""
import importlib
import pkgutil
import types

import pytest

import fastgrad.functions as F

# Chainer's F does not export its Theano bridge either
NOT_IN_F = {'theano_function'}
GROUPS = sorted(m.name for m in pkgutil.iter_modules(F.__path__)
                if m.ispkg and not m.name.startswith('_'))


def _modules(group):
    package = importlib.import_module('fastgrad.functions.' + group)
    return package, [m.name for m in pkgutil.iter_modules(package.__path__)]


@pytest.mark.parametrize('group', GROUPS)
def test_group_attributes_are_the_modules(group):
    package, names = _modules(group)
    assert names, group
    for name in names:
        module = importlib.import_module(package.__name__ + '.' + name)
        assert getattr(package, name) is module, name


@pytest.mark.parametrize('group', GROUPS)
def test_same_named_function_is_exported(group):
    # a module named after its function (array/flip.py defines flip) gives F.flip;
    # a private module (_pooling) or a helper module gives nothing
    package, names = _modules(group)
    for name in names:
        module = importlib.import_module(package.__name__ + '.' + name)
        function = getattr(module, name, None)
        if callable(function) and not isinstance(function, type) \
                and not name.startswith('_') and name not in NOT_IN_F:
            assert getattr(F, name) is function, name


def test_broadcast_is_the_function_not_the_module():
    from fastgrad.functions.array.broadcast_args import broadcast
    assert F.broadcast is broadcast
    assert isinstance(F.array.broadcast, types.ModuleType)
