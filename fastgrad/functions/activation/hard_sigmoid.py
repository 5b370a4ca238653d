"""hard_sigmoid(x) = clip(0.2 * x + 0.5, 0, 1)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class HardSigmoid(Op):
    __slots__ = ()
    checks = Checks('x', "x.dtype.kind == 'f'")
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        y = x * 0.2
        y += 0.5
        self.retain_inputs((0,))
        return utils.force_array(xp.clip(y, 0, 1), x.dtype),   # NumPy < 2 upcasts 0-d

    def gradient(self, ns, indexes, grad_outputs):
        # 0.2 inside the linear part (-2.5, 2.5), 0 where it is clipped.
        x, = self.get_retained_input_arrays()
        xp = utils.array_module(x)
        slope = xp.where((-2.5 < x) & (x < 2.5), x.dtype.type(0.2), x.dtype.type(0))
        return grad_outputs[0] * slope,


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: 0 for x < -2.5, 1 for x > 2.5, 0.2 * x + 0.5 between.

    >>> x = np.array([[-3., 0., 1.]], dtype=np.float32)
    >>> F.hard_sigmoid(x).array
    array([[0. , 0.5, 0.7]], dtype=float32)
    """
    y, = HardSigmoid().apply((x,))
    return y
