"""tensordot: sums of products over chosen axes of two arrays."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _inverse(perm):
    return tuple(int(i) for i in numpy.argsort(perm))


class TensorDot(Op):
    """``xp.tensordot(a, b, (a_sum, b_sum))``, transposed by ``perm``
    (None: as it comes: a's free axes, then b's).

    Each gradient is another TensorDot of the output's gradient with the
    other operand, transposed back to the operand's axis order."""
    __slots__ = ('a_sum', 'b_sum', 'perm', 'dtype')
    # the axes against the ndims: ValueErrors in tensordot() (as in Chainer)
    checks = Checks('a, b', "a.dtype.kind == 'f'", "b.dtype.kind == 'f'")

    def __init__(self, a_sum, b_sum, perm=None, dtype=None):
        self.a_sum = tuple(a_sum)
        self.b_sum = tuple(b_sum)
        self.perm = perm
        self.dtype = dtype

    @property
    def label(self):
        return 'tensordot'

    def forward(self, inputs):
        a, b = inputs
        self.retain_inputs((0, 1))
        self.a_sum = tuple(i % a.ndim for i in self.a_sum)
        self.b_sum = tuple(i % b.ndim for i in self.b_sum)
        for i, j in zip(self.a_sum, self.b_sum):
            if a.shape[i] != b.shape[j]:
                # a ValueError, as in Chainer
                raise ValueError('tensordot: shape mismatch: a.shape[{}] = {} but '
                                 'b.shape[{}] = {} (a.shape = {}, b.shape = {})'.format(
                                     i, a.shape[i], j, b.shape[j], a.shape, b.shape))
        xp = utils.array_module(a)
        y = xp.tensordot(a, b, (self.a_sum, self.b_sum))
        if self.perm is not None:
            y = y.transpose(self.perm)
        return utils.force_array(y, self.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        a, b = ns.inputs(self)
        g, = grad_outputs
        if self.perm is not None:
            g = ns.transpose(g, _inverse(self.perm))
        a_free = [i for i in range(a.ndim) if i not in self.a_sum]
        b_free = [i for i in range(b.ndim) if i not in self.b_sum]
        nf = len(a_free)
        pair = dict(zip(self.a_sum, self.b_sum))
        back = dict(zip(self.b_sum, self.a_sum))
        out = []
        for i in indexes:
            if i == 0:
                # g[a_free, b_free] . b over b_free -> [a_free, sorted(b_sum)]
                order = a_free + [back[j] for j in sorted(self.b_sum)]
                op = TensorDot(range(nf, g.ndim), b_free, _inverse(order), a.dtype)
                out.append(ns.call(op, (g, b))[0])
            else:
                # a . g over a_free -> [sorted(a_sum), b_free]
                order = [pair[j] for j in sorted(self.a_sum)] + b_free
                op = TensorDot(a_free, range(nf), _inverse(order), b.dtype)
                out.append(ns.call(op, (a, g))[0])
        return tuple(out)


def _as_axes(axes, a_ndim, b_ndim):
    if isinstance(axes, (int, numpy.integer)) and not isinstance(axes, (bool, numpy.bool_)):
        if not 0 <= axes <= min(a_ndim, b_ndim):
            raise ValueError('tensordot: axes = {} but a.ndim = {}, b.ndim = {}'.format(
                axes, a_ndim, b_ndim))
        return range(a_ndim - axes, a_ndim), range(axes)
    if not isinstance(axes, (list, tuple)):
        raise TypeError('tensordot: axes must be an int or a pair of sequences of ints, '
                        'got {!r}'.format(axes))
    if len(axes) != 2:
        raise ValueError('tensordot: axes must be a pair of sequences of integers '
                         'when it is a list or tuple, got {!r}'.format(axes))
    a_sum, b_sum = ((s,) if numpy.isscalar(s) else tuple(s) for s in axes)
    if len(a_sum) != len(b_sum):
        raise ValueError('tensordot: axes count mismatch: {} axes of a, {} of b'.format(
            len(a_sum), len(b_sum)))
    for name, ndim, sums in (('a', a_ndim, a_sum), ('b', b_ndim, b_sum)):
        if not all(-ndim <= i < ndim for i in sums) or \
                len({i % ndim for i in sums}) != len(sums):
            raise ValueError('tensordot: axes {} out of range or repeated for {}.ndim = {}'
                             .format(sums, name, ndim))
    return a_sum, b_sum


def tensordot(a, b, axes=2):
    """Tensor dot product of two arrays along the given axes.

    Args:
        a (:class:`~fastgrad.Variable` or ``ndarray``): First operand.
        b (:class:`~fastgrad.Variable` or ``ndarray``): Second operand.
        axes (int or pair of sequences): An int ``N`` sums over the last
            ``N`` axes of ``a`` and the first ``N`` of ``b``; a pair
            ``(a_axes, b_axes)`` names the axes to sum over.

    Returns:
        ~fastgrad.Variable: ``a``'s remaining axes followed by ``b``'s.

    >>> a = np.ones((2, 3, 4), np.float32)
    >>> F.tensordot(a, np.ones((3, 4, 5), np.float32)).shape  # axes=2
    (2, 5)
    >>> F.tensordot(a, np.ones((3, 5), np.float32), axes=([1], [0])).shape
    (2, 4, 5)
    >>> F.tensordot(a, a, axes=3).array  # all 24 products summed
    array(24., dtype=float32)
    """
    a_sum, b_sum = _as_axes(axes, a.ndim, b.ndim)
    y, = TensorDot(a_sum, b_sum).apply((a, b))
    return y
