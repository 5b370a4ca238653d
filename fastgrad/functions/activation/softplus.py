"""softplus(x, beta) = log(1 + exp(beta * x)) / beta."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Softplus(Op):
    __slots__ = ('beta',)
    checks = Checks('x', "x.dtype.kind == 'f'")
    is_elementwise = True

    def __init__(self, beta=1.0):
        self.beta = float(beta)

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        bx = x * self.beta
        # max(bx, 0) + log1p(exp(-|bx|)): exp never overflows.
        y = xp.log1p(xp.exp(-abs(bx)))
        y += xp.maximum(bx, 0)
        y *= 1.0 / self.beta
        self.retain_inputs((0,))
        return utils.force_array(y, x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        # dy/dx = sigmoid(beta * x), in the tanh form that never overflows.
        x, = ns.inputs(self)
        return grad_outputs[0] * (ns.tanh(x * (0.5 * self.beta)) * 0.5 + 0.5),


def softplus(x, beta=1.0):
    """Smooth approximation of relu, ``log(1 + exp(beta * x)) / beta``.

    >>> x = np.array([[-1., 0., 2.]], dtype=np.float32)
    >>> np.round(F.softplus(x).array, 4)
    array([[0.3133, 0.6931, 2.1269]], dtype=float32)
    """
    y, = Softplus(beta).apply((x,))
    return y
