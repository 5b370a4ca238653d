"""moveaxis: move axes to new positions (numpy.moveaxis)."""
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Moveaxis(Op):
    __slots__ = ('source', 'destination', '_perm')
    checks = Checks('x', '[a for a in self.source if not -x.ndim <= a < x.ndim] == []',
                    '[a for a in self.destination if not -x.ndim <= a < x.ndim] == []')

    def __init__(self, source, destination):
        self.source = _axis.int_tuple('moveaxis', 'source', source)
        self.destination = _axis.int_tuple('moveaxis', 'destination', destination)
        if len(self.source) != len(self.destination):
            raise ValueError('moveaxis: source and destination must have the same number of '
                             'elements, got {} and {}'.format(source, destination))

    def forward(self, inputs):
        x, = inputs
        n = x.ndim
        src = _axis.normalize_axes('Moveaxis', self.source, n, 'source')
        dst = _axis.normalize_axes('Moveaxis', self.destination, n, 'destination')
        if len(set(src)) != len(src) or len(set(dst)) != len(dst):
            raise ValueError('moveaxis: repeated axis in source {} or destination {}'
                             .format(self.source, self.destination))
        perm = [i for i in range(n) if i not in src]
        for d, s in sorted(zip(dst, src)):
            perm.insert(d, s)
        self._perm = tuple(perm)
        return x.transpose(self._perm),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.transpose(grad_outputs[0], _axis.inverse_permutation(self._perm)),


def moveaxis(x, source, destination):
    """Move the axes ``source`` (an int or a tuple) of ``x`` to the positions
    ``destination``; the other axes keep their order.

    >>> x = np.zeros((2, 3, 4), dtype=np.float32)
    >>> F.moveaxis(x, 0, -1).shape
    (3, 4, 2)
    """
    y, = Moveaxis(source, destination).apply((x,))
    return y
