"""mean_absolute_error(x0, x1) = sum(|x0 - x1|) / x0.size."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class MeanAbsoluteError(Op):
    __slots__ = ('_sign',)
    checks = Checks('x0, x1', "x0.dtype.kind == 'f'", 'x0.dtype == x1.dtype',
                    'x0.shape == x1.shape')

    def forward(self, inputs):
        x0, x1 = inputs
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
        gy = grad_outputs[0] * utils.scalar(1.0 / max(self._sign.size, 1), self._sign.dtype)
        g = ns.broadcast_to(gy, self._sign.shape) * self._sign
        return tuple(g if i == 0 else -g for i in indexes)

def mean_absolute_error(x0, x1):
    """Mean of the absolute differences, ``sum(|x0 - x1|) / x0.size``.

    Both inputs need the same float dtype and shape; both get gradients
    (``sign(x0 - x1) / size``, 0 where they are equal).  The output is a
    scalar of that dtype.

    >>> x0 = np.array([1., 2., 3.], dtype=np.float32)
    >>> x1 = np.array([2., 2., 1.], dtype=np.float32)
    >>> float(F.mean_absolute_error(x0, x1).array)
    1.0
    """
    y, = MeanAbsoluteError().apply((x0, x1))
    return y
