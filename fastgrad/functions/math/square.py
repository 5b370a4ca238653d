"""square(x) = x * x."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Square(Op):
    __slots__ = ()
    label = 'square'
    is_elementwise = True
    checks = Checks('x', "x.dtype.kind == 'f'")

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return utils.force_array(utils.array_module(x).square(x)),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        return grad_outputs[0] * x * 2,


def square(x):
    """Elementwise square.

    >>> x = Variable(np.array([-2., 3.], np.float32))
    >>> F.square(x).array
    array([4., 9.], dtype=float32)
    >>> F.sum(F.square(x)).backward(); x.grad  # 2 x
    array([-4.,  6.], dtype=float32)
    """
    y, = Square().apply((x,))
    return y
