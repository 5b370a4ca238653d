"""sigmoid_cross_entropy: binary cross entropy of sigmoid(x) against 0/1 labels."""

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class SigmoidCrossEntropy(Op):
    """Elementwise loss -(t log s(x) + (1 - t) log(1 - s(x))); t == -1 is ignored."""
    __slots__ = ('normalize', 'reduce', '_mask', '_coeff')
    checks = Checks('x, t', "x.dtype.kind == 'f'", "t.dtype.kind == 'i'", 'x.shape == t.shape')

    ignore_label = -1

    def __init__(self, normalize=True, reduce='mean'):
        self.normalize = normalize
        self.reduce = reduce

    def forward(self, inputs):
        x, t = inputs
        xp = utils.array_module(x)
        ct = utils.compute_dtype(x.dtype)
        xc = x.astype(ct, copy=False)
        mask = t != self.ignore_label
        # Stable form: max(x, 0) - x t + log(1 + exp(-|x|)).
        loss = xp.log1p(xp.exp(-abs(xc)))
        loss += xp.maximum(xc, 0)
        loss -= xc * t.astype(ct)
        loss *= mask
        self._mask = mask
        self.retain_inputs((0, 1))
        if self.reduce == 'no':
            self._coeff = 1.0
            return utils.force_array(loss, x.dtype),
        if self.normalize:
            count = int(mask.sum())
        else:
            count = x.shape[0] if x.ndim else 1
        self._coeff = 1.0 / max(count, 1)
        return utils.force_array(loss.sum() * self._coeff, x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        if 0 not in indexes:
            return (None,) * len(indexes)
        x, t = ns.inputs(self)
        dtype = ns.data(x).dtype
        # raw float16 is computed in float32; Variables keep their dtype
        ct = dtype if ns.differentiable else utils.compute_dtype(dtype)
        w = (self._mask * self._coeff).astype(ct)
        gx = (ns.sigmoid(ns.cast(x, ct)) - ns.data(t).astype(ct)) * w
        gx = ns.cast(gx * ns.cast(grad_outputs[0], ct), dtype)
        return tuple(gx if i == 0 else None for i in indexes)

def sigmoid_cross_entropy(x, t, normalize=True, reduce='mean'):
    """Cross entropy between ``sigmoid(x)`` and binary labels ``t``.

    ``x`` holds float logits, ``t`` signed integer labels 0 or 1 of the same
    shape; elements with ``t == -1`` add nothing.  ``reduce='mean'`` returns
    a scalar: the summed loss divided by the number of non-ignored elements
    (``normalize=True``) or by the batch size ``x.shape[0]``
    (``normalize=False``).  ``reduce='no'`` returns the elementwise loss.
    Only ``x`` gets a gradient.

    >>> x = np.array([[0., 0.], [0., 5.]], dtype=np.float32)
    >>> t = np.array([[1, 0], [-1, 1]], dtype=np.int32)
    >>> np.round(F.sigmoid_cross_entropy(x, t, reduce='no').array, 4)
    array([[0.6931, 0.6931],
           [0.    , 0.0067]], dtype=float32)
    >>> round(float(F.sigmoid_cross_entropy(x, t).array), 4)
    0.4643
    """
    if reduce not in ('mean', 'no'):
        raise ValueError("sigmoid_cross_entropy: only 'mean' and 'no' are valid for "
                         "'reduce', but '{}' is given".format(reduce))
    y, = SigmoidCrossEntropy(normalize, reduce).apply((x, t))
    return y
