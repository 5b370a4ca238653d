"""vstack: join arrays vertically (NumPy's vstack)."""
from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.recipe import Op


class Vstack(Op):
    """Along axis 0; 0-d and 1-D inputs first become rows (1, n)."""
    __slots__ = ()

    def forward(self, inputs):
        if not inputs:
            raise utils.invalid_type('Vstack', 'in_types.size() > 0', 'in_types.size() == 0')
        x0 = inputs[0]
        _axis.check_same_dtype('Vstack', inputs)
        for i, x in enumerate(inputs):
            if x.ndim != x0.ndim:
                raise utils.invalid_type(
                    'Vstack', 'in_types[0].ndim == in_types[{}].ndim'.format(i),
                    '{} != {}'.format(x0.ndim, x.ndim))
            if x0.ndim <= 1 and x.shape != x0.shape:
                raise utils.invalid_type(
                    'Vstack', 'in_types[0].shape == in_types[{}].shape'.format(i),
                    '{} != {}'.format(x0.shape, x.shape))
            if x0.ndim > 1 and x.shape[1:] != x0.shape[1:]:
                raise utils.invalid_type(
                    'Vstack', 'in_types[0].shape == in_types[{}].shape except axis 0'.format(i),
                    '{} vs {}'.format(x0.shape, x.shape))
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
