"""fixed_batch_normalization: normalize with given statistics (inference mode)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.normalization.batch_normalization import (
    AXIS_CHECKS,
    CHECKS,
    Axes,
    _key_shape,
    kernels,
    parse_axis,
)


class FixedBatchNormalization(Op):
    __slots__ = ('eps', 'axis', 'ax', 'ct')
    checks = Checks('x, gamma, beta, mean, var', *CHECKS,
                    'mean.dtype == gamma.dtype', 'mean.shape == gamma.shape',
                    'var.dtype == gamma.dtype', 'var.shape == gamma.shape', *AXIS_CHECKS)
    key_shape = _key_shape

    def __init__(self, eps=2e-5, axis=None):
        self.eps = float(eps)
        self.axis = parse_axis(axis, 'fixed_batch_normalization')

    def forward(self, inputs):
        x, gamma, beta, mean, var = inputs
        ax = self.ax = Axes(x, gamma, self.axis)
        ct = self.ct = utils.compute_dtype(x.dtype, gamma.dtype)
        self.retain_inputs((0, 1, 3, 4))
        fast = kernels(x, ax.axis, gamma, beta, mean, var)
        if fast is not None:
            # CuPy: one launch instead of nine; NumPy: one pass (_util/norm_cpu.py)
            return fast.fixed_forward(x, gamma, beta, mean, var, self.eps),
        xp = utils.array_module(x)
        inv_std = 1.0 / xp.sqrt(var.astype(ct) + ct.type(self.eps))
        scale = gamma * inv_std
        shift = beta - mean * scale
        # One pass over x: y = x * scale + (beta - mean * scale).
        y = xp.multiply(x, scale.reshape(ax.bshape), dtype=ct)
        y += shift.reshape(ax.bshape)
        return y.astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        x, gamma, mean, var = ns.inputs(self)
        ax, ct = self.ax, self.ct
        dtype = self.inputs[1].dtype
        gy = ns.cast(grad_outputs[0], ct)
        g = ns.cast(gamma, ct)
        inv_std = (ns.cast(var, ct) + self.eps) ** -0.5
        scale = g * inv_std
        gbeta = ns.sum(gy, axis=ax.axis)
        ggamma = None
        if 1 in indexes or 4 in indexes:
            x_hat = ns.cast(x, ct) - ns.reshape(ns.cast(mean, ct), ax.bshape)
            ggamma = ns.sum(gy * x_hat * ns.reshape(inv_std, ax.bshape), axis=ax.axis)
        out = []
        for i in indexes:
            if i == 0:
                out.append(ns.cast(gy * ns.reshape(scale, ax.bshape), self.inputs[0].dtype))
            elif i == 1:
                out.append(ns.cast(ggamma, dtype))
            elif i == 2:
                out.append(ns.cast(gbeta, dtype))
            elif i == 3:
                out.append(ns.cast(-scale * gbeta, dtype))
            else:
                out.append(ns.cast(-0.5 * g * ggamma * inv_std * inv_std, dtype))
        return tuple(out)

def fixed_batch_normalization(x, gamma, beta, mean, var, eps=2e-5, axis=None):
    """Batch normalization with fixed statistics:
    ``y = gamma * (x - mean) / sqrt(var + eps) + beta``.

    ``mean`` and ``var`` (usually the running averages that
    :func:`batch_normalization` maintains) have ``gamma``'s shape and dtype;
    ``axis`` follows :func:`batch_normalization`.  All five inputs are
    differentiable.  The output dtype is ``x``'s.

    >>> x = np.array([[1., 2.], [3., 6.]], dtype=np.float32)
    >>> gamma = np.ones(2, dtype=np.float32)
    >>> beta = np.zeros(2, dtype=np.float32)
    >>> mean = np.array([2., 4.], dtype=np.float32)
    >>> var = np.array([1., 4.], dtype=np.float32)
    >>> F.fixed_batch_normalization(x, gamma, beta, mean, var, eps=0).array
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    """
    y, = FixedBatchNormalization(eps, axis).apply((x, gamma, beta, mean, var))
    return y
