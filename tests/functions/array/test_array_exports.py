"""Each array function is reachable as F.<name> and is the one its module defines
(a name clash in fastgrad.functions' star imports would shadow it)."""
import importlib

import pytest

import fastgrad.functions as F

NAMES = [
    'swapaxes', 'flatten', 'expand_dims', 'squeeze', 'concat', 'stack', 'hstack',
    'vstack', 'split_axis', 'separate', 'where', 'select_item', 'copy', 'pad', 'tile',
    'repeat', 'flip', 'rollaxis', 'moveaxis', 'pad_sequence', 'permutate'
]


@pytest.mark.parametrize('name', NAMES)
def test_exported(name):
    module = importlib.import_module('fastgrad.functions.array.' + name)
    assert getattr(F, name) is getattr(module, name)
    assert getattr(importlib.import_module('fastgrad.functions.array'), name) is \
        getattr(module, name)


def test_broadcast_is_the_function_not_the_module():
    import fastgrad.functions.array as A
    from fastgrad.functions.array.broadcast_args import broadcast
    assert F.broadcast is broadcast and A.broadcast is broadcast
