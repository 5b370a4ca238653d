"""vstack: join arrays vertically (NumPy's vstack)."""
from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Vstack(Op):
    """Along axis 0; 0-d and 1-D inputs first become rows (1, n)."""
    __slots__ = ()
    checks = Checks('*xs', 'len(xs) > 0', '[x.dtype for x in xs] == [xs[0].dtype] * len(xs)',
                    '[x.ndim for x in xs] == [xs[0].ndim] * len(xs)',
                    'xs[0].ndim > 1 or [x.shape for x in xs] == [xs[0].shape] * len(xs)',
                    '[x.shape[1:] for x in xs] == [xs[0].shape[1:]] * len(xs)')

    def forward(self, inputs):
        x0 = inputs[0]
        return utils.array_module(x0).vstack(inputs),

    def gradient(self, ns, indexes, grad_outputs):
        # split_axis at the input boundaries, each piece back to its input's shape
        shapes = [node.shape for node in self.inputs]
        sizes = [1 if len(s) <= 1 else s[0] for s in shapes]
        points = _axis.split_points(sizes)
        gxs = ns.split_axis(grad_outputs[0], points, 0)
        return tuple(ns.reshape(gxs[i], shapes[i]) for i in indexes)


def vstack(xs):
    """Concatenate ``xs`` vertically, along axis 0 (0-d and 1-D inputs become
    rows first), like ``numpy.vstack``.

    >>> a = np.array([1., 2.], dtype=np.float32)
    >>> F.vstack((a, a)).array
    array([[1., 2.],
           [1., 2.]], dtype=float32)
    """
    y, = Vstack().apply(tuple(xs))
    return y
