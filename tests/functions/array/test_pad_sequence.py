"""F.pad_sequence: forward vs a NumPy reference, gradients, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

CASES = [([3, 1, 4], (), None, 0), ([2, 5], (3,), None, -1.5), ([2, 5], (3, 2), 7, 0),
         ([0, 2], (), None, 9), ([4], (2,), None, 0), ([0, 0], (), None, 0)]


def _ref(xs, length, padding):
    length = max(len(x) for x in xs) if length is None else length
    y = numpy.full((len(xs), length) + xs[0].shape[1:], padding, dtype=xs[0].dtype)
    for i, x in enumerate(xs):
        y[i, :len(x)] = x
    return y


@pytest.mark.parametrize('lengths,tail,length,padding', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(lengths, tail, length, padding, dtype):
    xs = [numpy.random.randn(n, *tail).astype(dtype) for n in lengths]
    copies = [x.copy() for x in xs]
    y = F.pad_sequence(xs, length, padding)
    expect = _ref(xs, length, padding)
    assert y.shape == expect.shape and y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, expect)
    for x, c in zip(xs, copies):
        numpy.testing.assert_array_equal(x, c)


@pytest.mark.parametrize('lengths,tail,length,padding', CASES)
def test_backward_both_paths(lengths, tail, length, padding):
    xs = [numpy.random.randn(n, *tail) for n in lengths]
    gy = numpy.random.randn(*_ref(xs, length, padding).shape)
    f = lambda *vs: F.pad_sequence(vs, length, padding)  # NOQA
    check_backward(f, tuple(xs), gy)
    for double in (False, True):
        vs = [Variable(a.copy()) for a in xs]
        fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=double)
        for i, g in enumerate([v.grad for v in vs]):
            numpy.testing.assert_array_equal(g, gy[i, :lengths[i]])


def test_double_backward():
    xs = (numpy.random.randn(2, 3), numpy.random.randn(4, 3))
    check_double_backward(lambda a, b: F.pad_sequence([a * a, b * b]), xs,
                          numpy.random.randn(2, 4, 3), tuple(numpy.random.randn(*x.shape)
                                                             for x in xs))


def test_non_contiguous_input():
    a = numpy.random.randn(3, 8)[:, ::2]
    b = numpy.random.randn(4, 2).T
    numpy.testing.assert_array_equal(F.pad_sequence([a, b]).array, _ref([a, b], None, 0))
    check_backward(lambda u, v: F.pad_sequence([u, v]), (a, b), numpy.random.randn(2, 3, 4))


@pytest.mark.parametrize('xs,length', [
    ([numpy.zeros((2, 3)), numpy.zeros((2, 4))], None),          # trailing shapes differ
    ([numpy.zeros((2,)), numpy.zeros((2,), numpy.float32)], None),  # dtypes differ
    ([numpy.zeros((5,)), numpy.zeros((2,))], 3),                 # longer than length
    ([numpy.zeros(())], None),                                   # 0-d
    ([], None),
])
def test_invalid(xs, length):
    with pytest.raises(InvalidType, match='PadSequence'):
        F.pad_sequence(xs, length)


def test_bad_length():
    with pytest.raises(ValueError, match='pad_sequence'):
        F.pad_sequence([numpy.zeros(2)], -1)
    with pytest.raises(TypeError, match='pad_sequence'):
        F.pad_sequence([numpy.zeros(2)], 2.0)


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'case': [0, 2],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestPadSequence(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.lengths, self.tail, self.length, self.padding = CASES[self.case]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-4}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-4}

    def generate_inputs(self):
        return tuple(numpy.asarray(numpy.random.uniform(-1, 1, (n,) + self.tail)).astype(self.dtype) for n in self.lengths)

    def forward(self, inputs, device):
        return F.pad_sequence(inputs, self.length, self.padding),

    def forward_expected(self, inputs):
        return _ref(list(inputs), self.length, self.padding),
