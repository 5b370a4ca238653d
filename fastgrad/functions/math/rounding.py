"""ceil, floor, fix, sign (not differentiable: Variables without a creator,
as in Chainer) and fmod (differentiable in both arguments)."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode, Variable


def _raw(x):
    return x.array if isinstance(x, Variable) else x


def _rounded(name, x, keep_dtype=True):
    x = _raw(x)
    y = getattr(utils.array_module(x), name)(x)
    return Variable(utils.force_array(y.astype(x.dtype, copy=False) if keep_dtype else y),
                    requires_grad=False)


def ceil(x):
    """Elementwise ceiling (no gradient)."""
    return _rounded('ceil', x)


def floor(x):
    """Elementwise floor (no gradient)."""
    return _rounded('floor', x)


def fix(x):
    """Elementwise rounding towards zero (no gradient)."""
    return _rounded('fix', x)


def sign(x):
    """Elementwise sign: -1, 0 or 1 (no gradient)."""
    return _rounded('sign', x, keep_dtype=False)


class Fmod(FunctionNode):
    """x - fix(x / divisor) * divisor."""

    is_elementwise = True
    _graph_closed = True
    __slots__ = ()

    def forward(self, inputs):
        x, divisor = inputs
        if x.dtype != divisor.dtype or x.dtype.kind != 'f':
            raise utils.invalid_type(
                'Fmod', "x.dtype == divisor.dtype, x.dtype.kind == 'f'",
                'x.dtype = {}, divisor.dtype = {}'.format(x.dtype, divisor.dtype))
        self.retain_inputs((0, 1))
        return utils.force_array(utils.array_module(x).fmod(x, divisor)),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.broadcast import sum_to
        x, divisor = self.get_retained_inputs()
        gy, = grad_outputs
        return sum_to(gy, x.shape), sum_to(-fix(x / divisor) * gy, divisor.shape)


def fmod(x, divisor):
    """Elementwise remainder of x / divisor with the sign of x."""
    y, = Fmod().apply((x, divisor))
    return y
