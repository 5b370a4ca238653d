"""group_normalization: normalize each sample over groups of channels.

One op for the whole computation.  On NumPy arrays of one float dtype the
compiled loops of ``_util/norm_cpu.py`` run it (two passes each way, the
per-group mean and ``1 / std`` kept); otherwise forward keeps ``x - mean`` and
the per-group ``1 / std``, and backward reduces ``gy`` and ``gy * (x - mean)``
once per (sample, channel) and builds ``gx`` from them in three passes.
"""
from fastgrad import utils
from fastgrad.functions._util import norm_cpu
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class GroupNormalization(Op):
    __slots__ = ('groups', 'eps', 'ct', 'xc', 'mean', 'inv_std')
    checks = Checks('x, gamma, beta', "x.dtype.kind == 'f'", 'x.ndim >= 2',
                    'gamma.ndim == 1', 'beta.ndim == 1', "gamma.dtype.kind == 'f'",
                    'gamma.dtype == beta.dtype', 'x.shape[1] == gamma.shape[0]',
                    'gamma.shape == beta.shape')

    def __init__(self, groups, eps=1e-5):
        # bool is an int too, but never a number of groups
        if not isinstance(groups, int) or isinstance(groups, bool):
            raise TypeError("group_normalization: 'groups' must be an int, got {!r}"
                            .format(groups))
        if groups <= 0:
            raise ValueError("group_normalization: 'groups' must be positive, got {}"
                             .format(groups))
        self.groups = groups
        self.eps = float(eps)

    def forward(self, inputs):
        x, gamma, beta = inputs
        n, c = x.shape[:2]
        g = self.groups
        if c % g:
            raise ValueError('group_normalization: the number of channels {} is not '
                             "divisible by 'groups' {}".format(c, g))
        xp = utils.array_module(x)
        ct = self.ct = utils.compute_dtype(x.dtype, gamma.dtype)
        self.retain_inputs((0, 1))
        if norm_cpu.gn_applies(x, gamma, beta):
            # the statistics only: backward reads x again instead of x - mean
            self.xc = None
            y, self.mean, self.inv_std = norm_cpu.gn_forward(x, gamma, beta, g, self.eps)
            return y,
        xg = x.reshape(n * g, -1)
        mean = xg.mean(axis=1, dtype=ct, keepdims=True)
        xc = xp.subtract(xg, mean, dtype=ct)
        # sum of squares per row without a temporary of x's size
        var = xp.einsum('ij,ij->i', xc, xc) / ct.type(max(xc.shape[1], 1))
        inv_std = 1.0 / xp.sqrt(var + ct.type(self.eps))
        # x - mean is kept (x_hat = xc * inv_std is never formed): one pass less
        self.xc = xc
        self.inv_std = inv_std
        # y = xc * (gamma / std) + beta, the scale per (sample, channel)
        scale = gamma.astype(ct, copy=False) * xp.repeat(inv_std.reshape(n, g), c // g, axis=1)
        y = xp.multiply(xc.reshape(n, c, -1), scale[:, :, None])
        y += beta.astype(ct, copy=False)[:, None]
        return y.reshape(x.shape).astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        if ns.differentiable:
            return self._gradient_graph(ns, indexes, grad_outputs)
        x, gamma = ns.inputs(self)
        if self.xc is None:
            gx, ggamma, gbeta = norm_cpu.gn_backward(
                x, grad_outputs[0].astype(x.dtype, copy=False), gamma, self.mean,
                self.inv_std, self.groups, 0 in indexes)
            return tuple((gx, ggamma, gbeta)[i] for i in indexes)
        xp = utils.array_module(x)
        ct = self.ct
        n, c = x.shape[:2]
        g = self.groups
        gy = grad_outputs[0].astype(ct, copy=False).reshape(n, c, -1)
        xc = self.xc.reshape(n, c, -1)
        cg = c // g
        inv = xp.repeat(self.inv_std.reshape(n, g), cg, axis=1)    # (n, c)
        s1 = gy.sum(axis=2)                                         # sum gy
        s2 = xp.einsum('ncm,ncm->nc', gy, xc) * inv                 # sum gy * x_hat
        out = []
        for i in indexes:
            if i == 0:
                gam = gamma.astype(ct, copy=False)
                size = ct.type(max(xc.shape[2] * cg, 1))
                # group means of gamma * gy and gamma * gy * x_hat, per channel
                m1 = xp.repeat((s1 * gam).reshape(n, g, cg).sum(axis=2), cg, axis=1) / size
                m2 = xp.repeat((s2 * gam).reshape(n, g, cg).sum(axis=2), cg, axis=1) / size
                # gx = inv * (gamma * gy - m1 - x_hat * m2), x_hat = xc * inv
                gx = xp.multiply(xc, (-inv * inv * m2)[:, :, None])
                gx += (-inv * m1)[:, :, None]
                gx += gy * (gam * inv)[:, :, None]
                out.append(gx.reshape(x.shape).astype(x.dtype, copy=False))
            elif i == 1:
                out.append(s2.sum(axis=0).astype(gamma.dtype, copy=False))
            else:
                out.append(s1.sum(axis=0).astype(self.inputs[2].dtype, copy=False))
        return tuple(out)

    def _gradient_graph(self, ns, indexes, grad_outputs):
        """The same gradient on Variables, the statistics recomputed from x
        so that they are differentiated too (double backprop)."""
        x, gamma = ns.inputs(self)
        ct = self.ct
        n, c = x.shape[:2]
        g = self.groups
        xg = ns.reshape(ns.cast(x, ct), (n, g, -1))
        xc = xg - ns.mean(xg, axis=2, keepdims=True)
        inv_std = (ns.mean(xc * xc, axis=2, keepdims=True) + self.eps) ** -0.5
        x_hat = ns.reshape(xc * inv_std, (n, c, -1))
        gy = ns.reshape(ns.cast(grad_outputs[0], ct), (n, c, -1))
        out = []
        for i in indexes:
            if i == 0:
                gg = ns.reshape(gy * ns.reshape(ns.cast(gamma, ct), (1, c, 1)), (n, g, -1))
                xh = ns.reshape(x_hat, (n, g, -1))
                gx = (gg - ns.mean(gg, axis=2, keepdims=True)
                      - xh * ns.mean(gg * xh, axis=2, keepdims=True)) * inv_std
                out.append(ns.cast(ns.reshape(gx, x.shape), self.inputs[0].dtype))
            elif i == 1:
                out.append(ns.cast(ns.sum(gy * x_hat, axis=(0, 2)), self.inputs[1].dtype))
            else:
                out.append(ns.cast(ns.sum(gy, axis=(0, 2)), self.inputs[2].dtype))
        return tuple(out)


def group_normalization(x, groups, gamma, beta, eps=1e-5):
    """Group normalization: the channels of each sample are split into
    ``groups`` groups, each normalized to zero mean and unit (biased)
    variance, then scaled by ``gamma`` and shifted by ``beta`` per channel.

    Args:
        x: input of shape ``(N, C, ...)``.
        groups (int): the number of groups; must divide ``C``.
        gamma: scale, shape ``(C,)``.
        beta: shift, shape ``(C,)`` and gamma's dtype.
        eps (float): added to the variance.

    Returns:
        Variable of ``x``'s shape and dtype (float16 is computed in float32).

    >>> x = np.array([[1., 3., 0., 4.]], dtype=np.float32)
    >>> gamma = np.ones(4, dtype=np.float32)
    >>> beta = np.zeros(4, dtype=np.float32)
    >>> F.group_normalization(x, 2, gamma, beta, eps=0).array
    array([[-1.,  1., -1.,  1.]], dtype=float32)
    """
    y, = GroupNormalization(groups, eps).apply((x, gamma, beta))
    return y
