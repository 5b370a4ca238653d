"""F.max_pooling_nd/1d/3d, F.average_pooling_nd/1d/3d (both pad_value modes),
F.unpooling_nd/1d/3d: forward against a naive loop over output positions,
indices, gradients in float64 (first and second order), float16, errors."""
import itertools

import numpy
import pytest

import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _outsize(d, k, s, p, cover_all):
    if cover_all:
        return (d + 2 * p - k + s - 1) // s + 1
    return (d + 2 * p - k) // s + 1


def _ref_pool(x, ksize, stride, pad, cover_all, kind):
    """Naive pooling: for each output position, look at its window's elements."""
    dims = x.shape[2:]
    outs = [_outsize(d, k, s, p, cover_all) for d, k, s, p in zip(dims, ksize, stride, pad)]
    y = numpy.zeros(x.shape[:2] + tuple(outs))
    idx = numpy.zeros(y.shape, numpy.int64)
    for o in itertools.product(*(range(n) for n in outs)):
        vals, offs = [], []
        for k, off in enumerate(itertools.product(*(range(n) for n in ksize))):
            pos = [oi * s + i - p for oi, s, i, p in zip(o, stride, off, pad)]
            if all(0 <= q < d for q, d in zip(pos, dims)):
                vals.append(x[(slice(None), slice(None)) + tuple(pos)])
                offs.append(k)
        sl = (slice(None), slice(None)) + o
        if not vals:        # (cover_all) a window of padding only: -inf, index 0
            y[sl] = -numpy.inf
            continue
        stacked = numpy.stack(vals)
        if kind == 'max':
            y[sl] = stacked.max(0)
            idx[sl] = numpy.array(offs)[stacked.argmax(0)]
        elif kind == 'avg0':
            y[sl] = stacked.sum(0) / numpy.prod(ksize)
        else:
            y[sl] = stacked.mean(0)
    return y, idx


def _ref_unpool(x, ksize, stride, pad, outs):
    y = numpy.zeros(x.shape[:2] + tuple(outs))
    for o in itertools.product(*(range(n) for n in x.shape[2:])):
        for off in itertools.product(*(range(n) for n in ksize)):
            pos = [oi * s + i - p for oi, s, i, p in zip(o, stride, off, pad)]
            if all(0 <= q < d for q, d in zip(pos, outs)):
                y[(slice(None), slice(None)) + tuple(pos)] += x[(slice(None), slice(None)) + o]
    return y


# (shape, ksize, stride, pad)
CASES = [
    ((2, 3, 7), (3,), (2,), (1,)),
    ((1, 2, 6), (2,), (2,), (0,)),
    ((2, 2, 4, 5, 3), (2, 3, 2), (2, 2, 1), (1, 0, 1)),
    ((1, 2, 3, 4, 5), (2, 2, 2), (1, 2, 2), (0, 1, 0)),
    ((1, 1, 3, 3, 3, 4), (2, 2, 2, 2), (2, 1, 2, 2), (1, 0, 0, 1)),   # 4-D
]


def _distinct(shape, seed=0):
    # a permutation: no two elements equal, so the max (and its index) is unique
    rng = numpy.random.RandomState(seed)
    n = int(numpy.prod(shape))
    return (rng.permutation(n).reshape(shape) / n - 0.5) * 2


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('cover_all', [True, False])
def test_max_forward_and_indices(case, cover_all):
    shape, ksize, stride, pad = case
    x = _distinct(shape)
    y, idx = F.max_pooling_nd(x, ksize, stride, pad, cover_all, return_indices=True)
    ref, ref_idx = _ref_pool(x, ksize, stride, pad, cover_all, 'max')
    numpy.testing.assert_array_equal(y.array, ref)
    assert idx.dtype == numpy.int64
    numpy.testing.assert_array_equal(idx, ref_idx)


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('pad_value', [0, None])
def test_average_forward(case, pad_value):
    shape, ksize, stride, pad = case
    x = numpy.random.RandomState(1).randn(*shape)
    y = F.average_pooling_nd(x, ksize, stride, pad, pad_value=pad_value)
    ref, _ = _ref_pool(x, ksize, stride, pad, False, 'avg0' if pad_value == 0 else 'avgN')
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('cover_all', [True, False])
def test_unpooling_forward(case, cover_all):
    shape, ksize, stride, pad = case
    rng = numpy.random.RandomState(2)
    pooled = _outsize_all(shape, ksize, stride, pad, cover_all)
    x = rng.randn(*pooled)
    y = F.unpooling_nd(x, ksize, stride, pad, outsize=shape[2:], cover_all=cover_all)
    numpy.testing.assert_allclose(y.array, _ref_unpool(x, ksize, stride, pad, shape[2:]),
                                  rtol=1e-13, atol=1e-13)


def _outsize_all(shape, ksize, stride, pad, cover_all):
    return shape[:2] + tuple(_outsize(d, k, s, p, cover_all)
                             for d, k, s, p in zip(shape[2:], ksize, stride, pad))


def _grad_inputs(f, x, seed):
    rng = numpy.random.RandomState(seed)
    y = f(x)
    return rng.randn(*y.shape), rng.randn(*x.shape)


