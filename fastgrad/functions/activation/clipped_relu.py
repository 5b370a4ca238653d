"""clipped_relu(x, z) = min(max(0, x), z)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class ClippedReLU(Op):
    __slots__ = ('cap',)
    checks = Checks('x', "x.dtype.kind == 'f'")
    is_elementwise = True

    def __init__(self, z=20.0):
        if z <= 0:
            raise ValueError('clipped_relu: z must be positive, got {}'.format(z))
        self.cap = float(z)

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        self.retain_inputs((0,))
        return utils.force_array(xp.clip(x, 0, self.cap), x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        # The gradient passes only strictly inside (0, z).
        x, = self.get_retained_input_arrays()
        return grad_outputs[0] * ((0 < x) & (x < self.cap)),


def clipped_relu(x, z=20.0):
    """Relu capped at ``z``: ``min(max(0, x), z)``.

    >>> x = np.array([[-1., 0., 2.]], dtype=np.float32)
    >>> F.clipped_relu(x, z=1.5).array
    array([[0. , 0. , 1.5]], dtype=float32)
    """
    y, = ClippedReLU(z).apply((x,))
    return y
