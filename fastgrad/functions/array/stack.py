"""stack: join arrays along a new axis."""
from fastgrad import utils
from fastgrad.functions._util import axis as _axis
from fastgrad.functions._util.recipe import Op


class Stack(Op):
    __slots__ = ('axis',)

    def __init__(self, axis=0):
        self.axis = _axis.require_int('stack', 'axis', axis)

    def forward(self, inputs):
        if not inputs:
            raise utils.invalid_type('Stack', 'in_types.size() > 0', 'in_types.size() == 0')
        x0 = inputs[0]
        self.axis = _axis.normalize('Stack', self.axis, x0.ndim, extra=1)
        _axis.check_same_dtype('Stack', inputs)
        for i, x in enumerate(inputs):
            if x.shape != x0.shape:
                raise utils.invalid_type(
                    'Stack', 'in_types[0].shape == in_types[{}].shape'.format(i),
                    '{} != {}'.format(x0.shape, x.shape))
        return utils.array_module(x0).stack(inputs, axis=self.axis),

    def gradient(self, ns, indexes, grad_outputs):
        # the adjoint of stack is separate
        gxs = ns.separate(grad_outputs[0], self.axis)
        return tuple(gxs[i] for i in indexes)


def stack(xs, axis=0):
    """Join the equally shaped arrays of ``xs`` along a new axis ``axis``
    (``-ndim - 1 <= axis <= ndim``).

    >>> a = np.array([1., 2.], dtype=np.float32)
    >>> F.stack((a, a + 2)).array
    array([[1., 2.],
           [3., 4.]], dtype=float32)
    """
    y, = Stack(axis).apply(tuple(xs))
    return y
