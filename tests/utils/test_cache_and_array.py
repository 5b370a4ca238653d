"""fastgrad.utils.cache.cached_property (one value per backprop mode) and
fastgrad.utils.array (Chainer's chainer.utils.array helpers)."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import distributions
from fastgrad.utils import array, cache


class _Counted(object):
    def __init__(self, x):
        self.x = x
        self.calls = 0

    @cache.cached_property
    def doubled(self):
        self.calls += 1
        return self.x * 2


def test_cached_property_computes_once_per_backprop_mode():
    obj = _Counted(fastgrad.Variable(numpy.array([1.0])))
    a = obj.doubled
    assert obj.doubled is a and obj.calls == 1 and a.creator is not None
    with fastgrad.no_backprop_mode():
        b = obj.doubled
        assert obj.doubled is b
    assert b is not a and b.creator is None and obj.calls == 2
    assert obj.doubled is a and obj.calls == 2
    assert _Counted.doubled.__name__ == 'doubled'


def test_cached_property_values_belong_to_their_object():
    one, ten = _Counted(fastgrad.Variable(numpy.array([1.0]))), _Counted(
        fastgrad.Variable(numpy.array([10.0])))
    assert float(one.doubled.array[0]) == 2 and float(ten.doubled.array[0]) == 20


def test_distribution_used_under_no_backprop_mode_keeps_its_gradient():
    # Before: the distributions cached log(scale) from a no_backprop_mode call
    # and reused it, graph-less, so d/dscale missed that term.
    def grad_of_scale(warm_up):
        s = fastgrad.Variable(numpy.array([1.5]))
        d = distributions.Normal(numpy.zeros(1), scale=s)
        if warm_up:
            with fastgrad.no_backprop_mode():
                d.log_prob(numpy.ones(1))
        F.sum(d.log_prob(numpy.ones(1))).backward()
        return s.grad

    # log N(1; 0, s) = -log s - 1 / (2 s^2) - log(2 pi) / 2: d/ds = -1/s + 1/s^3
    expected = -1 / 1.5 + 1 / 1.5 ** 3
    numpy.testing.assert_allclose(grad_of_scale(False), [expected], rtol=1e-12)
    numpy.testing.assert_allclose(grad_of_scale(True), [expected], rtol=1e-12)


@pytest.mark.parametrize('shape', [(), (2, 3), (0,), (5, 0, 7)])
def test_size_of_shape_is_an_int_like_numpy_size(shape):
    size = array.size_of_shape(shape)
    assert type(size) is int and size == numpy.empty(shape).size


def test_sum_to_and_the_deprecated_helpers():
    x = numpy.arange(6.0).reshape(2, 3)
    numpy.testing.assert_array_equal(array.sum_to(x, (1, 3)), [[3, 5, 7]])
    with pytest.warns(DeprecationWarning, match='as_vec'):
        numpy.testing.assert_array_equal(array.as_vec(x), numpy.arange(6.0))
    with pytest.warns(DeprecationWarning, match='as_mat'):
        assert array.as_mat(numpy.ones((2, 3, 4))).shape == (2, 12)
    with pytest.warns(DeprecationWarning, match='empty_like'):
        e = array.empty_like(x)
    assert e.shape == x.shape and e.dtype == x.dtype and isinstance(e, numpy.ndarray)
