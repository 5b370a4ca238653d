"""repeat: repeat each element of an array (numpy.repeat)."""
import numpy

from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _as_count(r):
    # Chainer (like numpy.repeat) takes a bool as a count of 0 or 1
    return int(r) if isinstance(r, (bool, numpy.bool_)) else r


def _parse_repeats(repeats):
    if isinstance(repeats, (tuple, list)):
        repeats = [_as_count(r) for r in repeats]
    repeats = _axis.int_tuple('repeat', 'repeats', _as_count(repeats))
    if any(r < 0 for r in repeats):
        raise ValueError('repeat: every element of repeats must be >= 0, got {}'
                         .format(repeats))
    return repeats


class Repeat(Op):
    __slots__ = ('repeats', 'axis')
    checks = Checks('x', 'self.axis is None or -x.ndim <= self.axis < x.ndim')

    def __init__(self, repeats, axis=None):
        self.repeats = _parse_repeats(repeats)
        if axis is not None:
            axis = _axis.require_int('repeat', 'axis', axis)
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        if self.axis is None:
            n = x.size
        else:
            self.axis = _axis.normalize('Repeat', self.axis, x.ndim)
            n = x.shape[self.axis]
        if len(self.repeats) not in (1, n):
            raise ValueError(
                'repeat: repeats must have 1 or {} elements (the length along the axis), '
                'got {}'.format(n, len(self.repeats)))
        reps = self.repeats[0] if len(self.repeats) == 1 else self.repeats
        return utils.array_module(x).repeat(x, reps, self.axis),

    def gradient(self, ns, indexes, grad_outputs):
        node = self.inputs[0]
        return ns.call(RepeatGrad(self.repeats, self.axis, node.shape, node.dtype),
                       grad_outputs)


def _repeat_grad(gy, repeats, axis, shape, dtype):
    """Sum each run of repeated elements of gy back into one."""
    xp = utils.array_module(gy)
    if axis is None:
        gy = gy.reshape(-1)
        axis = 0
        flat_shape = (utils.size_of_shape(shape),)
    else:
        flat_shape = shape
    n = flat_shape[axis]
    if len(repeats) == 1:
        r = repeats[0]
        split = flat_shape[:axis] + (n, r) + flat_shape[axis + 1:]
        gx = gy.reshape(split).sum(axis=axis + 1)
    elif xp is numpy:
        gx = numpy.zeros(flat_shape, dtype)
        if gy.shape[axis]:
            # One sum per run; runs of length 0 keep their zero.
            reps = numpy.asarray(repeats)
            keep = numpy.nonzero(reps)[0]
            starts = numpy.concatenate(([0], numpy.cumsum(reps)[:-1]))[keep]
            gx[_axis.along(axis, keep)] = numpy.add.reduceat(gy, starts, axis=axis)
    else:
        import cupyx
        # Scatter-add each element into its source (float16 summed in float32).
        ct = numpy.float32 if dtype == numpy.float16 else dtype
        src = xp.asarray(numpy.repeat(numpy.arange(n), repeats))
        acc = xp.zeros((n,) + flat_shape[:axis] + flat_shape[axis + 1:], ct)
        cupyx.scatter_add(acc, src, xp.moveaxis(gy, axis, 0).astype(ct))
        gx = xp.moveaxis(acc, 0, axis)
    return utils.force_array(gx, dtype).reshape(shape)


class RepeatGrad(Op):
    """The adjoint of Repeat (sums the runs); its own adjoint is Repeat."""
    __slots__ = ('repeats', 'axis', '_in_shape', '_in_dtype')

    def __init__(self, repeats, axis, in_shape, in_dtype):
        self.repeats = repeats
        self.axis = axis
        self._in_shape = in_shape
        self._in_dtype = in_dtype

    def forward(self, inputs):
        return _repeat_grad(inputs[0], self.repeats, self.axis, self._in_shape,
                            self._in_dtype),

    def gradient(self, ns, indexes, grad_outputs):
        reps = self.repeats[0] if len(self.repeats) == 1 else self.repeats
        return ns.repeat(grad_outputs[0], reps, self.axis),


def repeat(x, repeats, axis=None):
    """Repeat the elements of ``x``, like ``numpy.repeat``.

    ``repeats`` is an int or a tuple of ints (one per element along
    ``axis``); with ``axis=None`` the input is flattened first.

    >>> x = np.array([1., 2.], dtype=np.float32)
    >>> F.repeat(x, 2).array
    array([1., 1., 2., 2.], dtype=float32)
    """
    y, = Repeat(repeats, axis).apply((x,))
    return y
