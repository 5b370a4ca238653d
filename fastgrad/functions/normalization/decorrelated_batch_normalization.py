"""decorrelated_batch_normalization: ZCA whitening of groups of channels.

The channels are split into ``groups`` groups of ``C`` channels; each group is
seen as a ``(C, m)`` matrix (``m`` = batch size times the spatial size).
Training mode whitens it with its own covariance ``cov = V diag(w) V^T``:
``y = V diag(w)^-1/2 V^T (x - mean)``.  The fixed version applies a given
projection: ``y = P (x - mean)``.
"""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.normalization.batch_normalization import _raw


def _to_groups(x, g):
    """``(b, c, *spatial)`` -> ``(g, c // g, m)`` (channels first)."""
    return x.swapaxes(0, 1).reshape(g, x.shape[1] // g, -1)


def _from_groups(a, shape):
    """Inverse of :func:`_to_groups` for an input of ``shape``."""
    return a.reshape((shape[1], shape[0]) + tuple(shape[2:])).swapaxes(0, 1)


def _check_groups(groups, func):
    if not isinstance(groups, (int, numpy.integer)) or isinstance(groups, bool):
        raise TypeError('{}: groups must be an int, got {!r}'.format(func, groups))
    if groups <= 0:
        raise ValueError('{}: groups must be positive, got {}'.format(func, groups))
    return int(groups)


class DecorrelatedBatchNormalization(Op):
    __slots__ = ('groups', 'eps', 'running_mean', 'running_projection', 'decay',
                 'eigvals', 'eigvectors', 'y_pca')
    checks = Checks('x', "x.dtype.kind == 'f'", 'x.ndim >= 2',
                    'x.shape[1] % self.groups == 0')

    def __init__(self, groups=16, eps=2e-5, mean=None, projection=None, decay=0.9):
        self.groups = _check_groups(groups, 'decorrelated_batch_normalization')
        self.eps = float(eps)
        self.running_mean = mean
        self.running_projection = projection
        self.decay = float(decay)

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        # eigh has no float16: half inputs are computed in float32
        ct = utils.compute_dtype(x.dtype)
        xg = _to_groups(x, self.groups).astype(ct, copy=False)
        C, m = xg.shape[1:]
        mean = xg.mean(axis=2, keepdims=True)
        xc = xg - mean
        cov = xp.matmul(xc, xc.swapaxes(1, 2)) / ct.type(m)
        cov += ct.type(self.eps) * xp.eye(C, dtype=ct)
        w, v = xp.linalg.eigh(cov)
        # U = diag(w^-1/2) V^T; the PCA-whitened data U xc is kept for backward
        u = v.swapaxes(1, 2) * (w ** -0.5)[:, :, None]
        self.y_pca = xp.matmul(u, xc)
        self.eigvals, self.eigvectors = w, v
        y = xp.matmul(v, self.y_pca)
        if self.running_mean is not None:
            rm = self.running_mean
            rm *= self.decay
            rm += ((1 - self.decay) * mean[:, :, 0]).astype(rm.dtype, copy=False)
        if self.running_projection is not None:
            rp = self.running_projection
            adjust = m / max(m - 1.0, 1.0)             # unbiased estimation
            rp *= self.decay
            rp += ((1 - self.decay) * adjust * xp.matmul(v, u)).astype(rp.dtype, copy=False)
        self.retain_inputs(())
        return _from_groups(y, x.shape).astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        grad = DecorrelatedBatchNormalizationGrad(
            self.groups, self.eigvals, self.eigvectors, self.y_pca)
        return ns.call(grad, (grad_outputs[0],))


class DecorrelatedBatchNormalizationGrad(Op):
    """The gradient of the whitening w.r.t. x, as an op of ``gy``."""
    __slots__ = ('groups', 'eigvals', 'eigvectors', 'y_pca')

    def __init__(self, groups, eigvals, eigvectors, y_pca):
        self.groups = groups
        self.eigvals = eigvals
        self.eigvectors = eigvectors
        self.y_pca = y_pca

    def forward(self, inputs):
        gy, = inputs
        xp = utils.array_module(gy)
        w, v, y_pca = self.eigvals, self.eigvectors, self.y_pca
        ct = w.dtype
        gyg = _to_groups(gy, self.groups).astype(ct, copy=False)
        m = gyg.shape[2]
        g_pca = xp.matmul(v.swapaxes(1, 2), gyg)      # gradient w.r.t. y_pca
        f = g_pca.mean(axis=2, keepdims=True)
        # K[i, j] = 1 / (w_i - w_j), 0 where the eigenvalues coincide
        k = w[:, :, None] - w[:, None, :]
        nonzero = k != 0
        k[nonzero] = 1.0 / k[nonzero]
        fc = xp.matmul(g_pca, y_pca.swapaxes(1, 2)) / ct.type(m)
        sw = xp.sqrt(w)
        # K^T * (diag(w) Fc^T + diag(sqrt w) Fc diag(sqrt w)), symmetrized
        a = k.swapaxes(1, 2) * (w[:, :, None] * fc.swapaxes(1, 2)
                                + sw[:, :, None] * fc * sw[:, None, :])
        s = a + a.swapaxes(1, 2)
        diag = xp.arange(s.shape[1])
        s[:, diag, diag] -= fc[:, diag, diag]
        r = g_pca - f + xp.matmul(s.swapaxes(1, 2), y_pca)
        gx = xp.matmul(v, r * (w ** -0.5)[:, :, None])
        return _from_groups(gx, gy.shape).astype(gy.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        raise NotImplementedError('decorrelated_batch_normalization: double backward is '
                                  'not implemented (neither is it in Chainer)')


class FixedDecorrelatedBatchNormalization(Op):
    __slots__ = ('groups', 'ct')
    checks = Checks('x, mean, projection', "x.dtype.kind == 'f'",
                    'mean.dtype == x.dtype', 'projection.dtype == x.dtype', 'x.ndim >= 2',
                    'x.shape[1] % self.groups == 0', 'mean.ndim == 2',
                    'mean.shape == (self.groups, x.shape[1] // self.groups)',
                    'projection.ndim == 3',
                    'projection.shape == mean.shape + mean.shape[1:]')

    def __init__(self, groups=16):
        self.groups = _check_groups(groups, 'fixed_decorrelated_batch_normalization')

    def forward(self, inputs):
        x, mean, projection = inputs
        xp = utils.array_module(x)
        ct = self.ct = utils.compute_dtype(x.dtype)
        xc = _to_groups(x, self.groups).astype(ct) - mean.astype(ct)[:, :, None]
        y = xp.matmul(projection.astype(ct, copy=False), xc)
        self.retain_inputs((0, 1, 2))
        return _from_groups(y, x.shape).astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        x, mean, projection = ns.inputs(self)
        ct, groups = self.ct, self.groups
        gy = ns.cast(grad_outputs[0], ct)
        p = ns.cast(projection, ct)
        gyg = ns.reshape(ns.swapaxes(gy, 0, 1), (groups, mean.shape[1], -1))
        gxg = ns.matmul(p, gyg, transa=True)            # P^T gy per group
        out = []
        for i in indexes:
            if i == 0:
                gx = ns.swapaxes(ns.reshape(gxg, (x.shape[1], x.shape[0]) + x.shape[2:]),
                                 0, 1)
                out.append(ns.cast(gx, self.inputs[0].dtype))
            elif i == 1:
                out.append(ns.cast(-ns.sum(gxg, axis=2), self.inputs[1].dtype))
            else:
                xg = ns.reshape(ns.swapaxes(ns.cast(x, ct), 0, 1),
                                (groups, mean.shape[1], -1))
                xc = xg - ns.expand_dims(ns.cast(mean, ct), 2)
                out.append(ns.cast(ns.matmul(gyg, xc, transb=True), self.inputs[2].dtype))
        return tuple(out)


def decorrelated_batch_normalization(x, *, groups=16, eps=2e-5, running_mean=None,
                                     running_projection=None, decay=0.9):
    """Decorrelated batch normalization: each group of ``x.shape[1] // groups``
    channels is centred and ZCA-whitened with the batch's covariance (over
    the batch and spatial axes) plus ``eps`` on its diagonal.

    Args:
        x: input ``(N, C, ...)``; ``groups`` must divide ``C``.
        groups (int): the number of channel groups whitened separately.
        eps (float): added to the covariance's diagonal.
        running_mean: array ``(groups, C // groups)`` updated in place with
            ``decay`` (or None).
        running_projection: array ``(groups, C // groups, C // groups)``
            updated in place with the (unbiased) whitening matrix (or None).
        decay (float): the running averages' decay.

    Returns:
        Variable of ``x``'s shape and dtype.  Double backward is not
        supported (as in Chainer).

    >>> x = np.array([[1., 0.], [0., 1.], [2., 3.], [-1., 0.]], dtype=np.float32)
    >>> y = F.decorrelated_batch_normalization(x, groups=1, eps=0.)
    >>> y.shape, np.allclose(y.array.T @ y.array / 4, np.eye(2), atol=1e-4)
    ((4, 2), True)
    """
    func = DecorrelatedBatchNormalization(groups, eps, _raw(running_mean),
                                          _raw(running_projection), decay)
    y, = func.apply((x,))
    return y


def fixed_decorrelated_batch_normalization(x, mean, projection, groups=16):
    """Decorrelated batch normalization with given statistics:
    ``y = projection (x - mean)`` per group of channels.

    Args:
        x: input ``(N, C, ...)``.
        mean: ``(groups, C // groups)``, x's dtype.
        projection: ``(groups, C // groups, C // groups)``, x's dtype.
        groups (int): the number of channel groups.

    Returns:
        Variable of ``x``'s shape and dtype.

    >>> x = np.array([[3., 3.]], dtype=np.float32)
    >>> mean = np.array([[1., 2.]], dtype=np.float32)
    >>> projection = np.array([[[2., 0.], [0., 1.]]], dtype=np.float32)
    >>> F.fixed_decorrelated_batch_normalization(x, mean, projection, groups=1).array
    array([[4., 1.]], dtype=float32)
    """
    y, = FixedDecorrelatedBatchNormalization(groups).apply((x, mean, projection))
    return y
