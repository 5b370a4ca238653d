"""hstack: join arrays horizontally (NumPy's hstack)."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.array import _axis


class Hstack(FunctionNode):
    """Along axis 1, or axis 0 for 1-D inputs; 0-d inputs become a vector."""

    def forward(self, inputs):
        if not inputs:
            raise utils.invalid_type('Hstack', 'in_types.size() > 0', 'in_types.size() == 0')
        x0 = inputs[0]
        _axis.check_same_dtype('Hstack', inputs)
        for i, x in enumerate(inputs):
            if x.ndim != x0.ndim:
                raise utils.invalid_type(
                    'Hstack', 'in_types[0].ndim == in_types[{}].ndim'.format(i),
                    '{} != {}'.format(x0.ndim, x.ndim))
            if x0.ndim > 1 and (x.shape[:1] != x0.shape[:1] or x.shape[2:] != x0.shape[2:]):
                raise utils.invalid_type(
                    'Hstack', 'in_types[0].shape == in_types[{}].shape except axis 1'.format(i),
                    '{} vs {}'.format(x0.shape, x.shape))
        return utils.array_module(x0).hstack(inputs),

    def _pieces(self):
        nodes = self.inputs
        if len(nodes[0].shape) == 0:
            return 0, _axis.bounds([1] * len(nodes))
        axis = 0 if len(nodes[0].shape) == 1 else 1
        return axis, _axis.bounds([node.shape[axis] for node in nodes])

    def backward_arrays(self, indexes, grad_outputs):
        gy = grad_outputs[0]
        axis, b = self._pieces()
        nodes = self.inputs
        return tuple(gy[_axis.along(axis, slice(*b[i]))].reshape(nodes[i].shape)
                     for i in indexes)

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.reshape import reshape
        from fastgrad.functions.array.split_axis import split_axis
        axis, b = self._pieces()
        gxs = split_axis(grad_outputs[0], [e for _, e in b[:-1]], axis)
        nodes = self.inputs
        return tuple(reshape(gxs[i], nodes[i].shape) for i in indexes)


def hstack(xs):
    """Concatenate ``xs`` horizontally: along axis 1 (axis 0 for 1-D inputs;
    0-d inputs are joined into a vector), like ``numpy.hstack``."""
    y, = Hstack().apply(tuple(xs))
    return y
