"""get_item: x[slices] with basic and advanced indexing (Variable.__getitem__)."""
import numbers

import numpy

from fastgrad import utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util.recipe import Op


class EllipsisError(IndexError, ValueError):
    """More than one Ellipsis in an index: an IndexError as in NumPy, and a
    ValueError as in Chainer."""


def _normalize_slices(slices):
    """Chainer's rules: a list of ints is one advanced index, any other list is a
    tuple of indices; a Variable index is replaced by its array."""
    if isinstance(slices, Variable):
        slices = slices.array
    if isinstance(slices, list):
        if all(isinstance(s, numbers.Integral) for s in slices):
            slices = (slices,)
        else:
            slices = tuple(slices)
    elif not isinstance(slices, tuple):
        slices = (slices,)
    slices = tuple(s.array if isinstance(s, Variable) else s for s in slices)
    if sum(1 for s in slices if s is Ellipsis) > 1:
        raise EllipsisError('get_item: an index can only have a single ellipsis (...), '
                         'got {}'.format(slices))
    return slices


def _is_basic(slices):
    """Only ints, slices, Ellipsis and None: no element is selected twice."""
    for s in slices:
        if s is None or s is Ellipsis or isinstance(s, slice):
            continue
        if isinstance(s, (bool, numpy.bool_)):
            return False
        if isinstance(s, (numbers.Integral, numpy.integer)):
            continue
        return False
    return True


def _scatter(slices, basic, gy, shape, dtype):
    """zeros(shape) with gy added at x[slices] (repeated indices accumulate)."""
    xp = utils.array_module(gy)
    gx = xp.zeros(shape, dtype=dtype)
    if basic:
        gx[slices] = gy
    elif xp is numpy:
        numpy.add.at(gx, slices, gy)
    else:
        import cupyx
        cupyx.scatter_add(gx, slices, gy)
    return gx


class GetItem(Op):
    __slots__ = ('slices', '_basic')

    def __init__(self, slices):
        self.slices = _normalize_slices(slices)
        self._basic = _is_basic(self.slices)

    def forward(self, inputs):
        x, = inputs
        try:
            y = x[self.slices]
        except IndexError as e:
            raise IndexError('get_item: invalid index {} for x of shape {}: {}'.format(
                self.slices, x.shape, e)) from None
        return utils.force_array(y),

    def gradient(self, ns, indexes, grad_outputs):
        node = self.inputs[0]
        return ns.call(GetItemGrad(self.slices, self._basic, node.shape, node.dtype),
                       grad_outputs)


class GetItemGrad(Op):
    """The adjoint of GetItem: scatter-add gy into zeros of x's shape."""
    __slots__ = ('slices', '_basic', '_in_shape', '_in_dtype')

    def __init__(self, slices, basic, in_shape, in_dtype):
        self.slices = slices
        self._basic = basic
        self._in_shape = in_shape
        self._in_dtype = in_dtype

    def forward(self, inputs):
        gy, = inputs
        return _scatter(self.slices, self._basic, gy, self._in_shape, self._in_dtype),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.get_item(grad_outputs[0], self.slices),


def get_item(x, slices):
    """``x[slices]``, differentiable.

    ``slices`` may hold ints, slices, Ellipsis, None, and (advanced indexing)
    integer or boolean arrays and lists, following NumPy.  A list of ints is
    one index array; any other list is taken as a tuple of indices.  In the
    gradient, elements picked more than once accumulate.

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.get_item(x, (slice(None), 1)).array
    array([1., 4.], dtype=float32)
    >>> x_var = fastgrad.Variable(x)
    >>> x_var[1, ::2].array
    array([3., 5.], dtype=float32)
    """
    y, = GetItem(slices).apply((x,))
    return y
