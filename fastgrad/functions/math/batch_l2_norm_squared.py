"""batch_l2_norm_squared(x): the squared L2 norm of each sample."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode


def _column(gy, ndim):
    """gy of shape (B,) as (B, 1, ..., 1), to broadcast against x."""
    return (gy.shape[0],) + (1,) * (ndim - 1)


class BatchL2NormSquared(FunctionNode):
    def forward(self, inputs):
        x, = inputs
        name = 'BatchL2NormSquared'
        if x.dtype.kind != 'f':
            raise utils.invalid_type(name, "x.dtype.kind == 'f'", 'x.dtype = {}'.format(x.dtype))
        if x.ndim < 2:
            raise utils.invalid_type(name, 'x.ndim >= 2', 'x.ndim = {}'.format(x.ndim))
        self.retain_inputs((0,))
        x2 = x.reshape(x.shape[0], -1)
        return utils.force_array((x2 * x2).sum(axis=1)),

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        gy = grad_outputs[0]
        return utils.force_array(x * gy.reshape(_column(gy, x.ndim)) * 2),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.reshape import reshape
        x, = self.get_retained_inputs()
        gy = grad_outputs[0]
        return x * reshape(gy, _column(gy, x.ndim)) * 2,


def batch_l2_norm_squared(x):
    """``sum(x[i] ** 2)`` for each sample ``i`` along axis 0 (x.ndim >= 2); the
    result has shape ``(x.shape[0],)``."""
    y, = BatchL2NormSquared().apply((x,))
    return y
