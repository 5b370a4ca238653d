"""expm1(x) = exp(x) - 1, accurate for small x."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Expm1(Op):
    __slots__ = ()
    label = 'expm1'
    is_elementwise = True
    checks = Checks('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        x, = inputs
        self.retain_outputs((0,))
        return utils.force_array(utils.array_module(x).expm1(x)),

    def gradient(self, ns, indexes, grad_outputs):
        y, = ns.outputs(self)
        return grad_outputs[0] * (y + 1),   # exp(x) = y + 1


def expm1(x):
    """Elementwise ``exp(x) - 1``.

    It keeps full precision for tiny ``x``, where ``exp(x) - 1`` would lose
    digits to cancellation.

    >>> F.expm1(np.array([0., 1e-10, 1.])).array
    array([0.00000000e+00, 1.00000000e-10, 1.71828183e+00])
    """
    y, = Expm1().apply((x,))
    return y
