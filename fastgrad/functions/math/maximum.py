"""maximum(x1, x2), elementwise, with NumPy broadcasting."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class Maximum(Op):
    __slots__ = ()
    is_elementwise = True
    checks = Checks('x1, x2', "x1.dtype.kind == 'f'", 'x1.dtype == x2.dtype')
    _ufunc = 'maximum'

    def _first_wins(self, x1, x2):
        """Where x1 is selected: ties go to x1 (as in Chainer)."""
        return x1 >= x2

    def forward(self, inputs):
        x1, x2 = inputs
        try:
            numpy.broadcast_shapes(x1.shape, x2.shape)
        except ValueError:
            raise utils.invalid_type(self.label, 'x1.shape and x2.shape broadcastable',
                                     '{} and {}'.format(x1.shape, x2.shape)) from None
        xp = utils.array_module(x1)
        self.retain_inputs((0, 1))
        return utils.force_array(getattr(xp, self._ufunc)(x1, x2)),

    def gradient(self, ns, indexes, grad_outputs):
        # which input was selected is a constant of the gradient
        x1, x2 = self.get_retained_input_arrays()
        gy = grad_outputs[0]
        first = self._first_wins(x1, x2)
        inputs = self.inputs
        out = []
        for i in indexes:
            mask = (first if i == 0 else ~first).astype(x1.dtype)
            out.append(ns.sum_to(gy * mask, inputs[i].shape))
        return tuple(out)


def maximum(x1, x2):
    """Elementwise maximum of two float arrays of one dtype (broadcast like NumPy).

    Where they are equal the gradient goes to ``x1``.

    >>> a = Variable(np.array([1., 5., 2.], np.float32))
    >>> b = Variable(np.array([3., 2., 2.], np.float32))
    >>> F.maximum(a, b).array
    array([3., 5., 2.], dtype=float32)
    >>> F.sum(F.maximum(a, b)).backward(); a.grad, b.grad
    (array([0., 1., 1.], dtype=float32), array([1., 0., 0.], dtype=float32))
    """
    y, = Maximum().apply((x1, x2))
    return y
