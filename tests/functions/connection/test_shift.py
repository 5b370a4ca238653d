"""F.shift: each channel group moved by its kernel offset (against a loop
over groups), gradients in float64 (first and second order), errors.
Values against Chainer: chainer_reference/cases_pool.py."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _ref(x, kh, kw, dy, dx):
    b, c, h, w = x.shape
    n = kh * kw
    size = c // n
    y = numpy.zeros_like(x)
    for ch in range(c):
        g = min(ch // size, n - 1)
        k = {(n - 1) // 2: n - 1, n - 1: (n - 1) // 2}.get(g, g)
        oy, ox = (k // kw - kh // 2) * dy, (k % kw - kw // 2) * dx
        for r in range(h):
            for q in range(w):
                if 0 <= r - oy < h and 0 <= q - ox < w:
                    y[:, ch, r, q] = x[:, ch, r - oy, q - ox]
    return y


@pytest.mark.parametrize('c,ksize,dilate', [(9, 3, 1), (11, 3, 1), (27, (5, 3), (2, 1)),
                                            (10, 3, (-1, 2)), (25, 5, 3)])
def test_forward(c, ksize, dilate):
    x = numpy.random.RandomState(0).randn(2, c, 6, 7)
    kh, kw = (ksize, ksize) if isinstance(ksize, int) else ksize
    dy, dx = (dilate, dilate) if isinstance(dilate, int) else dilate
    numpy.testing.assert_array_equal(F.shift(x, ksize, dilate).array, _ref(x, kh, kw, dy, dx))


def test_gradients():
    rng = numpy.random.RandomState(1)
    x = rng.randn(2, 10, 4, 5)
    f = lambda x: F.shift(x, 3, (1, 2))  # noqa: E731
    gy = rng.randn(*x.shape)
    check_backward(f, x, gy)
    check_double_backward(f, x, gy, rng.randn(*x.shape))


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32])
def test_dtypes(dtype):
    x = numpy.random.RandomState(2).randn(1, 9, 3, 3).astype(dtype)
    y = F.shift(x)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, _ref(x, 3, 3, 1, 1))


def test_errors():
    x = numpy.zeros((1, 9, 3, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r'Shift[\s\S]*x.shape\[1\] >= self.kh \* self.kw'):
        F.shift(x[:, :8])
    with pytest.raises(InvalidType, match='x.ndim == 4'):
        F.shift(x[0])
    with pytest.raises(ValueError, match='shift: ksize must be odd'):
        F.shift(x, 2)
    with pytest.raises(ValueError, match='shift: dilate must be nonzero'):
        F.shift(x, 3, 0)
    with pytest.raises(TypeError, match='shift: ksize must be an int or a pair'):
        F.shift(x, 'a')


def test_module_and_function():
    # Chainer's tests call shift.shift on the module chainer.functions.connection.shift
    import fastgrad.functions.connection as C
    from fastgrad.functions.connection import shift as module
    assert F.shift is module.shift and C.shift is module
