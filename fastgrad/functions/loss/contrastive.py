"""contrastive: the contrastive loss of pairs of embeddings."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import FunctionNode

_NAME = 'Contrastive'
_TINY = 1e-7        # floor of the distance in the gradient (representable in float16)


class Contrastive(FunctionNode):
    """l_i = (y_i d_i^2 + (1 - y_i) max(margin - d_i, 0)^2) / 2, d_i = |x0_i - x1_i|."""

    def __init__(self, margin=1, reduce='mean'):
        self.margin = margin
        self.reduce = reduce

    def forward(self, inputs):
        x0, x1, y = inputs
        if x0.dtype.kind != 'f':
            raise utils.invalid_type(_NAME, "x0.dtype.kind == 'f'",
                                     'x0.dtype = {}'.format(x0.dtype))
        if x0.dtype != x1.dtype:
            raise utils.invalid_type(_NAME, 'x0.dtype == x1.dtype',
                                     '{} != {}'.format(x0.dtype, x1.dtype))
        if y.dtype.kind != 'i':
            raise utils.invalid_type(_NAME, "y.dtype.kind == 'i'", 'y.dtype = {}'.format(y.dtype))
        if (x0.shape != x1.shape or x0.ndim != 2 or y.ndim != 1
                or x0.shape[0] != y.shape[0] or x0.shape[0] == 0):
            raise utils.invalid_type(
                _NAME, 'x0.shape == x1.shape, x0.ndim == 2, y.ndim == 1, '
                'x0.shape[0] == y.shape[0] > 0',
                'x0.shape = {}, x1.shape = {}, y.shape = {}'.format(x0.shape, x1.shape, y.shape))
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
        # Per-row factor of the gradient (times diff): y - (1 - y) md / max(d, tiny).
        self._coef = yc - (1 - yc) * md / xp.maximum(dist, _TINY)
        return utils.force_array(loss, x0.dtype),

    def backward_arrays(self, indexes, grad_outputs):
        x0, x1, _ = self.get_retained_input_arrays()
        gy = grad_outputs[0].astype(self._coef.dtype, copy=False)
        alpha = gy / x0.shape[0] if self.reduce == 'mean' else gy
        coef = (self._coef * alpha)[:, None]
        g = utils.force_array(coef * (x0.astype(coef.dtype) - x1.astype(coef.dtype)), x0.dtype)
        return tuple(g if i == 0 else -g if i == 1 else None for i in indexes)

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.activation.relu import relu
        from fastgrad.functions.array.reshape import reshape
        from fastgrad.functions.math.sum import sum as sum_
        x0, x1, y = self.get_retained_inputs()
        dtype = x0.dtype
        n = x0.shape[0]
        diff = x0 - x1
        dist = sum_(diff * diff, axis=1) ** 0.5
        floor = dist.array >= _TINY
        dist = dist * floor.astype(dtype) + (~floor * _TINY).astype(dtype)
        md = relu(self.margin - dist)
        yc = y.array.astype(dtype)
        gy = grad_outputs[0]
        alpha = gy * (1.0 / n) if self.reduce == 'mean' else gy
        coef = (yc - (1 - yc) * md / dist) * alpha
        g = reshape(coef, (n, 1)) * diff
        return tuple(g if i == 0 else -g if i == 1 else None for i in indexes)


def contrastive(x0, x1, y, margin=1, reduce='mean'):
    """Contrastive loss of the pairs (x0[i], x1[i]).

    ``x0`` and ``x1`` are float (N, K) embeddings, ``y`` integer labels (N,):
    1 for a similar pair (pulled together: ``d^2 / 2``), 0 for a dissimilar
    one (pushed beyond ``margin``: ``max(margin - d, 0)^2 / 2``), where d is
    the Euclidean distance.  ``reduce='mean'`` returns the sum divided by N,
    ``reduce='no'`` the (N,) losses.  ``y`` gets no gradient.
    """
    if margin <= 0:
        raise ValueError('contrastive: margin should be a positive value, got {}'
                         .format(margin))
    if reduce not in ('mean', 'no'):
        raise ValueError("contrastive: only 'mean' and 'no' are valid for 'reduce', but "
                         "'{}' is given".format(reduce))
    out, = Contrastive(margin, reduce).apply((x0, x1, y))
    return out
