"""Three float64 steps of every optimizer (and of MomentumSGD with the
deterministic hooks) from the same start as a real Chainer 7.8.1 run: the
parameters must agree to rounding.  The Chainer results were written by
tests/serializers/make_chainer_fixtures.py."""
import importlib.util
import os

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import optimizer_hooks, optimizers

SER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   'serializers')


def _fixture_model():
    spec = importlib.util.spec_from_file_location(
        'fixture_model', os.path.join(SER, 'fixture_model.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


FM = _fixture_model()
CASES = FM.optimizer_cases(optimizers, optimizer_hooks)


@pytest.fixture(scope='module')
def expected():
    with numpy.load(os.path.join(SER, 'fixtures', 'chainer_expected.npz')) as f:
        return dict(f)


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_three_steps_match_chainer(case, expected):
    name, make_opt, make_hooks = case
    Model, _ = FM.define(fastgrad, L, F)
    with fastgrad.using_config('dtype', numpy.float64):
        model = Model()
    for path, p in model.namedparams():
        p.array[...] = expected['f64_init/' + path.lstrip('/')]
    assert model.l1.W.dtype == numpy.float64
    opt = make_opt().setup(model)
    for hook in make_hooks():
        opt.add_hook(hook)
    x, t = expected['f64_x'], expected['f64_t']
    for _ in range(3):
        opt.update(lambda: F.softmax_cross_entropy(model(x), t))
    got = numpy.concatenate([p.array.ravel() for _, p in sorted(model.namedparams())])
    want = expected['case/' + name]
    start = numpy.concatenate([expected['f64_init/' + k.lstrip('/')].ravel()
                               for k, _ in sorted(model.namedparams())])
    assert numpy.abs(want - start).max() > 1e-3        # the steps moved things
    numpy.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
