"""binary_accuracy: the fraction of correct sign predictions (labels 0/1)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class BinaryAccuracy(Op):
    """Not differentiable: backward gives no gradient."""
    __slots__ = ()
    checks = Checks('y, t', "y.dtype.kind == 'f'", "t.dtype.kind in 'iu'", 'y.shape == t.shape')

    ignore_label = -1

    def forward(self, inputs):
        y, t = inputs
        xp = utils.array_module(y)
        y = y.ravel()
        t = t.ravel()
        # A label of -1 never equals a prediction (0 or 1): it only leaves
        # the denominator.
        count = max(1, int((t != self.ignore_label).sum()))
        correct = int(((y >= 0) == t).sum())
        return xp.asarray(correct / count, dtype=y.dtype),


    def gradient(self, ns, indexes, grad_outputs):
        return (None,) * len(indexes)

def binary_accuracy(y, t):
    """The fraction of elements with ``(y >= 0) == t``: ``y`` holds scores
    (logits), ``t`` integer labels 0 or 1 of the same shape; elements with
    ``t == -1`` are ignored.  Returns a 0-d Variable of ``y``'s dtype; it is
    not differentiable.

    >>> y = np.array([-1., 2., 0.5], dtype=np.float32)
    >>> t = np.array([0, 1, 0], dtype=np.int32)
    >>> F.binary_accuracy(y, t).array
    array(0.6666667, dtype=float32)
    """
    out, = BinaryAccuracy().apply((y, t))
    return out
