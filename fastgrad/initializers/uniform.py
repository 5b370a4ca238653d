"""Uniform initializers: Uniform and the fan-scaled LeCun/Glorot/He variants.

Without ``rng`` the values come from the array module's global generator
(``numpy.random.uniform(-s, s, shape)`` for NumPy arrays), cast on
assignment, matching Chainer's draws for the same ``numpy.random.seed``.
"""
import numpy

from fastgrad import backend
from fastgrad.initializers.initializer import Initializer, _parse_rng, get_fans


class Uniform(Initializer):
    """Initializes the array with samples from U[-scale, scale).

    Args:
        scale (float): Half-width of the interval.
        dtype: Data type specifier.
        rng (xp.random.RandomState): Pseudo-random number generator
            (keyword only); the global one of the array module by default.

    >>> np.random.seed(0)
    >>> a = np.empty((2, 3), dtype=np.float32)
    >>> fastgrad.initializers.Uniform(scale=0.05)(a)
    >>> a
    array([[ 0.00488135,  0.02151894,  0.01027634],
           [ 0.00448832, -0.00763452,  0.01458941]], dtype=float32)
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

    >>> np.random.seed(0)
    >>> a = np.empty((2, 3), dtype=np.float32)
    >>> fastgrad.initializers.LeCunUniform()(a)
    >>> a
    array([[ 0.09762701,  0.43037874,  0.20552675],
           [ 0.08976637, -0.1526904 ,  0.29178822]], dtype=float32)
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

    >>> np.random.seed(0)
    >>> a = np.empty((2, 3), dtype=np.float32)
    >>> fastgrad.initializers.GlorotUniform()(a)
    >>> a
    array([[ 0.10694503,  0.4714563 ,  0.22514328],
           [ 0.09833413, -0.16726395,  0.31963798]], dtype=float32)
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

    >>> np.random.seed(0)
    >>> a = np.empty((2, 3), dtype=np.float32)
    >>> fastgrad.initializers.HeUniform()(a)
    >>> a
    array([[ 0.13806544,  0.60864747,  0.2906587 ],
           [ 0.12694882, -0.21593684,  0.41265085]], dtype=float32)
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
