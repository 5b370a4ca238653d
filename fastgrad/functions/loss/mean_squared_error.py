"""mean_squared_error(x0, x1) = sum((x0 - x1) ** 2) / x0.size."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class MeanSquaredError(Op):
    __slots__ = ()
    checks = Checks('x0, x1', "x0.dtype.kind == 'f'", 'x0.dtype == x1.dtype',
                    'x0.shape == x1.shape')

    def forward(self, inputs):
        x0, x1 = inputs
        self.retain_inputs((0, 1))
        diff = (x0 - x1).ravel()
        if diff.dtype == numpy.float16:
            diff = diff.astype(numpy.float32)   # the dot would overflow float16
        loss = diff.dot(diff) / diff.size if diff.size else diff.dtype.type('nan')
        return utils.force_array(loss, x0.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        x0, x1 = ns.inputs(self)
        diff = x0 - x1
        scale = utils.scalar(2.0 / max(diff.size, 1), diff.dtype)   # keeps float32 on NumPy 1
        g = ns.broadcast_to(grad_outputs[0] * scale, diff.shape) * diff
        return tuple(g if i == 0 else -g for i in indexes)

def mean_squared_error(x0, x1):
    """Mean of the squared differences, ``sum((x0 - x1) ** 2) / x0.size``.

    Both inputs need the same floating dtype and shape; both get gradients.
    The output is a scalar of that dtype.

    >>> x0 = np.array([1., 2., 3.], dtype=np.float32)
    >>> x1 = np.array([2., 2., 1.], dtype=np.float32)
    >>> round(float(F.mean_squared_error(x0, x1).array), 4)
    1.6667
    """
    y, = MeanSquaredError().apply((x0, x1))
    return y
