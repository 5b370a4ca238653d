"""vstack: join arrays vertically (NumPy's vstack)."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.array import _axis


class Vstack(FunctionNode):
    """Along axis 0; 0-d and 1-D inputs first become rows (1, n)."""

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

    def _bounds(self):
        nodes = self.inputs
        if len(nodes[0].shape) <= 1:
            return _axis.bounds([1] * len(nodes))
        return _axis.bounds([node.shape[0] for node in nodes])

    def backward_arrays(self, indexes, grad_outputs):
        gy = grad_outputs[0]
        b = self._bounds()
        nodes = self.inputs
        return tuple(gy[b[i][0]:b[i][1]].reshape(nodes[i].shape) for i in indexes)

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.reshape import reshape
        from fastgrad.functions.array.split_axis import split_axis
        b = self._bounds()
        gxs = split_axis(grad_outputs[0], [e for _, e in b[:-1]], 0)
        nodes = self.inputs
        return tuple(reshape(gxs[i], nodes[i].shape) for i in indexes)


def vstack(xs):
    """Concatenate ``xs`` vertically, along axis 0 (0-d and 1-D inputs become
    rows first), like ``numpy.vstack``."""
    y, = Vstack().apply(tuple(xs))
    return y
