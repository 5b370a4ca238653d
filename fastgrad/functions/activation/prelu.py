"""prelu(x, W) = x for x >= 0, W * x otherwise; W broadcast along axis 1."""
from fastgrad import utils
from fastgrad.functions._util.recipe import Op
from fastgrad.functions.activation.swish import _extended_shape, _reduction_axes


class PReLUFunction(Op):
    __slots__ = ()

    def forward(self, inputs):
        x, W = inputs
        name = 'PReLUFunction'
        if x.dtype.kind != 'f':
            raise utils.invalid_type(name, "x.dtype.kind == 'f'", 'x.dtype = {}'.format(x.dtype))
        if W.dtype != x.dtype:
            raise utils.invalid_type(name, 'W.dtype == x.dtype',
                                     '{} != {}'.format(W.dtype, x.dtype))
        if x.ndim < W.ndim + 1:
            raise utils.invalid_type(name, 'x.ndim >= W.ndim + 1',
                                     'x.ndim = {}, W.ndim = {}'.format(x.ndim, W.ndim))
        if W.shape != x.shape[1:1 + W.ndim]:
            raise utils.invalid_type(name, 'x.shape[1:1 + W.ndim] == W.shape',
                                     'x.shape = {}, W.shape = {}'.format(x.shape, W.shape))
        xp = utils.array_module(x)
        w = W.reshape(_extended_shape(W.shape, x.ndim))
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
                w = ns.broadcast_to(ns.reshape(W, _extended_shape(W.shape, x.ndim)), x.shape)
                out.append(ns.where(neg, gy * w, gy))
            else:
                gw = ns.sum(gy * x * neg, axis=_reduction_axes(W.ndim, x.ndim))
                out.append(ns.reshape(gw, W.shape))
        return tuple(out)


def prelu(x, W):
    """Parametric relu: ``x`` where ``x >= 0``, else ``W * x``.

    ``W`` has shape ``x.shape[1:1 + W.ndim]`` and is broadcast over axis 0 and
    the trailing axes; it gets a gradient (it is usually an L.PReLU parameter).
    """
    y, = PReLUFunction().apply((x, W))
    return y
