"""hinge: one-vs-all hinge loss of class scores against integer labels."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Hinge(Op):
    """With s = -1 at the true class and +1 elsewhere, the elementwise loss is
    max(0, 1 + s x) (L1) or its square (L2)."""
    __slots__ = ('norm', 'reduce', '_sign', '_bottom')
    checks = Checks('x, t', "x.dtype.kind == 'f'", "t.dtype.kind == 'i'", 'x.ndim == 2',
                    't.ndim == 1', 'x.shape[0] == t.shape[0]')

    def __init__(self, norm='L1', reduce='mean'):
        self.norm = norm
        self.reduce = reduce

    def forward(self, inputs):
        x, t = inputs
        n, k = x.shape
        if t.size and (int(t.min()) < 0 or int(t.max()) >= k):
            raise ValueError('hinge: every t must be in [0, {}) (x.shape[1]), got values in '
                             '[{}, {}]'.format(k, int(t.min()), int(t.max())))
        xp = utils.array_module(x)
        ct = numpy.float32 if x.dtype == numpy.float16 else x.dtype
        sign = xp.ones((n, k), ct)
        sign[xp.arange(n), t] = -1
        bottom = x * sign          # promoted to ct for float16
        bottom += 1
        xp.maximum(bottom, 0, out=bottom)
        self._sign = sign
        self._bottom = bottom
        loss = bottom if self.norm == 'L1' else bottom * bottom
        if self.reduce == 'mean':
            loss = loss.sum() / max(n, 1)
        if self.norm == 'L2':
            self.retain_inputs((0,))
        return utils.force_array(loss, x.dtype),

    def _scale(self, gy):
        """gy shaped to broadcast over (N, K), with the 1/N of the mean."""
        if self.reduce == 'mean':
            return gy * (1.0 / max(self._sign.shape[0], 1))
        return gy

    def gradient(self, ns, indexes, grad_outputs):
        if 0 not in indexes:
            return (None,) * len(indexes)
        dtype = self.inputs[0].dtype
        # raw float16 is computed in the dtype of sign (float32); Variables keep theirs
        ct = dtype if ns.differentiable else self._sign.dtype
        sign = self._sign.astype(ct, copy=False)
        if self.norm == 'L1':
            g = ((self._bottom > 0) * sign).astype(ct, copy=False)    # a constant
        else:
            x, = ns.inputs(self)
            bottom = ns.cast(x, ct) * sign + 1
            g = bottom * (ns.data(bottom) > 0).astype(ct) * (2 * sign)
        g = ns.cast(g * self._scale(ns.cast(grad_outputs[0], ct)), dtype)
        return tuple(g if i == 0 else None for i in indexes)

def hinge(x, t, norm='L1', reduce='mean'):
    """Hinge loss for one-vs-all classification.

    ``x`` holds scores (N, K), ``t`` integer labels (N,) in ``[0, K)``.  The
    loss of element (i, k) is ``max(0, 1 - x[i, k])`` for the true class
    ``k == t[i]`` and ``max(0, 1 + x[i, k])`` for the others, squared for
    ``norm='L2'``.  ``reduce='mean'`` returns the sum divided by N,
    ``reduce='no'`` the (N, K) array.  Only ``x`` gets a gradient.

    >>> x = np.array([[2., -0.5], [0.5, -3.]], dtype=np.float32)
    >>> t = np.array([0, 0], dtype=np.int32)
    >>> F.hinge(x, t, reduce='no').array
    array([[0. , 0.5],
           [0.5, 0. ]], dtype=float32)
    >>> float(F.hinge(x, t).array)
    0.5
    """
    if norm not in ('L1', 'L2'):
        raise NotImplementedError("hinge: norm should be either 'L1' or 'L2', got {!r}"
                                  .format(norm))
    if reduce not in ('mean', 'no'):
        raise ValueError("hinge: only 'mean' and 'no' are valid for 'reduce', but '{}' is "
                         'given'.format(reduce))
    y, = Hinge(norm, reduce).apply((x, t))
    return y
