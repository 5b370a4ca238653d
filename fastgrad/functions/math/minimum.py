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

    >>> a = Variable(np.array([1., 5., 2.], np.float32))
    >>> b = Variable(np.array([3., 2., 2.], np.float32))
    >>> F.minimum(a, b).array
    array([1., 2., 2.], dtype=float32)
    >>> F.sum(F.minimum(a, b)).backward(); a.grad, b.grad
    (array([1., 0., 1.], dtype=float32), array([0., 1., 0.], dtype=float32))
    """
    y, = Minimum().apply((x1, x2))
    return y
