"""sinh, cosh and arctanh."""
from fastgrad.functions.math.trigonometric import _Inverse


class Sinh(_Inverse):
    __slots__ = ()
    xp_name = 'sinh'

    @staticmethod
    def derivative(ns, x, y):
        return ns.cosh(x)


class Cosh(_Inverse):
    __slots__ = ()
    xp_name = 'cosh'

    @staticmethod
    def derivative(ns, x, y):
        return ns.sinh(x)


class Arctanh(_Inverse):
    __slots__ = ()
    xp_name = 'arctanh'

    @staticmethod
    def derivative(ns, x, y):
        return 1 / (1 - x * x)


def sinh(x):
    """Elementwise hyperbolic sine.

    >>> np.round(F.sinh(np.array([0., 1.], np.float32)).array, 4)
    array([0.    , 1.1752], dtype=float32)
    """
    y, = Sinh().apply((x,))
    return y


def cosh(x):
    """Elementwise hyperbolic cosine.

    >>> np.round(F.cosh(np.array([0., 1.], np.float32)).array, 4)
    array([1.    , 1.5431], dtype=float32)
    """
    y, = Cosh().apply((x,))
    return y


def arctanh(x):
    """Elementwise inverse hyperbolic tangent.

    >>> x = Variable(np.array([0., 0.5], np.float32))
    >>> np.round(F.arctanh(x).array, 4)
    array([0.    , 0.5493], dtype=float32)
    >>> F.sum(F.arctanh(x)).backward(); np.round(x.grad, 4)  # 1 / (1 - x ** 2)
    array([1.    , 1.3333], dtype=float32)
    """
    y, = Arctanh().apply((x,))
    return y
