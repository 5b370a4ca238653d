"""batch_l2_norm_squared(x): the squared L2 norm of each sample."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _column(gy, ndim):
    """gy of shape (B,) as (B, 1, ..., 1), to broadcast against x."""
    return (gy.shape[0],) + (1,) * (ndim - 1)


class BatchL2NormSquared(Op):
    __slots__ = ()
    checks = Checks('x', "x.dtype.kind == 'f'", 'x.ndim >= 2')

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        x2 = x.reshape(x.shape[0], -1)
        return utils.force_array((x2 * x2).sum(axis=1)),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        gy = grad_outputs[0]
        return x * ns.reshape(gy, _column(gy, x.ndim)) * 2,


def batch_l2_norm_squared(x):
    """``sum(x[i] ** 2)`` for each sample ``i`` along axis 0 (x.ndim >= 2); the
    result has shape ``(x.shape[0],)``.

    >>> x = np.arange(8, dtype=np.float32).reshape(2, 2, 2)
    >>> F.batch_l2_norm_squared(x).array  # 0+1+4+9, 16+25+36+49
    array([ 14., 126.], dtype=float32)
    """
    y, = BatchL2NormSquared().apply((x,))
    return y
