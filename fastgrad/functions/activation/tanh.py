"""tanh(x), the hyperbolic tangent."""
from fastgrad._core import graph
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Tanh(Op):
    __slots__ = ()
    checks = Checks('x', "x.dtype.kind == 'f'")
    is_elementwise = True

    # compiled (_core/_ops.pxi), so a call costs no Python frame:
    #   forward:  y = tanh(x), retained
    #   gradient: gy * (1 - y * y)
    forward = graph._tanh_forward
    gradient = graph._tanh_gradient


def tanh(x):
    """Elementwise hyperbolic tangent; the gradient is ``1 - tanh(x) ** 2``.

    >>> x = np.array([[-1., 0., 2.]], dtype=np.float32)
    >>> F.tanh(x).array
    array([[-0.7615942,  0.       ,  0.9640276]], dtype=float32)
    """
    y, = Tanh().apply((x,))
    return y
