"""bilinear: y[i, l] = sum_jk e1[i, j] e2[i, k] W[j, k, l] (+ e1 V1 + e2 V2 + b)."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

_NAME = 'BilinearFunction'


def _check_sizes(e1, e2, W):
    # prod() of a shape is not an expression Checks can evaluate
    j = utils.size_of_shape(e1.shape[1:])
    k = utils.size_of_shape(e2.shape[1:])
    if j != W.shape[0]:
        raise utils.invalid_type(_NAME, 'prod(e1.shape[1:]) == W.shape[0]',
                                 '{} != {}'.format(j, W.shape[0]))
    if k != W.shape[1]:
        raise utils.invalid_type(_NAME, 'prod(e2.shape[1:]) == W.shape[1]',
                                 '{} != {}'.format(k, W.shape[1]))


def _outer(a, b, reshape):
    """(N, J), (N, K) -> (N, J*K) with [n, j*K + k] = a[n, j] * b[n, k]."""
    n, j = a.shape
    k = b.shape[1]
    return reshape(reshape(a, (n, j, 1)) * reshape(b, (n, 1, k)), (n, j * k))


class BilinearFunction(Op):
    __slots__ = ()
    checks = Checks('e1, e2, W, V1?, V2?, b?', "e1.dtype.kind == 'f'",
                    'e2.dtype == e1.dtype', 'W.dtype == e1.dtype', 'V1.dtype == e1.dtype',
                    'V2.dtype == e1.dtype', 'b.dtype == e1.dtype',
                    'e1.ndim >= 2', 'e2.ndim >= 2', 'e1.shape[0] == e2.shape[0]', 'W.ndim == 3',
                    'V1.shape == (W.shape[0], W.shape[2])',
                    'V2.shape == (W.shape[1], W.shape[2])', 'b.shape == (W.shape[2],)')

    def forward(self, inputs):
        e1, e2, W = inputs[:3]
        _check_sizes(e1, e2, W)
        self.retain_inputs(tuple(range(len(inputs))))
        xp = utils.array_module(e1)
        n = e1.shape[0]
        e1 = e1.reshape(n, -1)
        e2 = e2.reshape(n, -1)
        out = W.shape[2]
        mm = utils.matmul       # all operands are 2-D here: dot == matmul
        y = mm(_outer(e1, e2, xp.reshape), W.reshape(-1, out))
        if len(inputs) == 6:
            V1, V2, b = inputs[3:]
            y += mm(e1, V1)
            y += mm(e2, V2)
            y += b
        return utils.force_array(y),

    def gradient(self, ns, indexes, grad_outputs):
        # every term is multilinear, so on Variables the result differentiates again
        inputs = ns.inputs(self)
        e1_in, e2_in, W = inputs[:3]
        gy = grad_outputs[0]
        n = e1_in.shape[0]
        e1 = ns.reshape(e1_in, (n, -1))
        e2 = ns.reshape(e2_in, (n, -1))
        J, K, L = W.shape
        out = []
        for i in indexes:
            if i == 0:
                g = ns.matmul(_outer(e2, gy, ns.reshape), ns.reshape(W, (J, K * L)),
                              transb=True)
                if len(inputs) == 6:
                    g = g + ns.matmul(gy, inputs[3], transb=True)
                out.append(ns.reshape(g, e1_in.shape))
            elif i == 1:
                Wt = ns.reshape(ns.transpose(W, (0, 2, 1)), (J * L, K))
                g = ns.matmul(_outer(e1, gy, ns.reshape), Wt)
                if len(inputs) == 6:
                    g = g + ns.matmul(gy, inputs[4], transb=True)
                out.append(ns.reshape(g, e2_in.shape))
            elif i == 2:
                out.append(ns.reshape(ns.matmul(_outer(e1, e2, ns.reshape), gy, transa=True),
                                      (J, K, L)))
            elif i == 3:
                out.append(ns.matmul(e1, gy, transa=True))
            elif i == 4:
                out.append(ns.matmul(e2, gy, transa=True))
            else:
                out.append(ns.sum(gy, axis=0))
        return tuple(out)

def bilinear(e1, e2, W, V1=None, V2=None, b=None):
    """Bilinear function (the Neural Tensor Network layer).

    ``y[i, l] = sum_{j,k} e1[i, j] e2[i, k] W[j, k, l]
    + sum_j e1[i, j] V1[j, l] + sum_k e2[i, k] V2[k, l] + b[l]``.

    ``e1`` is ``(I, J)`` and ``e2`` ``(I, K)`` (more axes are flattened after the
    first, the batch axis), ``W`` is ``(J, K, L)``, ``V1`` ``(J, L)``, ``V2``
    ``(K, L)`` and ``b`` ``(L,)``.  The three linear terms are given all
    together or not at all.  The output is ``(I, L)``.  All inputs share one
    float dtype (Chainer accepts float32 only; float16 and float64 work here too).

    >>> e1 = np.ones((1, 2), dtype=np.float32)
    >>> e2 = np.ones((1, 3), dtype=np.float32)
    >>> W = np.ones((2, 3, 4), dtype=np.float32)
    >>> F.bilinear(e1, e2, W).array
    array([[6., 6., 6., 6.]], dtype=float32)
    """
    flags = [V1 is None, V2 is None, b is None]
    if any(flags):
        if not all(flags):
            raise ValueError('bilinear: V1, V2 and b must all be None or all be given '
                             '(got V1 {}, V2 {}, b {})'.format(
                                 *('None' if f else 'given' for f in flags)))
        y, = BilinearFunction().apply((e1, e2, W))
    else:
        y, = BilinearFunction().apply((e1, e2, W, V1, V2, b))
    return y
