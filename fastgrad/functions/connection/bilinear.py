"""bilinear: y[i, l] = sum_jk e1[i, j] e2[i, k] W[j, k, l] (+ e1 V1 + e2 V2 + b)."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode

_NAME = 'BilinearFunction'


def _check_types(inputs):
    e1, e2, W = inputs[:3]
    names = ('e1', 'e2', 'W', 'V1', 'V2', 'b')
    for name, a in zip(names, inputs):
        if a.dtype.kind != 'f':
            raise utils.invalid_type(_NAME, "{}.dtype.kind == 'f'".format(name),
                                     '{}.dtype = {}'.format(name, a.dtype))
        if a.dtype != e1.dtype:
            raise utils.invalid_type(_NAME, '{}.dtype == e1.dtype'.format(name),
                                     '{} != {}'.format(a.dtype, e1.dtype))
    if e1.ndim < 2:
        raise utils.invalid_type(_NAME, 'e1.ndim >= 2', 'e1.ndim = {}'.format(e1.ndim))
    if e2.ndim < 2:
        raise utils.invalid_type(_NAME, 'e2.ndim >= 2', 'e2.ndim = {}'.format(e2.ndim))
    if e1.shape[0] != e2.shape[0]:
        raise utils.invalid_type(_NAME, 'e1.shape[0] == e2.shape[0]',
                                 '{} != {}'.format(e1.shape[0], e2.shape[0]))
    if W.ndim != 3:
        raise utils.invalid_type(_NAME, 'W.ndim == 3', 'W.ndim = {}'.format(W.ndim))
    j = utils.size_of_shape(e1.shape[1:])
    k = utils.size_of_shape(e2.shape[1:])
    if j != W.shape[0]:
        raise utils.invalid_type(_NAME, 'prod(e1.shape[1:]) == W.shape[0]',
                                 '{} != {}'.format(j, W.shape[0]))
    if k != W.shape[1]:
        raise utils.invalid_type(_NAME, 'prod(e2.shape[1:]) == W.shape[1]',
                                 '{} != {}'.format(k, W.shape[1]))
    if len(inputs) == 6:
        out = W.shape[2]
        V1, V2, b = inputs[3:]
        for name, a, shape in (('V1', V1, (W.shape[0], out)), ('V2', V2, (W.shape[1], out)),
                               ('b', b, (out,))):
            if a.shape != shape:
                raise utils.invalid_type(_NAME, '{}.shape == {}'.format(name, shape),
                                         '{}.shape = {}'.format(name, a.shape))


def _outer(a, b, mul, reshape):
    """(N, J), (N, K) -> (N, J*K) with [n, j*K + k] = a[n, j] * b[n, k]."""
    n, j = a.shape
    k = b.shape[1]
    return reshape(mul(reshape(a, (n, j, 1)), reshape(b, (n, 1, k))), (n, j * k))


class BilinearFunction(FunctionNode):
    def forward(self, inputs):
        _check_types(inputs)
        self.retain_inputs(tuple(range(len(inputs))))
        e1, e2, W = inputs[:3]
        xp = utils.array_module(e1)
        n = e1.shape[0]
        e1 = e1.reshape(n, -1)
        e2 = e2.reshape(n, -1)
        out = W.shape[2]
        mm = utils.matmul       # all operands are 2-D here: dot == matmul
        y = mm(_outer(e1, e2, xp.multiply, xp.reshape), W.reshape(-1, out))
        if len(inputs) == 6:
            V1, V2, b = inputs[3:]
            y += mm(e1, V1)
            y += mm(e2, V2)
            y += b
        return utils.force_array(y),

    def backward_arrays(self, indexes, grad_outputs):
        inputs = self.get_retained_input_arrays()
        e1_in, e2_in, W = inputs[:3]
        xp = utils.array_module(W)
        gy = grad_outputs[0]
        n = e1_in.shape[0]
        e1 = e1_in.reshape(n, -1)
        e2 = e2_in.reshape(n, -1)
        J, K, L = W.shape
        mm = utils.matmul       # all operands are 2-D here: dot == matmul
        out = []
        for i in indexes:
            if i == 0:
                g = mm(_outer(e2, gy, xp.multiply, xp.reshape), W.reshape(J, K * L).T)
                if len(inputs) == 6:
                    g += mm(gy, inputs[3].T)
                out.append(g.reshape(e1_in.shape))
            elif i == 1:
                Wt = W.transpose(0, 2, 1).reshape(J * L, K)
                g = mm(_outer(e1, gy, xp.multiply, xp.reshape), Wt)
                if len(inputs) == 6:
                    g += mm(gy, inputs[4].T)
                out.append(g.reshape(e2_in.shape))
            elif i == 2:
                out.append(mm(_outer(e1, e2, xp.multiply, xp.reshape).T, gy).reshape(J, K, L))
            elif i == 3:
                out.append(mm(e1.T, gy))
            elif i == 4:
                out.append(mm(e2.T, gy))
            else:
                out.append(gy.sum(axis=0))
        return tuple(out)

    def backward(self, indexes, grad_outputs):
        # The same formulas in differentiable ops: every term is multilinear,
        # so the result differentiates again.
        from fastgrad.functions.array.reshape import reshape
        from fastgrad.functions.array.transpose import transpose
        from fastgrad.functions.math.basic_math import mul
        from fastgrad.functions.math.matmul import matmul
        from fastgrad.functions.math.sum import sum as sum_
        inputs = self.get_retained_inputs()
        e1_in, e2_in, W = inputs[:3]
        gy = grad_outputs[0]
        n = e1_in.shape[0]
        e1 = reshape(e1_in, (n, -1))
        e2 = reshape(e2_in, (n, -1))
        J, K, L = W.shape
        out = []
        for i in indexes:
            if i == 0:
                g = matmul(_outer(e2, gy, mul, reshape), reshape(W, (J, K * L)), transb=True)
                if len(inputs) == 6:
                    g = g + matmul(gy, inputs[3], transb=True)
                out.append(reshape(g, e1_in.shape))
            elif i == 1:
                Wt = reshape(transpose(W, (0, 2, 1)), (J * L, K))
                g = matmul(_outer(e1, gy, mul, reshape), Wt)
                if len(inputs) == 6:
                    g = g + matmul(gy, inputs[4], transb=True)
                out.append(reshape(g, e2_in.shape))
            elif i == 2:
                out.append(reshape(matmul(_outer(e1, e2, mul, reshape), gy, transa=True),
                                   (J, K, L)))
            elif i == 3:
                out.append(matmul(e1, gy, transa=True))
            elif i == 4:
                out.append(matmul(e2, gy, transa=True))
            else:
                out.append(sum_(gy, axis=0))
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
