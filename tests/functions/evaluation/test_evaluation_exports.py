"""Each evaluation function is reachable as F.<name> and is the one its module defines
(a name clash in fastgrad.functions' star imports would shadow it)."""
import importlib

import pytest

import fastgrad.functions as F

NAMES = [
    'accuracy', 'binary_accuracy'
]


@pytest.mark.parametrize('name', NAMES)
def test_exported(name):
    module = importlib.import_module('fastgrad.functions.evaluation.' + name)
    assert getattr(F, name) is getattr(module, name)
    assert getattr(importlib.import_module('fastgrad.functions.evaluation'), name) is \
        getattr(module, name)
