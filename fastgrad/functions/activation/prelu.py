"""prelu(x, W) = x for x >= 0, W * x otherwise; W broadcast along axis 1."""
from fastgrad import utils
from fastgrad.functions._util import axis as axis_util
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class PReLUFunction(Op):
    __slots__ = ()
    checks = Checks('x, W', "x.dtype.kind == 'f'", 'W.dtype == x.dtype',
                    'x.ndim >= W.ndim + 1', 'W.shape == x.shape[1:1 + W.ndim]')

    def forward(self, inputs):
        x, W = inputs
        xp = utils.array_module(x)
        w = W.reshape(axis_util.lined_up_shape(W.shape, x.ndim))
        self.retain_inputs((0, 1))
        return utils.force_array(xp.where(x >= 0, x, x * w)),

    def gradient(self, ns, indexes, grad_outputs):
        # The sign pattern is a constant; the gradient is bilinear in (gy, W)
        # and (gy, x), hence differentiable again.
        x, W = ns.inputs(self)
        gy = grad_outputs[0]
        neg = ns.data(x) < 0
        out = []
        for i in indexes:
            if i == 0:
                w = ns.broadcast_to(ns.reshape(W, axis_util.lined_up_shape(W.shape, x.ndim)), x.shape)
                out.append(ns.where(neg, gy * w, gy))
            else:
                gw = ns.sum(gy * x * neg, axis=axis_util.param_reduction_axes(W.ndim, x.ndim))
                out.append(ns.reshape(gw, W.shape))
        return tuple(out)


def prelu(x, W):
    """Parametric relu: ``x`` where ``x >= 0``, else ``W * x``.

    ``W`` has shape ``x.shape[1:1 + W.ndim]`` and is broadcast over axis 0 and
    the trailing axes; it gets a gradient (it is usually an L.PReLU parameter).

    >>> x = np.array([[-1., 2.], [-3., 4.]], dtype=np.float32)
    >>> W = np.array([0.1, 0.5], dtype=np.float32)
    >>> F.prelu(x, W).array
    array([[-0.1,  2. ],
           [-0.3,  4. ]], dtype=float32)
    """
    y, = PReLUFunction().apply((x, W))
    return y
