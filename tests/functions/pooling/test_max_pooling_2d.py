"""F.max_pooling_2d: forward and indices against a naive loop (ksize, stride,
pad, cover_all), ties, gradients on both paths, double backward, dtypes,
non-contiguous inputs and errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _outsize(size, k, s, p, cover_all):
    if cover_all:
        return (size + 2 * p - k + s - 1) // s + 1
    return (size + 2 * p - k) // s + 1


def _ref(x, ksize, stride, pad, cover_all):
    """Max (and first argmax offset i * kw + j) over the in-bounds part of each window."""
    kh, kw = ksize
    sy, sx = stride
    ph, pw = pad
    n, c, h, w = x.shape
    oh = _outsize(h, kh, sy, ph, cover_all)
    ow = _outsize(w, kw, sx, pw, cover_all)
    y = numpy.full((n, c, oh, ow), -numpy.inf)
    idx = numpy.zeros((n, c, oh, ow), numpy.int64)
    for yy in range(oh):
        for xx in range(ow):
            for i in range(kh):
                for j in range(kw):
                    r, q = yy * sy + i - ph, xx * sx + j - pw
                    if 0 <= r < h and 0 <= q < w:
                        v = x[:, :, r, q].astype(numpy.float64)
                        better = v > y[:, :, yy, xx]
                        y[:, :, yy, xx] = numpy.where(better, v, y[:, :, yy, xx])
                        idx[:, :, yy, xx] = numpy.where(better, i * kw + j,
                                                        idx[:, :, yy, xx])
    return y, idx


# (x shape, ksize, stride, pad, cover_all)
CASES = [
    ((2, 3, 4, 6), (2, 2), (2, 2), (0, 0), True),
    ((2, 3, 5, 7), (2, 2), (2, 2), (0, 0), True),
    ((2, 3, 5, 7), (2, 2), (2, 2), (0, 0), False),
    ((1, 2, 7, 6), (3, 3), (2, 2), (1, 1), True),
    ((1, 2, 7, 6), (3, 3), (1, 1), (1, 1), False),
    ((2, 2, 6, 7), (3, 2), (2, 3), (1, 0), True),
    ((1, 2, 5, 5), (1, 1), (2, 2), (0, 0), False),
]


def _distinct(shape, dtype=numpy.float64, seed=0):
    """Values at least 0.1 apart: no ties, so the max is differentiable."""
    rng = numpy.random.RandomState(seed)
    size = int(numpy.prod(shape))
    return (rng.permutation(size).reshape(shape) * 0.1 - size * 0.05).astype(dtype)


def _func(case, **kw):
    _, ksize, stride, pad, cover_all = case
    return lambda x: F.max_pooling_2d(x, ksize, stride, pad, cover_all, **kw)


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward_and_indices(case, dtype):
    x = numpy.random.RandomState(1).randn(*case[0]).astype(dtype)
    x0 = x.copy()
    y, idx = _func(case, return_indices=True)(x)
    ref, ref_idx = _ref(x, *case[1:])
    assert isinstance(y, Variable) and y.dtype == dtype and y.shape == ref.shape
    numpy.testing.assert_array_equal(y.array, ref.astype(dtype))
    assert type(idx) is numpy.ndarray and idx.dtype == numpy.int64
    numpy.testing.assert_array_equal(idx, ref_idx)
    numpy.testing.assert_array_equal(x, x0)


def test_defaults_and_int_arguments():
    x = numpy.random.randn(1, 1, 5, 5)
    assert F.max_pooling_2d(x, 2).shape == (1, 1, 3, 3)
    assert F.max_pooling_2d(x, 2, cover_all=False).shape == (1, 1, 2, 2)
    assert F.max_pooling_2d(x, 3, 1, 1).shape == (1, 1, 5, 5)
    assert F.max_pooling_2d(x, (2, 3), (1, 2)).shape == (1, 1, 4, 2)


def test_ties_send_the_gradient_to_the_first_max():
    x = Variable(numpy.zeros((1, 1, 4, 4)))
    y = F.max_pooling_2d(x, 2)
    y.grad = numpy.ones(y.shape)
    y.backward()
    expect = numpy.zeros((4, 4))
    expect[::2, ::2] = 1
    numpy.testing.assert_array_equal(x.grad[0, 0], expect)


def test_gradient_formula_with_overlaps():
    case = CASES[4]
    x = _distinct(case[0])
    v = Variable(x)
    y = _func(case)(v)
    gy = numpy.random.randn(*y.shape)
    y.grad = gy
    y.backward()
    _, idx = _ref(x, *case[1:])
    kh, kw = case[1]
    expect = numpy.zeros_like(x)
    for (n, c, yy, xx), k in numpy.ndenumerate(idx):
        i, j = divmod(k, kw)
        expect[n, c, yy * case[2][0] + i - case[3][0], xx * case[2][1] + j - case[3][1]] += \
            gy[n, c, yy, xx]
    numpy.testing.assert_allclose(v.grad, expect, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize('case', CASES)
def test_backward(case):
    x = _distinct(case[0])
    gy = numpy.random.randn(*_func(case)(x).shape)
    check_backward(_func(case), x, gy)


@pytest.mark.parametrize('case', CASES)
def test_double_backward(case):
    x = _distinct(case[0])
    gy = numpy.random.randn(*_func(case)(x).shape)
    check_double_backward(_func(case), x, gy, numpy.random.randn(*x.shape))


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_agree(case, dtype):
    x = numpy.random.RandomState(2).randn(*case[0]).astype(dtype)
    gy = numpy.random.randn(*_func(case)(x).shape).astype(dtype)
    grads = []
    for double in (False, True):
        v = Variable(x.copy())
        y = _func(case)(v)
        y.grad = gy.copy()
        y.backward(enable_double_backprop=double)
        grads.append(v.grad)
    assert grads[0].dtype == grads[1].dtype == dtype
    numpy.testing.assert_array_equal(grads[0], grads[1])


def test_non_contiguous_input():
    case = CASES[3]
    base = _distinct((1, 2, 7, 12))
    x = base[:, :, :, ::2]
    assert not x.flags.c_contiguous
    numpy.testing.assert_array_equal(_func(case)(x).array, _ref(x, *case[1:])[0])
    check_backward(_func(case), x, numpy.random.randn(*_func(case)(x).shape))


def test_no_backprop_mode_then_indices():
    x = numpy.random.randn(1, 1, 4, 4)
    with fastgrad.no_backprop_mode():
        y, idx = F.max_pooling_2d(x, 2, return_indices=True)
    numpy.testing.assert_array_equal(idx, _ref(x, (2, 2), (2, 2), (0, 0), True)[1])


def test_nan_propagates_to_the_output():
    x = numpy.zeros((1, 1, 2, 2))
    x[0, 0, 1, 1] = numpy.nan
    assert numpy.isnan(F.max_pooling_2d(x, 2).array).all()


def test_errors():
    x = numpy.zeros((1, 1, 4, 4), numpy.float32)
    with pytest.raises(InvalidType, match='MaxPooling2D') as e:
        F.max_pooling_2d(x[0], 2)
    assert 'x.ndim == 4' in str(e.value)
    with pytest.raises(InvalidType, match="x.dtype.kind == 'f'"):
        F.max_pooling_2d(x.astype(numpy.int32), 2)
    with pytest.raises(ValueError, match='max_pooling_2d: ksize must be >= 1'):
        F.max_pooling_2d(x, 0)
    with pytest.raises(ValueError, match='max_pooling_2d.*must be positive'):
        F.max_pooling_2d(x, 5, cover_all=False)
    with pytest.raises(TypeError, match='stride must be an int or a pair'):
        F.max_pooling_2d(x, 2, stride='2')
