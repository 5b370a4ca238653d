"""softmax(x, axis) = exp(x) / sum(exp(x), axis)."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.recipe import Op


def _check(name, x, axis):
    if x.dtype.kind != 'f':
        raise utils.invalid_type(name, "x.dtype.kind == 'f'", 'x.dtype = {}'.format(x.dtype))
    if not -x.ndim <= axis < x.ndim:
        raise utils.invalid_type(name, '-x.ndim <= axis < x.ndim',
                                 'axis = {}, x.ndim = {}'.format(axis, x.ndim))


_compute_dtype = utils.compute_dtype


def _check_axis_type(name, axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, numpy.integer)):
        raise TypeError('{}: axis must be an int, got {!r}'.format(name, axis))
    return int(axis)


class Softmax(Op):
    __slots__ = ('axis',)

    def __init__(self, axis=1):
        self.axis = _check_axis_type('softmax', axis)

    def forward(self, inputs):
        x, = inputs
        _check('Softmax', x, self.axis)
        xp = utils.array_module(x)
        z = x.astype(_compute_dtype(x.dtype))    # a copy: exp works in place
        z -= z.max(axis=self.axis, keepdims=True)
        xp.exp(z, out=z)
        z /= z.sum(axis=self.axis, keepdims=True)
        self.retain_outputs((0,))
        return utils.force_array(z, x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        # gx = y * (gy - sum(y * gy))
        y, = ns.outputs(self)
        gx = y * grad_outputs[0]
        return gx - y * ns.sum(gx, axis=self.axis, keepdims=True),


def softmax(x, axis=1):
    """Softmax over ``axis`` (numerically stable; float16 computed in float32)."""
    y, = Softmax(axis).apply((x,))
    return y
