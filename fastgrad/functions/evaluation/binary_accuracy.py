"""binary_accuracy: the fraction of correct sign predictions (labels 0/1)."""
from fastgrad import utils
from fastgrad.functions._util.recipe import Op

_NAME = 'BinaryAccuracy'


class BinaryAccuracy(Op):
    """Not differentiable: backward gives no gradient."""
    __slots__ = ()

    ignore_label = -1

    def forward(self, inputs):
        y, t = inputs
        if y.dtype.kind != 'f':
            raise utils.invalid_type(_NAME, "y.dtype.kind == 'f'", 'y.dtype = {}'.format(y.dtype))
        if t.dtype.kind not in 'iu':
            raise utils.invalid_type(_NAME, "t.dtype.kind == 'i'", 't.dtype = {}'.format(t.dtype))
        if y.shape != t.shape:
            raise utils.invalid_type(_NAME, 'y.shape == t.shape',
                                     '{} != {}'.format(y.shape, t.shape))
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
