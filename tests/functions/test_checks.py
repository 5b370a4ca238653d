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


def _f(*shape, dtype=numpy.float32):
    return numpy.zeros(shape, dtype)


def _i(*shape):
    return numpy.zeros(shape, numpy.int32)


# one op of each package converted to checks: (call, label, expect, actual)
CONVERTED = [
    (lambda: F.mean_squared_error(_f(2, 3), _f(3, 2)), 'MeanSquaredError',
     'x0.shape == x1.shape', '(2, 3) != (3, 2) (x0.shape = (2, 3), x1.shape = (3, 2))'),
    (lambda: F.gaussian_nll(_f(2), _f(2), _f(2, dtype=numpy.float64)), 'GaussianNLL',
     'x.dtype == ln_var.dtype', 'float32 != float64 (x.dtype = float32, ln_var.dtype = float64)'),
    (lambda: F.huber_loss(_f(3), _f(3), 1.0), 'HuberLoss',
     "self.reduce != 'sum_along_second_axis' or x.ndim >= 2", '1 < 2'),
    (lambda: F.softmax_cross_entropy(_f(2, 3), _i(2), class_weight=_f(4)),
     'SoftmaxCrossEntropy', 'self.class_weight is None or self.class_weight.shape == (x.shape[1],)',
     '(4,) != (3,) (self.class_weight.shape = (4,), (x.shape[1],) = (3,))'),
    (lambda: F.contrastive(_f(2, 3), _f(2, 3), _i(3)), 'Contrastive',
     'x0.shape[0] == y.shape[0] > 0', '2 != 3 (x0.shape[0] = 2, y.shape[0] = 3)'),
    (lambda: F.accuracy(_f(2, 3, 2), _i(2)), 'Accuracy',
     'y.shape[t.ndim + 1:] == (1,) * (y.ndim - t.ndim - 1)',
     '(2,) != (1,) (y.shape[t.ndim + 1:] = (2,), (1,) * (y.ndim - t.ndim - 1) = (1,))'),
    (lambda: F.gaussian(_f(3), _f(2)), 'Gaussian', 'mean.shape == ln_var.shape',
     '(3,) != (2,) (mean.shape = (3,), ln_var.shape = (2,))'),
    (lambda: F.batch_normalization(_f(2, 3, 4), _f(3), _f(3), axis=(0, 3)),
     'BatchNormalization', 'self.axis is None or max(self.axis, default=-1) < x.ndim',
     '3 >= 3 (max(self.axis, default=-1) = 3, x.ndim = 3)'),
    (lambda: F.fixed_batch_normalization(_f(2, 3), _f(4), _f(4), _f(4), _f(4)),
     'FixedBatchNormalization', 'gamma.shape == self.key_shape(x.shape, gamma.ndim)',
     '(4,) != (3,) (gamma.shape = (4,), self.key_shape(x.shape, gamma.ndim) = (3,))'),
    (lambda: F.normalize(_f(2, 3), axis=-3), 'NormalizeL2',
     '-x.ndim <= min(self.axis, default=0)',
     '-2 > -3 (-x.ndim = -2, min(self.axis, default=0) = -3)'),
    (lambda: F.lstm(_f(2, 3), _f(3, 12)), 'LSTM', 'x.shape[0] <= c.shape[0]',
     '3 > 2 (x.shape[0] = 3, c.shape[0] = 2)'),
]


@pytest.mark.parametrize('call, label, expect, actual', CONVERTED,
                         ids=[c[1] for c in CONVERTED])
def test_converted_ops_word_their_conditions(call, label, expect, actual):
    with pytest.raises(InvalidType) as e:
        call()
    assert str(e.value) == ('Invalid operation is performed in: {} (Forward)\n\n'
                            'Expect: {}\nActual: {}\n'.format(label, expect, actual))


class _OtherDeviceArray(object):
    """Stands for an array type of another library (only its module matters)."""
    __module__ = 'cupy._core.core'


def test_same_device_names_the_function_and_both_devices():
    from fastgrad.functions._util.checks import same_device
    same_device('dropout', 'mask', numpy.ones(2), numpy.ones(2))       # same library: fine
    with pytest.raises(TypeError, match=r'dropout: mask is a numpy.ndarray but the input '
                                        r'is a cupy._OtherDeviceArray'):
        same_device('dropout', 'mask', numpy.ones(2), _OtherDeviceArray())


@pytest.mark.gpu
@pytest.mark.parametrize('call', ['dropout', 'gaussian', 'softmax_cross_entropy', 'rrelu',
                                  'simplified_dropconnect', 'upsampling',
                                  'batch_normalization'])
def test_a_host_array_beside_gpu_inputs_is_a_clear_error(call):
    import cupy
    x = cupy.ones((2, 3), numpy.float32)
    host = numpy.ones((2, 3), numpy.float32)
    with pytest.raises(TypeError, match=call + r': \w+ is a numpy.ndarray but the input is '
                                               r'a cupy.ndarray'):
        if call == 'dropout':
            F.dropout(x, 0.5, mask=host)
        elif call == 'gaussian':
            F.gaussian(x, x, eps=host)
        elif call == 'softmax_cross_entropy':
            F.softmax_cross_entropy(x, cupy.zeros(2, numpy.int32), class_weight=host[0])
        elif call == 'rrelu':
            F.rrelu(x, r=host)
        elif call == 'simplified_dropconnect':
            F.simplified_dropconnect(x, cupy.ones((4, 3), numpy.float32), ratio=0.5,
                                     mask=numpy.ones((2, 4, 3), bool))
        elif call == 'upsampling':
            F.upsampling_2d(cupy.ones((1, 1, 2, 2), numpy.float32),
                            numpy.zeros((1, 1, 2, 2), numpy.int32), 2, outsize=(4, 4))
        else:
            F.batch_normalization(x, cupy.ones(3, numpy.float32), cupy.zeros(3, numpy.float32),
                                  running_mean=numpy.zeros(3, numpy.float32))


def test_checks_compile_at_the_ops_first_check():
    # not at import; the first check puts the compiled function in the class,
    # and every check, the first included, raises on bad inputs
    from fastgrad.functions._util.recipe import Op

    class Twice(Op):
        __slots__ = ()
        checks = Checks('x', "x.dtype.kind == 'f'", 'x.ndim == 1')

        def forward(self, inputs):
            return inputs[0] * 2,

        def gradient(self, ns, indexes, grad_outputs):
            return grad_outputs[0] * 2,

    assert Twice.checks._function is None
    with pytest.raises(InvalidType, match='x.ndim == 1'):
        Twice().apply((numpy.ones((2, 2)),))
    assert Twice.__dict__['_check_arrays'] is Twice.checks.function
    y, = Twice().apply((numpy.ones(3),))
    numpy.testing.assert_array_equal(y.array, 2 * numpy.ones(3))
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        Twice().apply((numpy.ones(3, int),))
