"""F.dstack: NumPy's dstack, differentiable; inputs must share ndim (Chainer)."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


@pytest.mark.parametrize('shapes', [[(2, 3, 4), (2, 3, 1)], [(3, 4), (3, 4), (3, 4)],
                                    [(5,), (5,)], [(), ()], [(2, 3, 2, 2), (2, 3, 1, 2)]])
def test_forward_and_gradients(shapes):
    rng = numpy.random.RandomState(0)
    xs = [rng.standard_normal(s) for s in shapes]
    y = F.dstack(xs)
    numpy.testing.assert_array_equal(y.array, numpy.dstack(xs))
    gy = rng.standard_normal(y.shape)
    check_backward(lambda *v: F.dstack(v), tuple(xs), gy)
    check_double_backward(lambda *v: F.dstack(v), tuple(xs), gy,
                          tuple(rng.standard_normal(s) for s in shapes))


@pytest.mark.parametrize('a,b', [((), (1,)), ((3,), (1, 3)), ((2, 3), (2, 3, 1))])
def test_different_ndim_is_invalid_type(a, b):
    # NumPy would stack these (atleast_3d makes both 3-d); Chainer rejects them
    with pytest.raises(InvalidType, match='x0.ndim == x1.ndim'):
        F.dstack([numpy.zeros(a, numpy.float32), numpy.zeros(b, numpy.float32)])


def test_mismatched_shapes_are_invalid_type():
    with pytest.raises(InvalidType):
        F.dstack([numpy.zeros((3, 4), numpy.float32), numpy.zeros((4, 4), numpy.float32)])
