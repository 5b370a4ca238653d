"""relu(x) = max(x, 0)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class ReLU(Op):
    __slots__ = ()
    checks = Checks('x', "x.dtype.kind == 'f'")
    is_elementwise = True

    def forward(self, inputs):
        x, = inputs
        y = utils.array_module(x).maximum(x, utils.scalar(0, x.dtype))
        self.retain_outputs((0,))
        return utils.force_array(y),

    def gradient(self, ns, indexes, grad_outputs):
        # The mask is a constant: relu's second derivative is 0 almost everywhere.
        y = self.get_retained_output_arrays()[0]
        return grad_outputs[0] * (y > 0),


def relu(x):
    """Rectified linear unit, ``max(x, 0)``; the gradient at 0 is 0.

    >>> x = np.array([[-1., 0., 2.]], dtype=np.float32)
    >>> F.relu(x).array
    array([[0., 0., 2.]], dtype=float32)
    """
    y, = ReLU().apply((x,))
    return y
