"""Gaussian initializers: Normal and the fan-scaled LeCun/Glorot/He variants.

Without ``rng`` the values come from the array module's global generator
(``numpy.random.normal`` for NumPy arrays), drawn in float64 with the
array's shape and then cast on assignment, so results match Chainer's for
the same ``numpy.random.seed``.
"""
import numpy

from fastgrad import backend
from fastgrad.initializers.initializer import Initializer
from fastgrad.initializers.initializer import _parse_rng
from fastgrad.initializers.initializer import get_fans


class Normal(Initializer):
    """Initializes the array with samples from N(0, scale**2).

    Args:
        scale (float): Standard deviation of the Gaussian distribution.
        dtype: Data type specifier.
        rng (xp.random.RandomState): Pseudo-random number generator
            (keyword only); the global one of the array module by default.
    """

    _repr_attrs = ('scale',)

    def __init__(self, scale=0.05, dtype=None, **kwargs):
        self.scale = scale
        self.rng = _parse_rng('Normal', kwargs)
        super(Normal, self).__init__(dtype)

    def __call__(self, array):
        self._check_dtype(array)
        if self.rng is None:
            xp = backend.get_array_module(array)
            args = {'loc': 0.0, 'scale': self.scale, 'size': array.shape}
            if xp is not numpy:
                # CuPy can draw in float32 directly (cuRAND has no float16).
                if self.dtype == numpy.float32 or self.dtype == numpy.float16:
                    args['dtype'] = numpy.float32
            array[...] = xp.random.normal(**args)
        else:
            values = self.rng.normal(loc=0.0, scale=self.scale, size=array.shape)
            backend.copyto(array, values.astype(array.dtype, copy=False))


class LeCunNormal(Initializer):
    """Gaussian with standard deviation ``scale * sqrt(1 / fan_in)``.

    Reference: LeCun 98, Efficient Backprop.
    """

    _repr_attrs = ('scale',)

    def __init__(self, scale=1.0, dtype=None, **kwargs):
        self.scale = scale
        self.rng = _parse_rng('LeCunNormal', kwargs)
        super(LeCunNormal, self).__init__(dtype)

    def __call__(self, array):
        self._check_dtype(array)
        fan_in, fan_out = get_fans(array.shape)
        s = self.scale * numpy.sqrt(1. / fan_in)
        Normal(s, rng=self.rng)(array)


class GlorotNormal(Initializer):
    """Gaussian with standard deviation
    ``scale * sqrt(2 / (fan_in + fan_out))``.

    Reference: Glorot & Bengio, AISTATS 2010.
    """

    _repr_attrs = ('scale',)

    def __init__(self, scale=1.0, dtype=None, **kwargs):
        self.scale = scale
        self.rng = _parse_rng('GlorotNormal', kwargs)
        super(GlorotNormal, self).__init__(dtype)

    def __call__(self, array):
        self._check_dtype(array)
        fan_in, fan_out = get_fans(array.shape)
        s = self.scale * numpy.sqrt(2. / (fan_in + fan_out))
        Normal(s, rng=self.rng)(array)


class HeNormal(Initializer):
    """Gaussian with standard deviation ``scale * sqrt(2 / fan)``, where
    ``fan`` is ``fan_in`` or ``fan_out`` per ``fan_option``.

    Reference: He et al., https://arxiv.org/abs/1502.01852
    """

    _repr_attrs = ('scale', 'fan_option')

    def __init__(self, scale=1.0, dtype=None, fan_option='fan_in', **kwargs):
        self.scale = scale
        self.fan_option = fan_option
        self.rng = _parse_rng('HeNormal', kwargs)
        super(HeNormal, self).__init__(dtype)

    def __call__(self, array):
        self._check_dtype(array)
        fan_in, fan_out = get_fans(array.shape)
        if self.fan_option == 'fan_in':
            s = self.scale * numpy.sqrt(2. / fan_in)
        elif self.fan_option == 'fan_out':
            s = self.scale * numpy.sqrt(2. / fan_out)
        else:
            raise ValueError(
                "HeNormal: fan_option should be either 'fan_in' or 'fan_out'; "
                'got {!r}'.format(self.fan_option))
        Normal(s, rng=self.rng)(array)
