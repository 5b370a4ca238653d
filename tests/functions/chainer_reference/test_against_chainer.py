"""Forward values and input gradients match the numbers a real Chainer 7.8.1
produced for the same inputs (fixtures*.npz, written by make_fixtures.py from
the cases*.py modules).

A case is ``(function, inputs, n_diff)`` or ``(function, inputs, n_diff,
options)``; options: ``rtol`` (forward and gradients, default 1e-12),
``double_backward`` (False where the second derivative is zero almost
everywhere or Chainer has none), ``numerical`` (False where the gradient is
by definition not the derivative, e.g. batch_renormalization's stopped r, d)."""
import glob
import importlib
import os
import sys

import numpy
import pytest

import fastgrad
import fastgrad.functions as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def _load():
    cases, metrics, fixtures = {}, {}, {}
    for path in sorted(glob.glob(os.path.join(HERE, 'cases*.py'))):
        modname = os.path.basename(path)[:-3]
        module = importlib.import_module(modname)
        fix = numpy.load(os.path.join(HERE, modname.replace('cases', 'fixtures') + '.npz'))
        for name, case in module.cases(F).items():
            assert name not in cases, name
            cases[name], fixtures[name] = case, fix
        for name, case in getattr(module, 'metric_cases', lambda F: {})(F).items():
            assert name not in metrics, name
            metrics[name], fixtures[name] = case, fix
    return cases, metrics, fixtures


CASES, METRICS, FIXTURES = _load()


def _options(name):
    case = CASES[name]
    return case[3] if len(case) > 3 else {}


@pytest.mark.parametrize('name', sorted(CASES))
def test_matches_chainer(name):
    fn, inputs, n_diff = CASES[name][:3]
    fix, rtol = FIXTURES[name], _options(name).get('rtol', 1e-12)
    xs = [fastgrad.Variable(a.copy()) if i < n_diff else a.copy()
          for i, a in enumerate(inputs)]
    y = fn(*xs)
    numpy.testing.assert_allclose(y.array, fix[name + '/y'], rtol=rtol, atol=rtol / 10)
    y.grad = numpy.asarray(numpy.random.RandomState(1000).randn(*y.shape))
    y.backward()
    for i in range(n_diff):
        numpy.testing.assert_allclose(xs[i].grad, fix['{}/gx{}'.format(name, i)],
                                      rtol=rtol * 10, atol=rtol, err_msg='gx{}'.format(i))


@pytest.mark.parametrize('name', sorted(METRICS))
def test_metrics_match_chainer(name):
    fn, _ = METRICS[name]
    with numpy.errstate(invalid='ignore', divide='ignore'):
        values = fn()
    for i, v in enumerate(values):
        want = FIXTURES[name]['{}/{}'.format(name, i)]
        assert v.dtype == want.dtype
        numpy.testing.assert_allclose(v.array, want, rtol=1e-12, equal_nan=True)


# Non-smooth at points the random inputs avoid only by chance: skip double
# backward where the second derivative is zero almost everywhere anyway.
FIRST_ORDER_ONLY = {'fliplr', 'flipud', 'depth2space', 'space2depth', 'diagonal',
                    'dstack', 'relu6', 'crelu', 'absolute_error', 'triplet',
                    'triplet_no', 'fmod'}


@pytest.mark.parametrize('name', sorted(CASES))
def test_numerical_gradients(name):
    from fastgrad.gradient_check import check_backward, check_double_backward
    fn, inputs, n_diff = CASES[name][:3]
    if not _options(name).get('numerical', True):
        pytest.skip('the gradient is not the numerical derivative by definition')
    diff, const = inputs[:n_diff], inputs[n_diff:]

    def f(*xs):
        return fn(*(list(xs) + [c.copy() for c in const]))
    y = f(*[a.copy() for a in diff])
    rng = numpy.random.RandomState(7)
    gy = numpy.asarray(rng.randn(*y.shape))
    check_backward(f, tuple(a.copy() for a in diff), gy)
    if name not in FIRST_ORDER_ONLY and _options(name).get('double_backward', True):
        check_double_backward(f, tuple(a.copy() for a in diff), gy,
                              tuple(rng.randn(*a.shape) for a in diff))
