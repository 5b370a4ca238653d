"""shift: each group of channels moved by one offset of a (kh, kw) kernel
(Wu et al., 2017, "a zero-FLOP alternative to spatial convolutions")."""
import operator

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _pair(value, name):
    items = tuple(value) if hasattr(value, '__getitem__') else (value, value)
    try:
        a, b = (operator.index(v) for v in items)
    except (TypeError, ValueError):
        raise TypeError('shift: {} must be an int or a pair of ints, got {!r}'
                        .format(name, value)) from None
    return a, b


class Shift(Op):
    __slots__ = ('kh', 'kw', 'dy', 'dx')
    checks = Checks('x', "x.dtype.kind == 'f'", 'x.ndim == 4',
                    'x.shape[1] >= self.kh * self.kw')

    def __init__(self, ksize, dilate):
        self.kh, self.kw = _pair(ksize, 'ksize')
        self.dy, self.dx = _pair(dilate, 'dilate')
        if self.kh % 2 != 1 or self.kw % 2 != 1:
            raise ValueError('shift: ksize must be odd, got {}x{}'.format(self.kh, self.kw))
        if self.dy == 0 or self.dx == 0:
            raise ValueError('shift: dilate must be nonzero, got {}x{}'.format(self.dy,
                                                                             self.dx))

    def offsets(self, channels):
        """``(first channel, end channel, dy, dx)`` of each group: group ``g``
        moves by kernel offset ``g`` (row-major, centred), except that the
        centre offset and the last one swap places, so the last group (which
        also takes the channels left over) stays in place."""
        n = self.kh * self.kw
        size = channels // n
        for g in range(n):
            k = n - 1 if g == (n - 1) // 2 else (n - 1) // 2 if g == n - 1 else g
            ky = k // self.kw - self.kh // 2
            kx = k % self.kw - self.kw // 2
            yield g * size, (g + 1) * size if g < n - 1 else channels, ky * self.dy, \
                kx * self.dx

    def forward(self, inputs):
        x, = inputs
        h, w = x.shape[2:]
        y = utils.array_module(x).zeros_like(x)
        for cs, ce, oy, ox in self.offsets(x.shape[1]):
            # y[r, q] = x[r - oy, q - ox], zero outside
            if abs(oy) >= h or abs(ox) >= w:
                continue
            y[:, cs:ce, max(oy, 0):h + min(oy, 0), max(ox, 0):w + min(ox, 0)] = \
                x[:, cs:ce, max(-oy, 0):h - max(oy, 0), max(-ox, 0):w - max(ox, 0)]
        return y,

    def gradient(self, ns, indexes, grad_outputs):
        # the adjoint moves every group back
        return ns.call(Shift((self.kh, self.kw), (-self.dy, -self.dx)), grad_outputs)


def shift(x, ksize=3, dilate=1):
    """Shift channel groups of an NCHW input by the offsets of a kernel.

    The ``C`` channels are split into ``kh * kw`` groups of ``C // (kh kw)``
    (the last one takes the rest and stays in place); each other group is
    moved by one offset of the ``(kh, kw)`` kernel times ``dilate``, zero
    filled.  The output has ``x``'s shape.

    Args:
        x: input ``(N, C, H, W)`` with ``C >= kh * kw``.
        ksize (int or pair of ints): odd kernel size.
        dilate (int or pair of ints): step between kernel offsets.

    >>> x = np.zeros((1, 9, 3, 3), dtype=np.float32)
    >>> x[:, :, 1, 1] = 1  # one centred pixel in each of 9 channels
    >>> y = F.shift(x, ksize=3)
    >>> y.array[0].reshape(9, 9).argmax(axis=1)  # where each channel's pixel went
    array([0, 1, 2, 3, 8, 5, 6, 7, 4])
    """
    y, = Shift(ksize, dilate).apply((x,))
    return y
