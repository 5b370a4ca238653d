"""accuracy: the fraction of samples whose argmax prediction equals the label."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Accuracy(Op):
    """Not differentiable: backward gives no gradient."""
    __slots__ = ('ignore_label',)
    # y is (N, C, d1, ..., dk, 1, ...) for t of (N, d1, ..., dk)
    checks = Checks('y, t', "y.dtype.kind == 'f'", "t.dtype.kind in 'iu'", 'y.ndim >= t.ndim + 1',
                    'y.shape[0] == t.shape[0]', 'y.shape[2:t.ndim + 1] == t.shape[1:]',
                    'y.shape[t.ndim + 1:] == (1,) * (y.ndim - t.ndim - 1)')

    def __init__(self, ignore_label=None):
        self.ignore_label = ignore_label

    def forward(self, inputs):
        y, t = inputs
        xp = utils.array_module(y)
        pred = y.argmax(axis=1).reshape(t.shape)
        if self.ignore_label is None:
            # The mean in float64, then cast: a float16 sum stops counting at 2048.
            return xp.asarray((pred == t).mean(), dtype=y.dtype),
        mask = t == self.ignore_label
        ignored = int(mask.sum())
        total = t.size - ignored
        if total == 0:
            return xp.asarray(0.0, dtype=y.dtype),
        # An ignored sample always "matches" (its prediction is set to its
        # label), so subtract those from the count.
        count = int((xp.where(mask, t, pred) == t).sum()) - ignored
        return xp.asarray(count / total, dtype=y.dtype),


    def gradient(self, ns, indexes, grad_outputs):
        return (None,) * len(indexes)

def accuracy(y, t, ignore_label=None):
    """The fraction of samples with ``argmax(y, axis=1) == t``.

    ``y`` holds scores (N, C) or (N, C, d1, ...), ``t`` integer labels (N,)
    or (N, d1, ...).  Samples with ``t == ignore_label`` are left out (an
    all-ignored batch gives 0).  Returns a 0-d Variable of ``y``'s dtype;
    it is not differentiable.

    >>> y = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], dtype=np.float32)
    >>> t = np.array([1, 1, 1], dtype=np.int32)
    >>> F.accuracy(y, t).array
    array(0.6666667, dtype=float32)
    """
    out, = Accuracy(ignore_label).apply((y, t))
    return out
