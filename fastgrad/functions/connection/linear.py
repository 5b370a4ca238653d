"""linear(x, W, b) = x @ W.T + b; which backend computes the products
(BLAS, fastgrad_cuda, cuBLAS, the array module) is decided in fastgrad/_gemm.py."""
from fastgrad import _gemm, utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


class LinearFunction(Op):
    __slots__ = ()
    # the hot path: no more conditions than these
    checks = Checks('x, W, b?', "x.dtype.kind == 'f'", "W.dtype.kind == 'f'",
                    'x.ndim == 2', 'W.ndim == 2', 'x.shape[1] == W.shape[1]',
                    'b.dtype == x.dtype', 'b.ndim == 1', 'b.shape[0] == W.shape[0]')

    def forward(self, inputs):
        x, W = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) == 3 else None
        self.retain_inputs((0, 1))
        return _gemm.linear_forward(x, W, b),

    def gradient(self, ns, indexes, grad_outputs):
        x, W = ns.inputs(self)
        gy = grad_outputs[0]
        out = []
        if not ns.differentiable:
            # raw arrays: the GEMM dispatch (_gemm) picks BLAS, fastgrad_cuda or cuBLAS
            for i in indexes:
                if i == 0:
                    out.append(_gemm.linear_grad_x(gy, W, x.dtype))
                elif i == 1:
                    out.append(_gemm.linear_grad_W(gy, x, W.dtype))
                else:
                    out.append(_gemm.bias_grad(gy))
            return tuple(out)
        # Variables: the same products through linear itself, so differentiable
        for i in indexes:
            if i == 0:      # gy @ W
                out.append(ns.cast(linear(gy, ns.transpose(ns.cast(W, gy.dtype))), x.dtype))
            elif i == 1:    # gy.T @ x
                out.append(ns.cast(linear(ns.transpose(gy), ns.transpose(ns.cast(x, gy.dtype))),
                                   W.dtype))
            else:
                out.append(ns.sum(gy, axis=0))
        return tuple(out)


def linear(x, W, b=None, n_batch_axes=1):
    """``x @ W.T + b``.  W has shape (out_size, in_size).

    The first ``n_batch_axes`` axes of ``x`` are batch axes; the rest are
    flattened into the feature axis.  The output dtype is ``x``'s.

    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> W = np.array([[1., 1.], [0., 2.], [1., -1.]], dtype=np.float32)
    >>> b = np.array([0., 0., 1.], dtype=np.float32)
    >>> F.linear(x, W, b).array
    array([[3., 4., 0.]], dtype=float32)
    >>> x3 = np.ones((2, 3, 4), dtype=np.float32)
    >>> F.linear(x3, np.ones((5, 4), dtype=np.float32), n_batch_axes=2).shape
    (2, 3, 5)
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
