"""moveaxis: move axes to new positions (numpy.moveaxis)."""
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.array import _axis
from fastgrad.functions.array.rollaxis import inverse


def _as_axes(name, value):
    if _axis.is_int(value):
        return (int(value),)
    if isinstance(value, (tuple, list)) and all(_axis.is_int(a) for a in value):
        return tuple(int(a) for a in value)
    raise TypeError('moveaxis: {} must be an int or a tuple of ints, got {!r}'
                    .format(name, value))


class Moveaxis(FunctionNode):
    def __init__(self, source, destination):
        self.source = _as_axes('source', source)
        self.destination = _as_axes('destination', destination)
        if len(self.source) != len(self.destination):
            raise ValueError('moveaxis: source and destination must have the same number of '
                             'elements, got {} and {}'.format(source, destination))

    def forward(self, inputs):
        x, = inputs
        n = x.ndim
        src = [_axis.normalize('Moveaxis', a, n, 'source') for a in self.source]
        dst = [_axis.normalize('Moveaxis', a, n, 'destination') for a in self.destination]
        if len(set(src)) != len(src) or len(set(dst)) != len(dst):
            raise ValueError('moveaxis: repeated axis in source {} or destination {}'
                             .format(self.source, self.destination))
        perm = [i for i in range(n) if i not in src]
        for d, s in sorted(zip(dst, src)):
            perm.insert(d, s)
        self._perm = tuple(perm)
        return x.transpose(self._perm),

    def backward_arrays(self, indexes, grad_outputs):
        return grad_outputs[0].transpose(inverse(self._perm)),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.transpose import transpose
        return transpose(grad_outputs[0], inverse(self._perm)),


def moveaxis(x, source, destination):
    """Move the axes ``source`` (an int or a tuple) of ``x`` to the positions
    ``destination``; the other axes keep their order."""
    y, = Moveaxis(source, destination).apply((x,))
    return y
