"""The op input checks (functions/_util/checks.py): one expression per
condition, compiled once; Chainer's InvalidType wording; config.type_check."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad.functions._util.checks import Checks
from fastgrad.utils.type_check import InvalidType


class _Op(object):
    label = 'Lin'
    axis = 1


LINEAR = Checks('x, W, b?', "x.dtype.kind == 'f'", 'W.dtype == x.dtype', 'x.ndim == 2',
                'x.shape[1] == W.shape[1]', '-x.ndim <= self.axis < x.ndim',
                'b.shape == (W.shape[0],)')


def _message(checks, inputs, op=None):
    with pytest.raises(InvalidType) as e:
        checks(op or _Op(), inputs)
    text = str(e.value)
    assert text.startswith('Invalid operation is performed in: Lin (Forward)\n\nExpect: ')
    expect, actual = text.split('\n\n', 1)[1].strip().split('\n')
    return expect[len('Expect: '):], actual[len('Actual: '):]


def test_valid_inputs_pass_with_and_without_the_optional_one():
    x, W = numpy.ones((2, 3)), numpy.ones((4, 3))
    LINEAR(_Op(), (x, W))
    LINEAR(_Op(), (x, W, numpy.ones(4)))


@pytest.mark.parametrize('inputs, expect, actual', [
    (lambda x, W: (x,), '2 <= in_types.size() <= 3', 'in_types.size() = 1'),
    (lambda x, W: (x, W, W[0], W), '2 <= in_types.size() <= 3', 'in_types.size() = 4'),
    (lambda x, W: (x.astype(int), W), "x.dtype.kind == 'f'", 'i != f'),
    (lambda x, W: (x, W.astype('f')), 'W.dtype == x.dtype',
     'float32 != float64 (W.dtype = float32, x.dtype = float64)'),
    (lambda x, W: (x[0], W), 'x.ndim == 2', '1 != 2'),
    (lambda x, W: (x, W[:, :2]), 'x.shape[1] == W.shape[1]',
     '3 != 2 (x.shape[1] = 3, W.shape[1] = 2)'),
    (lambda x, W: (x, W, numpy.ones(3)), 'b.shape == (W.shape[0],)',
     '(3,) != (4,) (b.shape = (3,), (W.shape[0],) = (4,))'),
])
def test_the_message_comes_from_the_expression(inputs, expect, actual):
    x, W = numpy.ones((2, 3)), numpy.ones((4, 3))
    assert _message(LINEAR, inputs(x, W)) == (expect, actual)


def test_chained_comparison_names_the_failing_part():
    op = _Op()
    op.axis = 5
    expect, actual = _message(LINEAR, (numpy.ones((2, 3)), numpy.ones((4, 3))), op)
    assert expect == '-x.ndim <= self.axis < x.ndim'
    assert actual == '5 >= 2 (-x.ndim = -2, self.axis = 5, x.ndim = 2)'


def test_other_conditions_and_variadic_inputs():
    checks = Checks('*xs', 'all(x.dtype == xs[0].dtype for x in xs)', 'len(xs) >= 2')
    checks(_Op(), (numpy.ones(2), numpy.ones(3)))
    assert _message(checks, (numpy.ones(2), numpy.ones(2, 'f'))) == (
        'all(x.dtype == xs[0].dtype for x in xs)', 'False')
    assert _message(checks, (numpy.ones(2),))[1] == '1 < 2'


def test_a_condition_that_applies_in_some_cases_names_its_comparison():
    checks = Checks('x', 'self.axis is None or x.ndim > self.axis',
                    'self.axis == 0 or self.axis == 1 or x.shape[0] == 2 >= x.ndim')
    op = _Op()
    op.axis = None
    checks(op, (numpy.ones(2),))        # the first condition does not apply
    op.axis = 1
    assert _message(checks, (numpy.ones(3),), op) == (
        'self.axis is None or x.ndim > self.axis', '1 <= 1 (x.ndim = 1, self.axis = 1)')
    checks(op, (numpy.ones((3, 4)),))   # the second does not
    op.axis = 2
    assert _message(checks, (numpy.ones((3, 4, 5)),), op) == (
        'self.axis == 0 or self.axis == 1 or x.shape[0] == 2 >= x.ndim',
        '3 != 2 (x.shape[0] = 3, x.ndim = 3)')
    assert _message(checks, (numpy.ones((2, 4, 5)),), op)[1] == (
        '2 < 3 (x.shape[0] = 2, x.ndim = 3)')


def test_bad_name_lists_are_rejected():
    with pytest.raises(ValueError, match='optional'):
        Checks('x?, y')
    with pytest.raises(ValueError, match='all the inputs'):
        Checks('x, *ys')


ACTIVATIONS = [F.relu, F.tanh, F.sigmoid, F.elu, F.leaky_relu, F.softplus, F.clipped_relu,
               F.hard_sigmoid, F.gelu, F.softmax, F.log_softmax]


@pytest.mark.parametrize('func', ACTIVATIONS, ids=lambda f: f.__name__)
def test_activations_reject_int_input_as_chainer_does(func):
    with pytest.raises(InvalidType, match="Expect: x.dtype.kind == 'f'\nActual: i != f"):
        func(numpy.arange(6).reshape(2, 3))


def test_type_check_false_turns_the_checks_off():
    x = numpy.arange(3)
    with fastgrad.using_config('type_check', False):
        assert F.relu(x).array.tolist() == [0, 1, 2]
    with pytest.raises(InvalidType):
        F.relu(x)


def test_a_subclass_of_an_op_keeps_its_checks():
    from fastgrad.functions.activation.relu import ReLU

    class MyReLU(ReLU):
        pass

    with pytest.raises(InvalidType, match='MyReLU'):
        MyReLU().apply((numpy.arange(3),))
