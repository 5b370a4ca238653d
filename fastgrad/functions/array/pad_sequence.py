"""pad_sequence: pad variable-length sequences into one array."""
from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

_NAME = 'PadSequence'


class PadSequence(Op):
    __slots__ = ('length', 'padding')
    checks = Checks('*xs', 'len(xs) > 0', 'min(x.ndim for x in xs) >= 1',
                    '[x.shape[1:] for x in xs] == [xs[0].shape[1:]] * len(xs)',
                    '[x.dtype for x in xs] == [xs[0].dtype] * len(xs)',
                    'self.length is None or max(len(x) for x in xs) <= self.length')

    def __init__(self, length, padding):
        if length is not None:
            length = _axis.require_int('pad_sequence', 'length', length)
            if length < 0:
                raise ValueError('pad_sequence: length must be >= 0, got {}'.format(length))
        self.length = length
        self.padding = padding

    def forward(self, inputs):
        x0 = inputs[0]
        longest = max(len(x) for x in inputs)
        length = longest if self.length is None else self.length
        xp = utils.array_module(x0)
        y = xp.empty((len(inputs), length) + x0.shape[1:], x0.dtype)
        for i, x in enumerate(inputs):
            n = len(x)
            y[i, :n] = x
            if n < length:
                y[i, n:] = self.padding
        return y,

    def gradient(self, ns, indexes, grad_outputs):
        gy = grad_outputs[0]
        nodes = self.inputs
        return tuple(ns.get_item(gy, (i, slice(0, nodes[i].shape[0]))) for i in indexes)


def pad_sequence(xs, length=None, padding=0):
    """Stack the sequences ``xs`` (each of shape (L_i, ...)) into one array
    of shape (len(xs), length, ...), filling the tail of each row with
    ``padding``.  ``length=None`` uses the longest L_i.

    >>> xs = [np.array([1., 2., 3.], dtype=np.float32), np.array([4.], dtype=np.float32)]
    >>> F.pad_sequence(xs, padding=-1).array
    array([[ 1.,  2.,  3.],
           [ 4., -1., -1.]], dtype=float32)
    """
    y, = PadSequence(length, padding).apply(tuple(xs))
    return y
