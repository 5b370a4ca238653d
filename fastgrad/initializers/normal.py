"""Gaussian initializers: Normal and the fan-scaled LeCun/Glorot/He variants.

Without ``rng`` the values come from the array module's global generator
(``numpy.random.normal`` for NumPy arrays), drawn in float64 with the
array's shape and then cast on assignment, so results match Chainer's for
the same ``numpy.random.seed``.
"""
import numpy

from fastgrad import backend
from fastgrad.initializers.initializer import Initializer, _parse_rng, get_fans


class Normal(Initializer):
    """Initializes the array with samples from N(0, scale**2).

    Args:
        scale (float): Standard deviation of the Gaussian distribution.
        dtype: Data type specifier.
        rng (xp.random.RandomState): Pseudo-random number generator
            (keyword only); the global one of the array module by default.

    >>> np.random.seed(0)
    >>> a = np.empty((2, 3), dtype=np.float32)
    >>> fastgrad.initializers.Normal(scale=0.05)(a)
    >>> a
    array([[ 0.08820262,  0.02000786,  0.0489369 ],
           [ 0.11204466,  0.0933779 , -0.0488639 ]], dtype=float32)
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

    >>> np.random.seed(0)
    >>> a = np.empty((2, 3), dtype=np.float32)
    >>> fastgrad.initializers.LeCunNormal()(a)
    >>> a
    array([[ 1.0184761 ,  0.23103087,  0.5650746 ],
           [ 1.2937803 ,  1.0782351 , -0.56423163]], dtype=float32)
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

    >>> np.random.seed(0)
    >>> a = np.empty((2, 3), dtype=np.float32)
    >>> fastgrad.initializers.GlorotNormal()(a)
    >>> a
    array([[ 1.1156846 ,  0.25308165,  0.61900824],
           [ 1.4172653 ,  1.1811473 , -0.6180848 ]], dtype=float32)
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

    >>> np.random.seed(0)
    >>> a = np.empty((2, 3), dtype=np.float32)
    >>> fastgrad.initializers.HeNormal()(a)
    >>> a
    array([[ 1.4403427 ,  0.326727  ,  0.7991362 ],
           [ 1.8296816 ,  1.5248547 , -0.79794407]], dtype=float32)
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
