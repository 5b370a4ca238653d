"""leaky_relu(x, slope) = x for x >= 0, slope * x otherwise."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class LeakyReLU(Op):
    __slots__ = ('slope',)
    checks = Checks('x', "x.dtype.kind == 'f'")
    is_elementwise = True

    def __init__(self, slope=0.2):
        # A Python float keeps x's dtype (a NumPy float64 scalar would upcast).
        self.slope = float(slope)

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        self.retain_inputs((0,))
        # force_array(.., x.dtype): NumPy < 2 turns 0-d float32 * float into float64.
        return utils.force_array(xp.where(x >= 0, x, x * self.slope), x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        # The slope pattern is a constant: the gradient is linear in gy.
        x, = self.get_retained_input_arrays()
        gy = grad_outputs[0]
        return ns.where(x >= 0, gy, gy * self.slope),


def leaky_relu(x, slope=0.2):
    """Leaky rectified linear unit: ``x`` where ``x >= 0``, else ``slope * x``.

    >>> x = np.array([[-1., 0., 2.]], dtype=np.float32)
    >>> F.leaky_relu(x, slope=0.1).array
    array([[-0.1,  0. ,  2. ]], dtype=float32)
    """
    y, = LeakyReLU(slope).apply((x,))
    return y
