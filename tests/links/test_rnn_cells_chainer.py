"""The recurrent cell links against real Chainer 7.8.1: parameters loaded
from the npz Chainer saved (its key layout), the same scenario
(chainer_reference/rnn_cells_scenario.py), and the outputs, input gradients
and parameter gradients Chainer computed (chainer_reference/rnn_cells.npz,
written by make_rnn_cells.py)."""
import os
import sys

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import serializers

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'chainer_reference')
sys.path.insert(0, HERE)
import rnn_cells_scenario as S  # NOQA: E402

FIXTURE = os.path.join(HERE, 'rnn_cells.npz')


@pytest.fixture(scope='module')
def result():
    with fastgrad.using_config('dtype', numpy.float64):
        model = S.build(L, fastgrad.Chain)
        serializers.load_npz(FIXTURE, model, path='model/')
        v = {k: fastgrad.Variable(a) for k, a in S.inputs().items()}
        out = S.run(model, v, lambda: numpy.random.seed(11))
        S.loss(out, F).backward()
    return model, v, out, numpy.load(FIXTURE)


def test_loaded_every_parameter(result):
    model, _, _, fix = result
    names = sorted('model' + n for n, _ in model.namedparams())
    assert names == sorted(k for k in fix.files if k.startswith('model/'))
    for n, p in model.namedparams():
        assert p.dtype == numpy.float64
        numpy.testing.assert_array_equal(p.array, fix['model' + n])


def test_outputs(result):
    _, _, out, fix = result
    assert sorted(out) == sorted(k[4:] for k in fix.files if k.startswith('out/'))
    for k, y in out.items():
        numpy.testing.assert_allclose(y.array, fix['out/' + k], rtol=1e-12, atol=1e-13,
                                      err_msg=k)


def test_input_gradients(result):
    _, v, _, fix = result
    for k, x in v.items():
        numpy.testing.assert_allclose(x.grad, fix['gx/' + k], rtol=1e-11, atol=1e-12,
                                      err_msg=k)


def test_parameter_gradients(result):
    model, _, _, fix = result
    for n, p in model.namedparams():
        numpy.testing.assert_allclose(p.grad, fix['gW' + n], rtol=1e-11, atol=1e-12,
                                      err_msg=n)
