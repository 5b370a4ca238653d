"""Each loss function is reachable as F.<name> and is the one its module defines
(a name clash in fastgrad.functions' star imports would shadow it)."""
import importlib

import pytest

import fastgrad.functions as F

NAMES = [
    'sigmoid_cross_entropy', 'mean_absolute_error', 'huber_loss', 'hinge',
    'contrastive', 'gaussian_kl_divergence', 'bernoulli_nll', 'gaussian_nll'
]


@pytest.mark.parametrize('name', NAMES)
def test_exported(name):
    module = importlib.import_module('fastgrad.functions.loss.' + name)
    assert getattr(F, name) is getattr(module, name)
    assert getattr(importlib.import_module('fastgrad.functions.loss'), name) is \
        getattr(module, name)
