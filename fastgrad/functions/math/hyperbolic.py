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
    """Elementwise hyperbolic sine."""
    y, = Sinh().apply((x,))
    return y


def cosh(x):
    """Elementwise hyperbolic cosine."""
    y, = Cosh().apply((x,))
    return y


def arctanh(x):
    """Elementwise inverse hyperbolic tangent."""
    y, = Arctanh().apply((x,))
    return y
