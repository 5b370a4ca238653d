"""F.r2_score against a float64 NumPy formula, including outputs whose
targets are constant (SS_tot = 0), which score 0 as in Chainer."""
import numpy
import pytest

import fastgrad.functions as F


def _ref(pred, true, multioutput):
    pred, true = pred.astype(numpy.float64), true.astype(numpy.float64)
    res = ((pred - true) ** 2).sum(axis=0)
    tot = ((true - true.mean(axis=0)) ** 2).sum(axis=0)
    r2 = numpy.array([0.0 if b == 0 else 1 - a / b
                      for a, b in zip(numpy.ravel(res), numpy.ravel(tot))]).reshape(numpy.shape(tot))
    return r2 if multioutput == 'raw_values' else r2.mean()


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('shape', [(10,), (10, 1), (10, 5), (10, 5, 4)])
@pytest.mark.parametrize('multioutput', ['uniform_average', 'raw_values'])
@pytest.mark.parametrize('targets', ['random', 'zero', 'some_constant'])
def test_r2_score(dtype, shape, multioutput, targets):
    rng = numpy.random.RandomState(3)
    pred = rng.uniform(-1, 1, shape).astype(dtype)
    true = rng.uniform(-1, 1, shape).astype(dtype)
    if targets == 'zero':
        true[...] = 0
    elif targets == 'some_constant' and len(shape) > 1:
        true[:, 0] = 0.5          # the first output's targets are all equal
    r = F.r2_score(pred, true, multioutput=multioutput)
    expect = _ref(pred, true, multioutput)
    assert r.dtype == dtype and r.shape == numpy.shape(expect)
    assert numpy.isfinite(r.array).all()
    tol = 1e-2 if dtype == numpy.float16 else 1e-5
    numpy.testing.assert_allclose(r.array, expect, rtol=tol, atol=tol)
    if targets == 'zero':
        numpy.testing.assert_array_equal(r.array, numpy.zeros(numpy.shape(expect)))
