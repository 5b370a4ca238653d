"""Uniform initializers: Uniform and the fan-scaled LeCun/Glorot/He variants.

Without ``rng`` the values come from the array module's global generator
(``numpy.random.uniform(-s, s, shape)`` for NumPy arrays), cast on
assignment, matching Chainer's draws for the same ``numpy.random.seed``.
"""
import numpy

from fastgrad import backend
from fastgrad.initializers.initializer import Initializer
from fastgrad.initializers.initializer import _parse_rng
from fastgrad.initializers.initializer import get_fans


class Uniform(Initializer):
    """Initializes the array with samples from U[-scale, scale).

    Args:
        scale (float): Half-width of the interval.
        dtype: Data type specifier.
        rng (xp.random.RandomState): Pseudo-random number generator
            (keyword only); the global one of the array module by default.
    """

    _repr_attrs = ('scale',)

    def __init__(self, scale=0.05, dtype=None, **kwargs):
        self.scale = scale
        self.rng = _parse_rng('Uniform', kwargs)
        super(Uniform, self).__init__(dtype)

    def __call__(self, array):
        self._check_dtype(array)
        if self.rng is None:
            xp = backend.get_array_module(array)
            array[...] = xp.random.uniform(
                low=-self.scale, high=self.scale, size=array.shape)
        else:
            values = self.rng.uniform(
                low=-self.scale, high=self.scale, size=array.shape)
            backend.copyto(array, values.astype(array.dtype, copy=False))


class LeCunUniform(Initializer):
    """Uniform on [-s, s] with ``s = scale * sqrt(3 / fan_in)``.

    Reference: LeCun 98, Efficient Backprop.
    """

    _repr_attrs = ('scale',)

    def __init__(self, scale=1.0, dtype=None, **kwargs):
        self.scale = scale
        self.rng = _parse_rng('LeCunUniform', kwargs)
        super(LeCunUniform, self).__init__(dtype)

    def __call__(self, array):
        self._check_dtype(array)
        fan_in, fan_out = get_fans(array.shape)
        s = self.scale * numpy.sqrt(3. / fan_in)
        Uniform(s, rng=self.rng)(array)


class GlorotUniform(Initializer):
    """Uniform on [-s, s] with ``s = scale * sqrt(6 / (fan_in + fan_out))``.

    Reference: Glorot & Bengio, AISTATS 2010.
    """

    _repr_attrs = ('scale',)

    def __init__(self, scale=1.0, dtype=None, **kwargs):
        self.scale = scale
        self.rng = _parse_rng('GlorotUniform', kwargs)
        super(GlorotUniform, self).__init__(dtype)

    def __call__(self, array):
        self._check_dtype(array)
        fan_in, fan_out = get_fans(array.shape)
        s = self.scale * numpy.sqrt(6. / (fan_in + fan_out))
        Uniform(s, rng=self.rng)(array)


class HeUniform(Initializer):
    """Uniform on [-s, s] with ``s = scale * sqrt(6 / fan_in)``.

    Reference: He et al., https://arxiv.org/abs/1502.01852
    """

    _repr_attrs = ('scale',)

    def __init__(self, scale=1.0, dtype=None, **kwargs):
        self.scale = scale
        self.rng = _parse_rng('HeUniform', kwargs)
        super(HeUniform, self).__init__(dtype)

    def __call__(self, array):
        self._check_dtype(array)
        fan_in, fan_out = get_fans(array.shape)
        s = self.scale * numpy.sqrt(6. / fan_in)
        Uniform(s, rng=self.rng)(array)
