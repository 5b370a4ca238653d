"""initializers.UpsamplingDeconvFilter / DownsamplingConvFilter: the tent
filter on the channel diagonal, its normalisation, shapes and errors."""
import numpy
import pytest

from fastgrad import initializers


def _tent(size):
    f = (size + 1) // 2
    c = f - 1.0 if size % 2 else f - 0.5
    return numpy.array([1 - abs(i - c) / f for i in range(size)])


@pytest.mark.parametrize('k', [2, 3, 4, 5])
def test_upsampling_2d_is_outer_product_on_the_diagonal(k):
    a = numpy.full((3, 3, k, k), 7.0, numpy.float32)
    initializers.UpsamplingDeconvFilter()(a)
    t = _tent(k)
    for i in range(3):
        for j in range(3):
            want = numpy.outer(t, t) if i == j else numpy.zeros((k, k))
            numpy.testing.assert_allclose(a[i, j], want, rtol=1e-6)


def test_downsampling_sums_to_one_3d_and_single_output_channel():
    a = numpy.empty((2, 1, 3, 3, 3))
    initializers.DownsamplingConvFilter()(a)
    t = _tent(3)
    want = numpy.einsum('i,j,k->ijk', t, t, t)
    for c in range(2):
        numpy.testing.assert_allclose(a[c, 0], want / want.sum())
        assert abs(a[c, 0].sum() - 1) < 1e-12


def test_1d_and_dtype():
    a = numpy.empty((2, 2, 4), numpy.float16)
    initializers.UpsamplingDeconvFilter(dtype=numpy.float16)(a)
    numpy.testing.assert_allclose(a[1, 1], _tent(4))
    assert a[0, 1].sum() == 0
    with pytest.raises(initializers.DTypeMismatchError):
        initializers.DownsamplingConvFilter(dtype=numpy.float32)(a)


def test_errors():
    with pytest.raises(ValueError, match='interpolation'):
        initializers.UpsamplingDeconvFilter('nearest')
    with pytest.raises(ValueError, match='ksize must be all same'):
        initializers.UpsamplingDeconvFilter()(numpy.empty((1, 1, 3, 4)))
    with pytest.raises(AssertionError, match='in_channels == out_channels'):
        initializers.DownsamplingConvFilter()(numpy.empty((3, 2, 3, 3)))
