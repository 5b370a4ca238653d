"""layer_normalization: normalize each row of a 2-D input over its units."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class LayerNormalization(Op):
    __slots__ = ('eps', 'ct', 'inv_std', 'x_hat')
    checks = Checks('x, gamma, beta', "x.dtype.kind == 'f'", 'x.ndim == 2',
                    'gamma.ndim == 1', 'gamma.dtype == x.dtype', 'gamma.shape[0] == x.shape[1]',
                    'beta.ndim == 1', 'beta.dtype == x.dtype', 'beta.shape[0] == x.shape[1]')

    def __init__(self, eps=1e-5):
        self.eps = float(eps)

    def forward(self, inputs):
        x, gamma, beta = inputs
        xp = utils.array_module(x)
        ct = self.ct = utils.compute_dtype(x.dtype)
        mean = x.mean(axis=1, dtype=ct, keepdims=True)
        xc = xp.subtract(x, mean, dtype=ct)
        var = xp.square(xc).mean(axis=1, keepdims=True)
        self.inv_std = 1.0 / xp.sqrt(var + ct.type(self.eps))
        xc *= self.inv_std
        self.x_hat = xc                 # kept for backward (x_hat, not x)
        y = xc * gamma
        y += beta
        self.retain_inputs((0, 1))
        return y.astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        x, gamma = ns.inputs(self)
        ct = self.ct
        dtype = self.inputs[0].dtype
        gy = ns.cast(grad_outputs[0], ct)
        if ns.differentiable:
            # statistics recomputed from x, so they are differentiated too
            xf = ns.cast(x, ct)
            xc = xf - ns.mean(xf, axis=1, keepdims=True)
            inv_std = (ns.mean(xc * xc, axis=1, keepdims=True) + self.eps) ** -0.5
            x_hat = xc * inv_std
        else:
            x_hat, inv_std = self.x_hat, self.inv_std      # forward's
        out = []
        for i in indexes:
            if i == 0:
                g = gy * ns.cast(gamma, ct)
                gx = (g - ns.mean(g, axis=1, keepdims=True)
                      - x_hat * ns.mean(g * x_hat, axis=1, keepdims=True)) * inv_std
                out.append(ns.cast(gx, dtype))
            elif i == 1:
                out.append(ns.cast(ns.sum(gy * x_hat, axis=0), dtype))
            else:
                out.append(ns.cast(ns.sum(gy, axis=0), dtype))
        return tuple(out)

def layer_normalization(x, gamma, beta, eps=1e-5):
    """Layer normalization: each row of ``x`` (``(batch, units)``) is normalized
    to zero mean and unit (biased) variance over its units, then scaled by
    ``gamma`` and shifted by ``beta`` (both ``(units,)``, ``x``'s dtype).

    >>> x = np.array([[1., 2., 3.]], dtype=np.float32)
    >>> gamma = np.ones(3, dtype=np.float32)
    >>> beta = np.zeros(3, dtype=np.float32)
    >>> F.layer_normalization(x, gamma, beta).array.round(4)
    array([[-1.2247,  0.    ,  1.2247]], dtype=float32)
    """
    y, = LayerNormalization(eps).apply((x, gamma, beta))
    return y
