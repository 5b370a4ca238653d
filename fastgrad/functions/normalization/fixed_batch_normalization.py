"""fixed_batch_normalization: normalize with given statistics (inference mode)."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.normalization.batch_normalization import (
    Axes, check_float, check_like_gamma, compute_dtype, parse_axis)

_NAME = 'FixedBatchNormalization'


class FixedBatchNormalization(FunctionNode):
    def __init__(self, eps=2e-5, axis=None):
        self.eps = float(eps)
        self.axis = parse_axis(axis, 'fixed_batch_normalization')

    def forward(self, inputs):
        x, gamma, beta, mean, var = inputs
        check_float(_NAME, 'x', x)
        check_float(_NAME, 'gamma', gamma)
        for what, a in (('beta', beta), ('mean', mean), ('var', var)):
            check_like_gamma(_NAME, what, a, gamma)
        ax = self.ax = Axes(_NAME, x, gamma, self.axis)
        ct = self.ct = compute_dtype(x.dtype, gamma.dtype)
        xp = utils.array_module(x)
        inv_std = 1.0 / xp.sqrt(var.astype(ct) + ct.type(self.eps))
        scale = gamma * inv_std
        shift = beta - mean * scale
        # One pass over x: y = x * scale + (beta - mean * scale).
        y = xp.multiply(x, scale.reshape(ax.bshape), dtype=ct)
        y += shift.reshape(ax.bshape)
        self.inv_std = inv_std
        self.retain_inputs((0, 1, 3, 4))
        return y.astype(x.dtype, copy=False),

    def backward_arrays(self, indexes, grad_outputs):
        x, gamma, mean, _ = self.get_retained_input_arrays()
        ax, ct = self.ax, self.ct
        xp = utils.array_module(x)
        gy = grad_outputs[0]
        inv_std = self.inv_std
        scale = gamma * inv_std                         # ct, gamma's shape
        gbeta = gy.sum(axis=ax.axis, dtype=ct).reshape(gamma.shape)
        ggamma = None
        if 1 in indexes or 4 in indexes:
            x_hat = xp.subtract(x, mean.reshape(ax.bshape), dtype=ct)
            x_hat *= inv_std.reshape(ax.bshape)
            x_hat *= gy
            ggamma = x_hat.sum(axis=ax.axis).reshape(gamma.shape)
        dtype = gamma.dtype
        out = []
        for i in indexes:
            if i == 0:
                gx = xp.multiply(gy, scale.reshape(ax.bshape), dtype=ct)
                out.append(gx.astype(x.dtype, copy=False))
            elif i == 1:
                out.append(ggamma.astype(dtype, copy=False))
            elif i == 2:
                out.append(gbeta.astype(dtype, copy=False))
            elif i == 3:
                out.append((-scale * gbeta).astype(dtype, copy=False))
            else:
                gvar = -0.5 * gamma * ggamma * inv_std * inv_std
                out.append(gvar.astype(dtype, copy=False))
        return tuple(out)

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.cast import cast
        from fastgrad.functions.array.reshape import reshape
        from fastgrad.functions.math.sum import sum as sum_
        x, gamma, mean, var = self.get_retained_inputs()
        ax, ct = self.ax, self.ct
        dtype = self.inputs[1].dtype
        gy = cast(grad_outputs[0], ct)
        g = cast(gamma, ct)
        inv_std = (cast(var, ct) + self.eps) ** -0.5
        scale = g * inv_std
        gbeta = sum_(gy, axis=ax.axis)
        x_hat = (cast(x, ct) - reshape(cast(mean, ct), ax.bshape)) * reshape(inv_std, ax.bshape)
        out = []
        for i in indexes:
            if i == 0:
                out.append(cast(gy * reshape(scale, ax.bshape), x.dtype))
            elif i == 1:
                out.append(cast(sum_(gy * x_hat, axis=ax.axis), dtype))
            elif i == 2:
                out.append(cast(gbeta, dtype))
            elif i == 3:
                out.append(cast(-scale * gbeta, dtype))
            else:
                ggamma = sum_(gy * x_hat, axis=ax.axis)
                out.append(cast(-0.5 * g * ggamma * inv_std * inv_std, dtype))
        return tuple(out)


def fixed_batch_normalization(x, gamma, beta, mean, var, eps=2e-5, axis=None):
    """Batch normalization with fixed statistics:
    ``y = gamma * (x - mean) / sqrt(var + eps) + beta``.

    ``mean`` and ``var`` (usually the running averages that
    :func:`batch_normalization` maintains) have ``gamma``'s shape and dtype;
    ``axis`` follows :func:`batch_normalization`.  All five inputs are
    differentiable.  The output dtype is ``x``'s.
    """
    y, = FixedBatchNormalization(eps, axis).apply((x, gamma, beta, mean, var))
    return y
