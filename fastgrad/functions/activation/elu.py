"""elu(x, alpha) = x for x >= 0, alpha * (exp(x) - 1) otherwise."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class ELU(Op):
    __slots__ = ('alpha',)
    checks = Checks('x', "x.dtype.kind == 'f'")
    is_elementwise = True

    def __init__(self, alpha=1.0):
        self.alpha = float(alpha)

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        # expm1 only of the non-positive part: no overflow warning for large x.
        neg = xp.expm1(xp.minimum(x, 0))
        neg *= self.alpha
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return utils.force_array(xp.where(x >= 0, x, neg), x.dtype),   # NumPy < 2: 0-d

    def gradient(self, ns, indexes, grad_outputs):
        # For x < 0, dy/dx = alpha * exp(x) = y + alpha (y carries the graph).
        x, = self.get_retained_input_arrays()
        y, = ns.outputs(self)
        gy = grad_outputs[0]
        return ns.where(x >= 0, gy, gy * (y + self.alpha)),


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` where ``x >= 0``, else ``alpha * (exp(x) - 1)``.

    >>> x = np.array([[-1., 0., 2.]], dtype=np.float32)
    >>> F.elu(x).array
    array([[-0.63212055,  0.        ,  2.        ]], dtype=float32)
    """
    y, = ELU(alpha).apply((x,))
    return y