def _functions(case):
    shape, ksize, stride, pad = case
    pooled = _outsize_all(shape, ksize, stride, pad, True)
    return [
        (lambda x: F.max_pooling_nd(x, ksize, stride, pad), shape),
        (lambda x: F.max_pooling_nd(x, ksize, stride, pad, cover_all=False), shape),
        (lambda x: F.average_pooling_nd(x, ksize, stride, pad), shape),
        (lambda x: F.average_pooling_nd(x, ksize, stride, pad, pad_value=None), shape),
        (lambda x: F.unpooling_nd(x, ksize, stride, pad, outsize=shape[2:]), pooled),
    ]


@pytest.mark.parametrize('case', CASES[:4])
@pytest.mark.parametrize('which', range(5))
def test_gradients(case, which):
    f, shape = _functions(case)[which]
    x = _distinct(shape, 3)
    gy, ggx = _grad_inputs(f, x, 4)
    check_backward(f, x, gy, atol=1e-7, rtol=1e-7, eps=1e-4)
    check_double_backward(f, x, gy, ggx, atol=1e-7, rtol=1e-7, eps=1e-4)


@pytest.mark.parametrize('name,ndim', [('max_pooling', 1), ('max_pooling', 3),
                                       ('average_pooling', 1), ('average_pooling', 3),
                                       ('unpooling', 1), ('unpooling', 3)])
def test_fixed_ndim_functions(name, ndim):
    x = _distinct((2, 3) + (4,) * ndim)
    f = getattr(F, '{}_{}d'.format(name, ndim))
    nd = getattr(F, name + '_nd')
    numpy.testing.assert_array_equal(f(x, 2).array, nd(x, 2).array)
    with pytest.raises(ValueError, match='{}_{}d.*should be {}'.format(name, ndim, ndim)):
        f(x[..., 0], 2)


def test_2d_is_nd_with_two_axes():
    x = _distinct((2, 3, 7, 6))
    for args in [(3, 2, 1), ((2, 3), (1, 2), (1, 0))]:
        numpy.testing.assert_array_equal(F.max_pooling_nd(x, *args).array,
                                         F.max_pooling_2d(x, *args).array)
        numpy.testing.assert_array_equal(F.average_pooling_nd(x, *args).array,
                                         F.average_pooling_2d(x, *args).array)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32])
def test_dtypes(dtype):
    x = _distinct((2, 2, 4, 6, 4)).astype(dtype)
    for f in (lambda v: F.max_pooling_3d(v, 2, 1, 1),
              lambda v: F.average_pooling_3d(v, 3, 2, 1, pad_value=None),
              lambda v: F.unpooling_3d(v, 2, cover_all=False)):
        y = f(x)
        assert y.dtype == dtype
        ref = f(x.astype(numpy.float64)).array
        numpy.testing.assert_allclose(y.array, ref, rtol=2e-3 if dtype == numpy.float16
                                      else 1e-6, atol=2e-3 if dtype == numpy.float16 else 1e-6)
        y.grad = numpy.ones_like(y.array)
        y.backward()


def test_unpooling_inverts_max_pooling_shape():
    x = numpy.zeros((1, 1, 5, 7, 6))
    y = F.max_pooling_nd(x, (2, 3, 2), (2, 2, 3), (1, 0, 1))
    z = F.unpooling_nd(y, (2, 3, 2), (2, 2, 3), (1, 0, 1), outsize=x.shape[2:])
    assert z.shape == x.shape


def test_errors():
    x = numpy.zeros((1, 1, 4, 4, 4), numpy.float32)
    with pytest.raises(InvalidType, match="MaxPoolingND"):
        F.max_pooling_nd(x.astype(numpy.int32), 2)
    with pytest.raises(ValueError, match='max_pooling_nd: ksize must be an int or a tuple'
                                         ' of 3 ints'):
        F.max_pooling_nd(x, (2, 2))
    with pytest.raises(ValueError, match='max_pooling_nd: ksize must be >= 1'):
        F.max_pooling_nd(x, 0)
    with pytest.raises(ValueError, match='max_pooling_nd: pad must be >= 0'):
        F.max_pooling_nd(x, 2, pad=-1)
    with pytest.raises(ValueError, match='at least one spatial dimension'):
        F.max_pooling_nd(numpy.zeros((2, 3), numpy.float32), 2)
    with pytest.raises(ValueError, match='average_pooling_nd.*must be positive'):
        F.average_pooling_nd(x, 5)
    with pytest.raises(ValueError, match='average_pooling_nd: pad_value must be either 0'
                                         ' or None'):
        F.average_pooling_nd(x, 2, pad_value=1)
    with pytest.raises(InvalidType, match='AveragePoolingND'):
        F.average_pooling_nd(x.astype(numpy.int64), 2)
    with pytest.raises(InvalidType, match=r'UnpoolingND[\s\S]*x.shape\[3\] == 3'):
        F.unpooling_nd(x, 2, outsize=(8, 6, 8))
    with pytest.raises(ValueError, match='unpooling_nd: outsize must be None or a tuple'):
        F.unpooling_nd(x, 2, outsize=(8, 8))


def test_unpooling_to_an_empty_output():
    # as in Chainer: ksize 1, pad 1 unpools 2 to 0 (an empty array), never negative
    x = numpy.ones((2, 3, 3, 2))
    assert F.unpooling_nd(x, 1, 1, 1, cover_all=True).shape == (2, 3, 1, 0)
    with pytest.raises(ValueError, match='unpooling_nd: the output would be .*must not be'
                                         ' negative'):
        F.unpooling_nd(numpy.ones((1, 1, 1)), 1, 1, 1)
