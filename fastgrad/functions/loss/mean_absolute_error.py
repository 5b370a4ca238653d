"""mean_absolute_error(x0, x1) = sum(|x0 - x1|) / x0.size."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.recipe import Op

_NAME = 'MeanAbsoluteError'


class MeanAbsoluteError(Op):
    __slots__ = ('_sign',)

    def forward(self, inputs):
        x0, x1 = inputs
        if x0.dtype.kind != 'f':
            raise utils.invalid_type(_NAME, "x0.dtype.kind == 'f'",
                                     'x0.dtype = {}'.format(x0.dtype))
        if x0.dtype != x1.dtype:
            raise utils.invalid_type(_NAME, 'x0.dtype == x1.dtype',
                                     '{} != {}'.format(x0.dtype, x1.dtype))
        if x0.shape != x1.shape:
            raise utils.invalid_type(_NAME, 'x0.shape == x1.shape',
                                     '{} != {}'.format(x0.shape, x1.shape))
        xp = utils.array_module(x0)
        # Only the sign of the difference is needed for the gradient.
        diff = x0 - x1
        self._sign = xp.sign(diff)
        if not diff.size:
            return xp.full((), numpy.nan, x0.dtype),      # 0 / 0, as in Chainer
        ad = abs(diff)
        if ad.dtype == numpy.float16:
            ad = ad.astype(numpy.float32)       # the sum would overflow float16
        return utils.force_array(ad.sum() / diff.size, x0.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        # the sign is a constant: |d|'s second derivative is 0 almost everywhere
        # a NumPy scalar of the dtype: NumPy 1 makes a 0-d float32 times a
        # Python float a float64
        gy = grad_outputs[0] * self._sign.dtype.type(1.0 / max(self._sign.size, 1))
        g = ns.broadcast_to(gy, self._sign.shape) * self._sign
        return tuple(g if i == 0 else -g for i in indexes)

def mean_absolute_error(x0, x1):
    """Mean of the absolute differences, ``sum(|x0 - x1|) / x0.size``.

    Both inputs need the same float dtype and shape; both get gradients
    (``sign(x0 - x1) / size``, 0 where they are equal).  The output is a
    scalar of that dtype.
    """
    y, = MeanAbsoluteError().apply((x0, x1))
    return y
