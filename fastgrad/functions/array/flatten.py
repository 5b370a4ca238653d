"""flatten: reshape to one dimension."""
from fastgrad.functions.array.reshape import reshape


def flatten(x):
    """``x`` as a 1-D Variable of ``x.size`` elements (C order).

    Like Chainer, a 1-D input comes back as is (as a Variable).
    """
    return reshape(x, (x.size,))
