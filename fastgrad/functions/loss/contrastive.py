"""contrastive: the contrastive loss of pairs of embeddings."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

_TINY = 1e-7        # floor of the distance in the gradient (representable in float16)


class Contrastive(Op):
    """l_i = (y_i d_i^2 + (1 - y_i) max(margin - d_i, 0)^2) / 2, d_i = |x0_i - x1_i|."""
    __slots__ = ('margin', 'reduce')
    checks = Checks('x0, x1, y', "x0.dtype.kind == 'f'", 'x0.dtype == x1.dtype',
                    "y.dtype.kind == 'i'", 'x0.shape == x1.shape', 'x0.ndim == 2', 'y.ndim == 1',
                    'x0.shape[0] == y.shape[0] > 0')

    def __init__(self, margin=1, reduce='mean'):
        self.margin = margin
        self.reduce = reduce

    def forward(self, inputs):
        x0, x1, y = inputs
        xp = utils.array_module(x0)
        ct = numpy.float32 if x0.dtype == numpy.float16 else x0.dtype
        diff = x0.astype(ct) - x1.astype(ct)
        dist_sq = (diff * diff).sum(axis=1)
        dist = xp.sqrt(dist_sq)
        md = xp.maximum(self.margin - dist, 0)
        yc = y.astype(ct)
        loss = (yc * dist_sq + (1 - yc) * md * md) * 0.5
        if self.reduce == 'mean':
            loss = loss.sum() / x0.shape[0]
        self.retain_inputs((0, 1, 2))
        return utils.force_array(loss, x0.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        x0, x1, y = ns.inputs(self)
        dtype = ns.data(x0).dtype
        # raw float16 is computed in float32; Variables keep their dtype
        ct = numpy.float32 if dtype == numpy.float16 and not ns.differentiable else dtype
        n = x0.shape[0]
        diff = ns.cast(x0, ct) - ns.cast(x1, ct)
        dist = ns.sum(diff * diff, axis=1) ** 0.5
        # the masks are constants: floor the distance, clip margin - d at 0
        floor = ns.data(dist) >= _TINY
        dist = dist * floor.astype(ct) + (~floor * _TINY).astype(ct)
        md = self.margin - dist
        md = md * (ns.data(md) > 0).astype(ct)
        yc = ns.data(y).astype(ct)
        gy = ns.cast(grad_outputs[0], ct)
        alpha = gy * (1.0 / n) if self.reduce == 'mean' else gy
        coef = (yc - (1 - yc) * md / dist) * alpha
        g = ns.cast(ns.reshape(coef, (n, 1)) * diff, dtype)
        return tuple(g if i == 0 else -g if i == 1 else None for i in indexes)

def contrastive(x0, x1, y, margin=1, reduce='mean'):
    """Contrastive loss of the pairs (x0[i], x1[i]).

    ``x0`` and ``x1`` are float (N, K) embeddings, ``y`` integer labels (N,):
    1 for a similar pair (pulled together: ``d^2 / 2``), 0 for a dissimilar
    one (pushed beyond ``margin``: ``max(margin - d, 0)^2 / 2``), where d is
    the Euclidean distance.  ``reduce='mean'`` returns the sum divided by N,
    ``reduce='no'`` the (N,) losses.  ``y`` gets no gradient.

    >>> x0 = np.zeros((2, 2), dtype=np.float32)
    >>> x1 = np.array([[3., 4.], [0., 1.]], dtype=np.float32)
    >>> y = np.array([1, 0], dtype=np.int32)
    >>> F.contrastive(x0, x1, y, margin=2, reduce='no').array
    array([12.5,  0.5], dtype=float32)
    >>> float(F.contrastive(x0, x1, y, margin=2).array)
    6.5
    """
    if margin <= 0:
        raise ValueError('contrastive: margin should be a positive value, got {}'
                         .format(margin))
    if reduce not in ('mean', 'no'):
        raise ValueError("contrastive: only 'mean' and 'no' are valid for 'reduce', but "
                         "'{}' is given".format(reduce))
    out, = Contrastive(margin, reduce).apply((x0, x1, y))
    return out
