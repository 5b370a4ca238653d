"""batch_renormalization: batch normalization corrected toward the running
statistics (r, d of the Batch Renormalization paper, gradient-stopped)."""
import warnings

from fastgrad import configuration, utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.normalization.batch_normalization import Axes, _raw
from fastgrad.functions.normalization.fixed_batch_normalization import fixed_batch_normalization


class BatchRenormalization(Op):
    __slots__ = ('eps', 'running_mean', 'running_var', 'decay', 'rmax', 'dmax',
                 'update_statistics', 'ax', 'ct', 'mean', 'inv_std', 'r', 'd')
    checks = Checks('x, gamma, beta', "x.dtype.kind == 'f'", 'x.ndim >= gamma.ndim + 1',
                    'x.shape[1:1 + gamma.ndim] == gamma.shape', "gamma.dtype.kind == 'f'",
                    'gamma.dtype == beta.dtype', 'gamma.shape == beta.shape',
                    'self.running_mean.shape == gamma.shape',
                    'self.running_var.shape == gamma.shape')

    def __init__(self, eps, running_mean, running_var, decay, rmax, dmax,
                 update_statistics):
        self.eps = float(eps)
        self.running_mean = running_mean
        self.running_var = running_var
        self.decay = float(decay)
        self.rmax = float(rmax)
        self.dmax = float(dmax)
        self.update_statistics = bool(update_statistics)

    def forward(self, inputs):
        x, gamma, beta = inputs
        ax = self.ax = Axes(x, gamma, None)
        ct = self.ct = utils.compute_dtype(x.dtype, gamma.dtype)
        xp = utils.array_module(x)
        mean = x.mean(axis=ax.axis, dtype=ct, keepdims=True)
        xc = xp.subtract(x, mean, dtype=ct)
        var = xp.square(xc).mean(axis=ax.axis, keepdims=True)
        std = xp.sqrt(var + ct.type(self.eps))
        running_mean = self.running_mean.astype(ct, copy=False).reshape(ax.bshape)
        running_std = xp.sqrt(self.running_var.astype(ct, copy=False).reshape(ax.bshape)
                              + ct.type(self.eps))
        # constants of the gradient
        self.r = xp.clip(std / running_std, 1.0 / self.rmax, self.rmax)
        self.d = xp.clip((mean - running_mean) / running_std, -self.dmax, self.dmax)
        self.mean = mean
        self.inv_std = 1.0 / std
        # y = gamma * (x_hat * r + d) + beta, x_hat = xc / std
        g = gamma.reshape(ax.bshape).astype(ct, copy=False)
        xc *= g * self.r * self.inv_std
        xc += g * self.d + beta.reshape(ax.bshape)
        if self.update_statistics:
            adjust = ax.m / max(ax.m - 1.0, 1.0)       # unbiased variance
            for running, stat, factor in ((self.running_mean, mean, 1.0),
                                           (self.running_var, var, adjust)):
                running *= self.decay
                running += ((1.0 - self.decay) * factor * stat.reshape(gamma.shape)).astype(
                    running.dtype, copy=False)
        self.retain_inputs((0, 1))
        return xc.astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        x, gamma = ns.inputs(self)
        ax, ct = self.ax, self.ct
        gy = ns.cast(grad_outputs[0], ct)
        xf = ns.cast(x, ct)
        if ns.differentiable:
            # statistics recomputed from x, so they are differentiated too
            xc = xf - ns.mean(xf, axis=ax.axis, keepdims=True)
            inv_std = (ns.mean(xc * xc, axis=ax.axis, keepdims=True) + self.eps) ** -0.5
        else:
            xc = xf - self.mean
            inv_std = self.inv_std
        x_hat = xc * inv_std
        gbeta = ns.sum(gy, axis=ax.axis, keepdims=True)
        gsigma = ns.sum(gy * x_hat, axis=ax.axis, keepdims=True)
        out = []
        for i in indexes:
            if i == 0:
                scale = ns.reshape(ns.cast(gamma, ct), ax.bshape) * inv_std * self.r
                gx = scale * (gy - (x_hat * gsigma + gbeta) * (1.0 / ax.m))
                out.append(ns.cast(gx, self.inputs[0].dtype))
            elif i == 1:
                ggamma = gsigma * self.r + gbeta * self.d
                out.append(ns.cast(ns.reshape(ggamma, gamma.shape), self.inputs[1].dtype))
            else:
                out.append(ns.cast(ns.reshape(gbeta, gamma.shape), self.inputs[2].dtype))
        return tuple(out)


def batch_renormalization(x, gamma, beta, rmax, dmax, eps=2e-5, running_mean=None,
                          running_var=None, decay=0.9, update_statistics=False):
    """Batch renormalization:
    ``y = gamma * ((x - mean) / std * r + d) + beta`` with the batch's mean
    and ``std = sqrt(var + eps)`` over axis 0 and the axes after gamma's, and
    ``r = clip(std / running_std, 1 / rmax, rmax)``,
    ``d = clip((mean - running_mean) / running_std, -dmax, dmax)``
    (``running_std = sqrt(running_var + eps)``) treated as constants by the
    gradient, as in the paper.

    Args:
        x: input; its axes ``1 .. gamma.ndim`` have gamma's shape.
        gamma, beta: scale and shift.
        rmax (float): the bound of ``r``.
        dmax (float): the bound of ``d``.
        eps (float): added to the variances.
        running_mean, running_var: arrays of gamma's shape (required).
        decay (float): the running averages' decay.
        update_statistics (bool): if True, update ``running_mean`` and
            ``running_var`` in place as :func:`batch_normalization` does
            (the variance unbiased).

    Returns:
        Variable of ``x``'s shape and dtype.

    >>> x = np.array([[1.], [3.]], dtype=np.float32)
    >>> gamma, beta = np.ones(1, np.float32), np.zeros(1, np.float32)
    >>> y = F.batch_renormalization(x, gamma, beta, rmax=3., dmax=5.,
    ...                             running_mean=np.zeros(1, np.float32),
    ...                             running_var=np.ones(1, np.float32))
    >>> np.round(y.array, 4)  # r = 1 and d = 2 undo the batch's normalization
    array([[1.],
           [3.]], dtype=float32)
    """
    if running_mean is None:
        raise TypeError('batch_renormalization: running_mean is required')
    if running_var is None:
        raise TypeError('batch_renormalization: running_var is required')
    func = BatchRenormalization(eps, _raw(running_mean), _raw(running_var), decay,
                                rmax, dmax, update_statistics)
    y, = func.apply((x, gamma, beta))
    return y


def fixed_batch_renormalization(x, gamma, beta, mean, var, eps=2e-5):
    """Deprecated (as in Chainer): the same as :func:`fixed_batch_normalization`.

    Args:
        x, gamma, beta: as :func:`fixed_batch_normalization`.
        mean, var: the fixed statistics, gamma's shape.
        eps (float): added to ``var``.

    >>> x = np.array([[1.], [3.]], dtype=np.float32)
    >>> gamma, beta = np.ones(1, np.float32), np.zeros(1, np.float32)
    >>> mean, var = np.array([2.], np.float32), np.array([1.], np.float32)
    >>> F.fixed_batch_renormalization(x, gamma, beta, mean, var, eps=0.).array
    array([[-1.],
           [ 1.]], dtype=float32)
    """
    warnings.warn('fixed_batch_renormalization is deprecated. '
                  'Use fixed_batch_normalization instead.', DeprecationWarning)
    with configuration.using_config('train', False):
        return fixed_batch_normalization(x, gamma, beta, mean, var, eps)
