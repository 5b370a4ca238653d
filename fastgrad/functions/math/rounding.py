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
    """Elementwise ceiling (no gradient).

    >>> y = F.ceil(np.array([-1.5, 0.5, 1.5], np.float32))
    >>> y.array
    array([-1.,  1.,  2.], dtype=float32)
    >>> y.requires_grad  # a constant, not a node of the graph
    False
    """
    return _rounded('ceil', x)


def floor(x):
    """Elementwise floor (no gradient).

    >>> F.floor(np.array([-1.5, 0.5, 1.5], np.float32)).array
    array([-2.,  0.,  1.], dtype=float32)
    """
    return _rounded('floor', x)


def fix(x):
    """Elementwise rounding towards zero (no gradient).

    >>> F.fix(np.array([-1.5, 0.5, 1.5], np.float32)).array
    array([-1.,  0.,  1.], dtype=float32)
    """
    return _rounded('trunc', x)   # numpy.fix is deprecated since NumPy 2.5


def sign(x):
    """Elementwise sign: -1, 0 or 1 (no gradient).

    >>> F.sign(np.array([-2., 0., 3.], np.float32)).array
    array([-1.,  0.,  1.], dtype=float32)
    """
    return _rounded('sign', x, keep_dtype=False)


class Fmod(Op):
    """x - fix(x / divisor) * divisor."""

    is_elementwise = True
    __slots__ = ()
    label = 'fmod'
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
                q = utils.force_array(utils.array_module(x).trunc(x / divisor))
                out.append(ns.sum_to(-(gy * q), divisor.shape))
        return tuple(out)


def fmod(x, divisor):
    """Elementwise remainder of x / divisor with the sign of x.

    Differentiable in both arguments: the gradient of ``divisor`` is
    ``-fix(x / divisor)``.

    >>> x = np.array([5., -5.], np.float32)
    >>> d = Variable(np.array([3., 3.], np.float32))
    >>> F.fmod(x, d).array
    array([ 2., -2.], dtype=float32)
    >>> F.sum(F.fmod(x, d)).backward(); d.grad
    array([-1.,  1.], dtype=float32)
    """
    y, = Fmod().apply((x, divisor))
    return y
