"""ceil, floor, fix, sign (not differentiable: Variables without a creator,
as in Chainer) and fmod (differentiable in both arguments)."""
from fastgrad import utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


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


class Fmod(Op):
    """x - fix(x / divisor) * divisor."""

    is_elementwise = True
    __slots__ = ()
    checks = Checks('x, divisor', "x.dtype.kind == 'f'", 'divisor.dtype == x.dtype')

    def forward(self, inputs):
        x, divisor = inputs
        self.retain_inputs((0, 1))
        return utils.force_array(utils.array_module(x).fmod(x, divisor)),

    def gradient(self, ns, indexes, grad_outputs):
        x, divisor = self.get_retained_input_arrays()
        gy, = grad_outputs
        out = []
        for i in indexes:
            if i == 0:
                out.append(ns.sum_to(gy, x.shape))
            else:   # the quotient is a constant (piecewise: no gradient of its own)
                q = utils.force_array(utils.array_module(x).fix(x / divisor))
                out.append(ns.sum_to(-(gy * q), divisor.shape))
        return tuple(out)


def fmod(x, divisor):
    """Elementwise remainder of x / divisor with the sign of x."""
    y, = Fmod().apply((x, divisor))
    return y
