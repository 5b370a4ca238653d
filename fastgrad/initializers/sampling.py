"""Bilinear (N-linear) resampling filters: UpsamplingDeconvFilter and
DownsamplingConvFilter (the initial weights of FCN-style up/downsampling)."""
import numpy

from fastgrad import backend
from fastgrad.initializers.initializer import Initializer


class SamplingFilterShapeError(ValueError, AssertionError):
    """The array cannot hold a per-channel sampling filter.  Chainer checks
    this with a bare ``assert``; this error is both."""


def linear_filter(size, ndim, upsampling=True):
    """The ``size ** ndim`` tent filter: the product over axes of
    ``1 - |i - center| / factor``, ``factor = (size + 1) // 2``; normalized
    to sum 1 for downsampling."""
    factor = (size + 1) // 2
    center = factor - 1.0 if size % 2 == 1 else factor - 0.5
    tent = 1.0 - numpy.abs(numpy.arange(size) - center) / factor
    filt = numpy.ones((size,) * ndim)
    for axis in range(ndim):
        shape = [1] * ndim
        shape[axis] = size
        filt = filt * tent.reshape(shape)
    if not upsampling:
        filt /= filt.sum()
    return filt


class _SamplingFilter(Initializer):
    _repr_attrs = ('interpolation',)

    def __init__(self, upsampling, interpolation='linear', dtype=None):
        if interpolation != 'linear':
            raise ValueError('{}: unsupported interpolation method {!r} (only '
                             "'linear')".format(type(self).__name__, interpolation))
        self.interpolation = interpolation
        self._upsampling = upsampling
        super().__init__(dtype)

    def __call__(self, array):
        self._check_dtype(array)
        name = type(self).__name__
        if array.ndim < 3:
            raise SamplingFilterShapeError(
                '{}: the array must be (in_channels, out_channels, k, ...), got shape {}'
                .format(name, array.shape))
        in_c, out_c = array.shape[:2]
        if not (in_c == out_c or out_c == 1):
            raise SamplingFilterShapeError(
                '{}: expected in_channels == out_channels or out_channels == 1, got '
                'shape {}'.format(name, array.shape))
        ks = set(array.shape[2:])
        if len(ks) != 1:
            raise ValueError('{}: ksize must be all same, got {}'.format(
                name, array.shape[2:]))
        filt = linear_filter(array.shape[2], array.ndim - 2, self._upsampling)
        xp = backend.get_array_module(array)
        array[...] = 0
        ch = xp.arange(in_c)
        array[ch, ch if out_c != 1 else 0] = xp.asarray(filt, dtype=array.dtype)


class UpsamplingDeconvFilter(_SamplingFilter):
    """Channel ``c`` -> ``c`` bilinear upsampling weights for a deconvolution
    (whose stride is expected to be ``(ksize + 1) // 2``).

    Reference: Long et al., https://arxiv.org/abs/1411.4038

    Args:
        interpolation (str): only ``'linear'``.
        dtype: data type specifier.

    >>> a = np.empty((1, 1, 4, 4), dtype=np.float32)
    >>> fastgrad.initializers.UpsamplingDeconvFilter()(a)
    >>> a[0, 0, 0]
    array([0.0625, 0.1875, 0.1875, 0.0625], dtype=float32)
    """

    def __init__(self, interpolation='linear', dtype=None):
        super().__init__(True, interpolation, dtype)


class DownsamplingConvFilter(_SamplingFilter):
    """Channel ``c`` -> ``c`` bilinear downsampling weights (summing to 1) for
    a convolution (whose stride is expected to be ``(ksize + 1) // 2``).

    Args:
        interpolation (str): only ``'linear'``.
        dtype: data type specifier.

    >>> a = np.empty((2, 2, 3, 3), dtype=np.float32)
    >>> fastgrad.initializers.DownsamplingConvFilter()(a)
    >>> a[0, 0]
    array([[0.0625, 0.125 , 0.0625],
           [0.125 , 0.25  , 0.125 ],
           [0.0625, 0.125 , 0.0625]], dtype=float32)
    >>> float(a[1, 1].sum()), bool(a[0, 1].any())  # channel c to c only
    (1.0, False)
    """

    def __init__(self, interpolation='linear', dtype=None):
        super().__init__(False, interpolation, dtype)
