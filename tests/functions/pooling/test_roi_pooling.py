"""The RoI family (roi_pooling_2d, roi_max_pooling_2d, roi_average_pooling_2d,
roi_max_align_2d, roi_average_align_2d): gradients in float64 (first and
second order), empty bins, dtypes and bad inputs.  Values against Chainer:
chainer_reference/cases_pool.py."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _x(shape=(2, 3, 9, 8), seed=0):
    # a permutation: no ties, so every max is unique
    n = int(numpy.prod(shape))
    return numpy.random.RandomState(seed).permutation(n).reshape(shape) / n - 0.5


ROIS = numpy.array([[0.5, 1.0, 7.0, 6.0], [2.0, 0.0, 8.0, 7.0], [1.0, 1.5, 3.0, 2.5],
                    [0.0, 0.0, 8.0, 7.0]])
IDX = numpy.array([0, 1, 1, 0], numpy.int32)


def _functions(dtype=numpy.float64):
    rois = ROIS.astype(dtype)
    roi5 = numpy.concatenate([IDX[:, None].astype(dtype), rois[:, [1, 0, 3, 2]]], 1)
    return {
        'roi_pooling_2d': lambda x: F.roi_pooling_2d(x, roi5, 2, 3, 1.0),
        'roi_max_pooling_2d': lambda x: F.roi_max_pooling_2d(x, rois, IDX, (2, 3), 1.0),
        'roi_average_pooling_2d': lambda x: F.roi_average_pooling_2d(x, rois, IDX, 2, 1.0),
        'roi_max_align_2d': lambda x: F.roi_max_align_2d(x, rois, IDX, (2, 3), 1.0),
        'roi_average_align_2d': lambda x: F.roi_average_align_2d(x, rois, IDX, 3, 1.0, 2),
    }


NAMES = sorted(_functions())


@pytest.mark.parametrize('name', NAMES)
def test_gradients(name):
    f = _functions()[name]
    x = _x()
    rng = numpy.random.RandomState(1)
    y = f(x)
    assert y.shape[:2] == (4, 3)
    gy = rng.randn(*y.shape)
    check_backward(f, x, gy, eps=1e-4, atol=1e-8, rtol=1e-6)
    check_double_backward(f, x, gy, rng.randn(*x.shape), eps=1e-4, atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize('name', NAMES)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32])
def test_dtypes(name, dtype):
    x = _x()
    y = _functions(dtype)[name](x.astype(dtype))
    assert y.dtype == dtype
    ref = _functions()[name](x).array
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-2 if dtype == numpy.float16 else 1e-5,
                                  atol=1e-2 if dtype == numpy.float16 else 1e-6)


def test_max_pooling_gradient_goes_to_the_max():
    x = fastgrad.Variable(_x())
    y = F.roi_max_pooling_2d(x, ROIS[:1], IDX[:1], 1, 1.0)
    y.grad = numpy.ones_like(y.array)
    y.backward()
    region = x.array[0, :, 0:7, 1:6]    # rounded corners 0..7 x 1..6 (exclusive ends)
    for c in range(3):
        assert y.array[0, c, 0, 0] == region[c].max()
        assert x.grad[0, c].sum() == 1
        assert x.grad[0, c][0:7, 1:6].ravel()[region[c].argmax()] == 1


def test_empty_bins():
    x = _x()
    outside = numpy.array([[20.0, 20.0, 30.0, 30.0]])
    idx = numpy.zeros(1, numpy.int32)
    assert numpy.isneginf(F.roi_max_pooling_2d(x, outside, idx, 2, 1.0).array).all()
    assert (F.roi_average_pooling_2d(x, outside, idx, 2, 1.0).array == 0).all()
    assert numpy.isneginf(F.roi_max_align_2d(x, outside, idx, 2, 1.0).array).all()
    assert (F.roi_average_align_2d(x, outside, idx, 2, 1.0).array == 0).all()
    assert (F.roi_pooling_2d(x, numpy.array([[0, 20.0, 20.0, 30.0, 30.0]]), 2, 2, 1.0)
            .array == 0).all()
    # no gradient flows from an empty bin
    v = fastgrad.Variable(x)
    y = F.roi_max_pooling_2d(v, outside, idx, 2, 1.0)
    y.grad = numpy.ones_like(y.array)
    y.backward()
    assert (v.grad == 0).all()


def test_indices_as_variable_and_no_rois():
    x = _x()
    a = F.roi_average_align_2d(x, ROIS, fastgrad.Variable(IDX), 2, 1.0)
    numpy.testing.assert_array_equal(a.array, F.roi_average_align_2d(x, ROIS, IDX, 2, 1.0).array)
    empty = F.roi_max_pooling_2d(x, numpy.zeros((0, 4)), numpy.zeros(0, numpy.int32), 2, 1.0)
    assert empty.shape == (0, 3, 2, 2)


@pytest.mark.parametrize('name', ['roi_max_pooling_2d', 'roi_average_pooling_2d',
                                  'roi_max_align_2d', 'roi_average_align_2d'])
def test_bad_inputs(name):
    f = getattr(F, name)
    x = _x()
    with pytest.raises(ValueError, match=name + r': every RoI batch index must be in \[0, 2\)'
                                         '.*got 2'):
        f(x, ROIS, numpy.array([0, 2, 1, 0], numpy.int32), 2, 1.0)
    with pytest.raises(ValueError, match=name + '.*got -1'):
        f(x, ROIS, numpy.array([0, -1, 1, 0], numpy.int32), 2, 1.0)
    label = {'roi_max_pooling_2d': 'ROIMaxPooling2D',
             'roi_average_pooling_2d': 'ROIAveragePooling2D',
             'roi_max_align_2d': 'ROIMaxAlign2D', 'roi_average_align_2d': 'ROIAverageAlign2D'}
    with pytest.raises(InvalidType, match=label[name] + r'[\s\S]*rois.shape\[1\] == 4'):
        f(x, ROIS[:, :3], IDX, 2, 1.0)
    with pytest.raises(InvalidType, match=r'rois.shape\[0\] == roi_indices.shape\[0\]'):
        f(x, ROIS, IDX[:3], 2, 1.0)
    with pytest.raises(InvalidType, match='rois.dtype == x.dtype'):
        f(x, ROIS.astype(numpy.float32), IDX, 2, 1.0)
    with pytest.raises(InvalidType, match="roi_indices.dtype.kind in 'iu'"):
        f(x, ROIS, IDX.astype(numpy.float64), 2, 1.0)
    with pytest.raises(InvalidType, match='x.ndim == 4'):
        f(x[0], ROIS, IDX, 2, 1.0)
    with pytest.raises(TypeError, match=name + r': outsize\[1\] must be a positive integer'):
        f(x, ROIS, IDX, (2, 0), 1.0)
    with pytest.raises(TypeError, match=name + ': spatial_scale must be a positive float'):
        f(x, ROIS, IDX, 2, -1.0)


def test_bad_roi_pooling_2d_inputs():
    x = _x()
    with pytest.raises(ValueError, match=r'roi_pooling_2d: every RoI batch index must be in '
                                         r'\[0, 2\).*got 5'):
        F.roi_pooling_2d(x, numpy.array([[5, 0, 0, 3, 3.0]]), 2, 2, 1.0)
    with pytest.raises(InvalidType, match=r'ROIPooling2D[\s\S]*rois.shape\[1\] == 5'):
        F.roi_pooling_2d(x, ROIS, 2, 2, 1.0)


def test_bad_sampling_ratio():
    with pytest.raises(TypeError, match='roi_average_align_2d: sampling_ratio must be'):
        F.roi_average_align_2d(_x(), ROIS, IDX, 2, 1.0, sampling_ratio=0)
    with pytest.raises(TypeError, match='roi_max_align_2d: sampling_ratio must be'):
        F.roi_max_align_2d(_x(), ROIS, IDX, 2, 1.0, sampling_ratio=(1, 2.5))
