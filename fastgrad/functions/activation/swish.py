"""swish(x, beta) = x * sigmoid(beta * x), beta broadcast along axis 1."""
from fastgrad import utils
from fastgrad.functions._util import axis as axis_util
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _sigmoid(a, xp):
    s = xp.tanh(a * 0.5)
    s *= 0.5
    s += 0.5
    return s


class Swish(Op):
    __slots__ = ()
    checks = Checks('x, beta', "x.dtype.kind == 'f'", 'beta.dtype == x.dtype',
                    'beta.ndim <= x.ndim - 1', 'beta.shape == x.shape[1:1 + beta.ndim]')

    def forward(self, inputs):
        x, beta = inputs
        xp = utils.array_module(x)
        b = beta.reshape(axis_util.lined_up_shape(beta.shape, x.ndim))
        self.retain_inputs((0, 1))
        return utils.force_array(x * _sigmoid(b * x, xp)),

    def gradient(self, ns, indexes, grad_outputs):
        x, beta = ns.inputs(self)
        gy = grad_outputs[0]
        b = ns.broadcast_to(ns.reshape(beta, axis_util.lined_up_shape(beta.shape, x.ndim)), x.shape)
        s = ns.tanh(b * x * 0.5) * 0.5 + 0.5          # sigmoid(b * x)
        y = x * s
        out = []
        for i in indexes:
            if i == 0:
                # d/dx = s + beta * x * s * (1 - s) = beta * y + s * (1 - beta * y)
                by = b * y
                out.append(gy * (by + s * (1 - by)))
            else:
                # d/dbeta = x^2 * s * (1 - s) = y * (x - y)
                gb = ns.sum(gy * y * (x - y), axis=axis_util.param_reduction_axes(beta.ndim, x.ndim))
                out.append(ns.reshape(gb, beta.shape))
        return tuple(out)


def swish(x, beta):
    """Swish activation, ``x * sigmoid(beta * x)``.

    ``beta`` has shape ``x.shape[1:1 + beta.ndim]`` and is broadcast over the
    batch axis 0 and any trailing axes (as Chainer reshapes it to
    ``(1,) + beta.shape + (1, ...)``).  It is an input, so it gets a gradient.

    >>> x = np.array([[-1., 0., 2.]], dtype=np.float32)
    >>> beta = np.ones(3, dtype=np.float32)
    >>> F.swish(x, beta).array
    array([[-0.2689414,  0.       ,  1.7615942]], dtype=float32)
    """
    y, = Swish().apply((x, beta))
    return y
