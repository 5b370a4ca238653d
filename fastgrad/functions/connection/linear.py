"""linear(x, W, b) = x @ W.T + b; which backend computes the products
(BLAS, fastgrad_cuda, cuBLAS, the array module) is decided in fastgrad/_gemm.py."""
from fastgrad import _gemm
from fastgrad import utils
from fastgrad.functions._util.recipe import Op


def _check_types(x, W, b):
    name = 'LinearFunction'
    if x.dtype.kind != 'f':
        raise utils.invalid_type(name, "x.dtype.kind == 'f'", 'x.dtype = {}'.format(x.dtype))
    if W.dtype.kind != 'f':
        raise utils.invalid_type(name, "W.dtype.kind == 'f'", 'W.dtype = {}'.format(W.dtype))
    if x.ndim != 2:
        raise utils.invalid_type(name, 'x.ndim == 2', '{} != 2'.format(x.ndim))
    if W.ndim != 2:
        raise utils.invalid_type(name, 'W.ndim == 2', '{} != 2'.format(W.ndim))
    if x.shape[1] != W.shape[1]:
        raise utils.invalid_type(name, 'x.shape[1] == W.shape[1]',
                                 '{} != {}'.format(x.shape[1], W.shape[1]))
    if b is not None:
        if b.dtype != x.dtype:
            raise utils.invalid_type(name, 'b.dtype == x.dtype',
                                     '{} != {}'.format(b.dtype, x.dtype))
        if b.ndim != 1:
            raise utils.invalid_type(name, 'b.ndim == 1', '{} != 1'.format(b.ndim))
        if b.shape[0] != W.shape[0]:
            raise utils.invalid_type(name, 'b.shape[0] == W.shape[0]',
                                     '{} != {}'.format(b.shape[0], W.shape[0]))


class LinearFunction(Op):
    __slots__ = ()

    def forward(self, inputs):
        x, W = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) == 3 else None
        _check_types(x, W, b)
        self.retain_inputs((0, 1))
        return _gemm.linear_forward(x, W, b),

    def gradient(self, ns, indexes, grad_outputs):
        x, W = ns.inputs(self)
        gy = grad_outputs[0]
        out = []
        for i in indexes:
            if i == 0:      # gy @ W
                out.append(self._grad_x(ns, gy, W, x.dtype))
            elif i == 1:    # gy.T @ x
                out.append(self._grad_W(ns, gy, x, W.dtype))
            else:
                out.append(self._grad_b(ns, gy))
        return tuple(out)

    # The products go through linear itself on Variables and through the GEMM
    # dispatch (_gemm) on arrays.
    @staticmethod
    def _grad_x(ns, gy, W, dtype):
        if ns.differentiable:
            return ns.cast(linear(gy, ns.transpose(ns.cast(W, gy.dtype))), dtype)
        return _gemm.linear_grad_x(gy, W, dtype)

    @staticmethod
    def _grad_W(ns, gy, x, dtype):
        if ns.differentiable:
            return ns.cast(linear(ns.transpose(gy), ns.transpose(ns.cast(x, gy.dtype))), dtype)
        return _gemm.linear_grad_W(gy, x, dtype)

    @staticmethod
    def _grad_b(ns, gy):
        if ns.differentiable:
            return ns.sum(gy, axis=0)
        return _gemm.bias_grad(gy)


def linear(x, W, b=None, n_batch_axes=1):
    """``x @ W.T + b``.  W has shape (out_size, in_size).

    The first ``n_batch_axes`` axes of ``x`` are batch axes; the rest are
    flattened into the feature axis.  The output dtype is ``x``'s.
    """
    from fastgrad.functions.array.reshape import reshape
    if n_batch_axes <= 0:
        raise ValueError('linear: n_batch_axes must be greater than 0, got {}'
                         .format(n_batch_axes))
    batch_shape = None
    if n_batch_axes > 1:
        batch_shape = tuple(x.shape[:n_batch_axes])
        x = reshape(x, (utils.size_of_shape(batch_shape), -1))
    elif x.ndim > 2:
        x = reshape(x, (x.shape[0], -1))
    args = (x, W) if b is None else (x, W, b)
    y, = LinearFunction().apply(args)
    if batch_shape is not None:
        y = reshape(y, batch_shape + (-1,))
    return y
