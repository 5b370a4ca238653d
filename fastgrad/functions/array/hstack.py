"""hstack: join arrays horizontally (NumPy's hstack)."""
from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Hstack(Op):
    """Along axis 1, or axis 0 for 1-D inputs; 0-d inputs become a vector."""
    __slots__ = ()
    checks = Checks('*xs', 'len(xs) > 0', '[x.dtype for x in xs] == [xs[0].dtype] * len(xs)',
                    '[x.ndim for x in xs] == [xs[0].ndim] * len(xs)',
                    'xs[0].ndim <= 1 or [x.shape[:1] + x.shape[2:] for x in xs] == '
                    '[xs[0].shape[:1] + xs[0].shape[2:]] * len(xs)')

    def forward(self, inputs):
        x0 = inputs[0]
        return utils.array_module(x0).hstack(inputs),

    def gradient(self, ns, indexes, grad_outputs):
        # split_axis at the input boundaries, each piece back to its input's shape
        shapes = [node.shape for node in self.inputs]
        axis = 0 if len(shapes[0]) <= 1 else 1
        sizes = [1 if not s else s[axis] for s in shapes]
        points = _axis.split_points(sizes)
        gxs = ns.split_axis(grad_outputs[0], points, axis)
        return tuple(ns.reshape(gxs[i], shapes[i]) for i in indexes)


def hstack(xs):
    """Concatenate ``xs`` horizontally: along axis 1 (axis 0 for 1-D inputs;
    0-d inputs are joined into a vector), like ``numpy.hstack``.

    >>> a = np.zeros((2, 1), dtype=np.float32)
    >>> b = np.ones((2, 2), dtype=np.float32)
    >>> F.hstack((a, b)).array
    array([[0., 1., 1.],
           [0., 1., 1.]], dtype=float32)
    """
    y, = Hstack().apply(tuple(xs))
    return y
