"""sqrt(x)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Sqrt(Op):
    __slots__ = ()
    label = 'sqrt'
    is_elementwise = True
    checks = Checks('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        x, = inputs
        self.retain_outputs((0,))
        return utils.force_array(utils.array_module(x).sqrt(x)),

    def gradient(self, ns, indexes, grad_outputs):
        y, = ns.outputs(self)
        return grad_outputs[0] / (y * 2),


def sqrt(x):
    """Elementwise square root.

    >>> x = Variable(np.array([1., 4.], np.float32))
    >>> F.sqrt(x).array
    array([1., 2.], dtype=float32)
    >>> F.sum(F.sqrt(x)).backward(); x.grad  # 1 / (2 sqrt(x))
    array([0.5 , 0.25], dtype=float32)
    """
    y, = Sqrt().apply((x,))
    return y
