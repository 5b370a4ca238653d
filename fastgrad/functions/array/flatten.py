"""flatten: reshape to one dimension."""
from fastgrad.functions.array.reshape import reshape


def flatten(x):
    """``x`` as a 1-D Variable of ``x.size`` elements (C order).

    Like Chainer, a 1-D input comes back as is (as a Variable).

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.flatten(x).array
    array([0., 1., 2., 3., 4., 5.], dtype=float32)
    """
    return reshape(x, (x.size,))
