"""rsqrt(x) = 1 / sqrt(x)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Rsqrt(Op):
    __slots__ = ()
    label = 'rsqrt'
    is_elementwise = True
    checks = Checks('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        x, = inputs
        y = utils.array_module(x).sqrt(x)
        self.retain_outputs((0,))
        return utils.force_array(1 / y, x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        # dy/dx = -x^(-3/2) / 2 = -y^3 / 2
        y, = ns.outputs(self)
        return grad_outputs[0] * (y * y * y) * -0.5,


def rsqrt(x):
    """Elementwise reciprocal square root, ``1 / sqrt(x)``.

    >>> x = Variable(np.array([1., 4.], np.float32))
    >>> F.rsqrt(x).array
    array([1. , 0.5], dtype=float32)
    >>> F.sum(F.rsqrt(x)).backward(); x.grad  # -x ** -1.5 / 2
    array([-0.5   , -0.0625], dtype=float32)
    """
    y, = Rsqrt().apply((x,))
    return y
