"""log1p(x) = log(1 + x), accurate for small x."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Log1p(Op):
    __slots__ = ()
    label = 'log1p'
    is_elementwise = True
    checks = Checks('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).log1p(x)),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        return grad_outputs[0] / (x + 1),


def log1p(x):
    """Elementwise ``log(1 + x)``.

    It keeps full precision for tiny ``x``, where ``log(1 + x)`` would round
    ``1 + x`` first.

    >>> F.log1p(np.array([0., 1e-10, np.e - 1])).array
    array([0.e+00, 1.e-10, 1.e+00])
    """
    y, = Log1p().apply((x,))
    return y
