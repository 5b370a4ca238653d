"""clip(x, x_min, x_max): limit x to [x_min, x_max]."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Clip(Op):
    __slots__ = ('x_min', 'x_max')
    is_elementwise = True
    checks = Checks('x', "x.dtype.kind == 'f'")

    def __init__(self, x_min, x_max):
        if x_min is None and x_max is None:
            raise ValueError('clip: must set either x_min or x_max')
        if x_min is not None and x_max is not None and x_min >= x_max:
            raise ValueError('clip: x_min must be less than x_max, got x_min = {}, '
                             'x_max = {}'.format(x_min, x_max))
        # Python floats keep x's dtype (NumPy scalars would upcast under NEP 50).
        self.x_min = None if x_min is None else float(x_min)
        self.x_max = None if x_max is None else float(x_max)

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        self.retain_inputs((0,))
        return utils.force_array(xp.clip(x, self.x_min, self.x_max), x.dtype),

    def _mask(self):
        # The bounds themselves pass the gradient (Chainer: it is 1 at x_min and x_max).
        x, = self.get_retained_input_arrays()
        xp = utils.array_module(x)
        if self.x_min is None:
            cond = x <= self.x_max
        elif self.x_max is None:
            cond = x >= self.x_min
        else:
            cond = xp.logical_and(x >= self.x_min, x <= self.x_max)
        return cond.astype(x.dtype)

    def gradient(self, ns, indexes, grad_outputs):
        return grad_outputs[0] * self._mask(),


def clip(x, x_min, x_max):
    """Clip the elements of ``x`` to ``[x_min, x_max]`` (either bound may be None).

    The gradient is passed where ``x_min <= x <= x_max`` and is 0 outside.

    >>> x = Variable(np.array([-2., 0.5, 3.], np.float32))
    >>> F.clip(x, 0., 1.).array
    array([0. , 0.5, 1. ], dtype=float32)
    >>> F.sum(F.clip(x, 0., 1.)).backward(); x.grad
    array([0., 1., 0.], dtype=float32)
    >>> F.clip(x, None, 0.).array  # an upper bound only
    array([-2.,  0.,  0.], dtype=float32)
    """
    y, = Clip(x_min, x_max).apply((x,))
    return y
