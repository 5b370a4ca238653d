"""Each noise function is reachable as F.<name> and is the one its module defines
(a name clash in fastgrad.functions' star imports would shadow it); as in
Chainer, fastgrad.functions.noise.dropout is the module."""
import importlib

import pytest

import fastgrad
import fastgrad.functions as F

NAMES = [
    'dropout', 'gaussian'
]
PACKAGE_EXPORTS = ['gaussian']


@pytest.mark.parametrize('name', NAMES)
def test_exported(name):
    module = importlib.import_module('fastgrad.functions.noise.' + name)
    assert getattr(F, name) is getattr(module, name)
    if name not in PACKAGE_EXPORTS:
        return
    assert getattr(importlib.import_module('fastgrad.functions.noise'), name) is \
        getattr(module, name)


def test_dropout_module_reaches_the_op_class():
    noise = importlib.import_module('fastgrad.functions.noise')
    assert noise.dropout is importlib.import_module('fastgrad.functions.noise.dropout')
    assert issubclass(noise.dropout.Dropout, fastgrad.FunctionNode)
