"""``chainer.distributions.utils``: helpers Chainer's distribution code and
tests use."""
import warnings

from fastgrad._core.graph import FunctionNode


class _ModifiedXLogX(FunctionNode):
    """x log x with 0 log 0 = 0.  The derivative 1 + log x has no finite
    value at 0: there the gradient is 0 and backward warns."""

    def forward(self, inputs):
        from fastgrad import backend
        from fastgrad.utils import force_array
        x, = inputs
        xp = backend.get_array_module(x)
        zero = x == 0
        safe = xp.where(zero, xp.ones_like(x), x)
        self.retain_inputs((0,))
        return force_array(xp.where(zero, xp.zeros_like(x), x * xp.log(safe)), x.dtype),

    def backward(self, indexes, grad_outputs):
        import fastgrad.functions as F
        from fastgrad import backend
        x, = self.get_retained_inputs()
        xp = backend.get_array_module(x.array)
        zero = x.array == 0
        if zero.any():
            warnings.warn('_modified_xlogx: the gradient at x = 0 is undefined; '
                          'it is taken as 0.', RuntimeWarning, stacklevel=2)
        safe = F.where(zero, xp.ones_like(x.array), x)
        slope = F.where(zero, xp.zeros_like(x.array), 1 + F.log(safe))
        return grad_outputs[0] * slope,


def _modified_xlogx(x):
    """x * log(x) with 0 * log(0) = 0, differentiable (a Variable); the
    gradient at 0 is 0, with a RuntimeWarning."""
    from fastgrad._core.graph import as_variable
    y, = _ModifiedXLogX().apply((as_variable(x),))
    return y
