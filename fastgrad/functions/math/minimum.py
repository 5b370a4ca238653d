"""minimum(x1, x2), elementwise, with NumPy broadcasting."""
from fastgrad.functions.math.maximum import Maximum


class Minimum(Maximum):
    __slots__ = ()
    _ufunc = 'minimum'

    def _first_wins(self, x1, x2):
        return x1 <= x2


def minimum(x1, x2):
    """Elementwise minimum of two float arrays of one dtype (broadcast like NumPy).

    Where they are equal the gradient goes to ``x1``.
    """
    y, = Minimum().apply((x1, x2))
    return y
