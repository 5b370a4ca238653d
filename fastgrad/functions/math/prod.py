"""prod over axes; the gradient stays exact where x has zeros."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.math.average import _normalize_axis, _reduced_shape


def _exclusive_prod(a, xp):
    """out[i] = product of a[j] over j != i, along axis 0 (no division, so
    zeros are fine): the prefix product times the suffix product."""
    out = xp.ones_like(a)
    if a.shape[0] > 1:
        out[1:] = xp.cumprod(a[:-1], axis=0)
        out[:-1] *= xp.cumprod(a[:0:-1], axis=0)[::-1]
    return out


def _layout(shape, axes):
    """Move the reduced axes to the front: (permutation, its inverse, the
    permuted shape, (n_reduced, n_kept))."""
    ndim = len(shape)
    reduced = tuple(range(ndim)) if axes is None else axes
    perm = reduced + tuple(i for i in range(ndim) if i not in reduced)
    inv = [0] * ndim
    for i, p in enumerate(perm):
        inv[p] = i
    moved = tuple(shape[p] for p in perm)
    n = utils.size_of_shape(moved[:len(reduced)])
    return perm, tuple(inv), moved, (n, utils.size_of_shape(moved[len(reduced):]))


class Prod(FunctionNode):
    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type('Prod', "x.dtype.kind == 'f'", 'x.dtype = {}'.format(x.dtype))
        self.axis = _normalize_axis(self.axis, x.ndim, 'Prod')
        self.retain_inputs((0,))
        return utils.force_array(x.prod(axis=self.axis, keepdims=self.keepdims), x.dtype),

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        xp = utils.array_module(x)
        perm, inv, moved, flat = _layout(x.shape, self.axis)
        others = _exclusive_prod(x.transpose(perm).reshape(flat), xp)
        others = others.reshape(moved).transpose(inv)
        gy = grad_outputs[0].reshape(_reduced_shape(x.shape, self.axis))
        return utils.force_array(others * gy),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.broadcast import broadcast_to
        from fastgrad.functions.array.reshape import reshape
        from fastgrad.functions.array.transpose import transpose
        x, = self.get_retained_inputs()
        perm, inv, moved, flat = _layout(x.shape, self.axis)
        others, = ExclusiveProd().apply((reshape(transpose(x, perm), flat),))
        others = transpose(reshape(others, moved), inv)
        gy = reshape(grad_outputs[0], _reduced_shape(x.shape, self.axis))
        return others * broadcast_to(gy, x.shape),


class ExclusiveProd(FunctionNode):
    """For a 2-D ``a`` of shape (n, k): ``out[i] = prod_{j != i} a[j]`` along
    axis 0.  Prod's gradient, kept differentiable for double backprop."""

    def forward(self, inputs):
        a, = inputs
        self.retain_inputs((0,))
        return _exclusive_prod(a, utils.array_module(a)),

    # d out[i] / d a[m] = prod_{j not in {i, m}} a[j] for m != i (0 for m == i).
    # With z[i, m] = a[i] for i != m and 1 on the diagonal, that product is the
    # exclusive product of z along axis 0, taken at (i, m).

    def backward_arrays(self, indexes, grad_outputs):
        a, = self.get_retained_input_arrays()
        g = grad_outputs[0]
        xp = utils.array_module(a)
        n, k = a.shape
        off = 1 - xp.eye(n, dtype=a.dtype)[:, :, None]
        z = a[:, None, :] * off + (1 - off)
        e = _exclusive_prod(z.reshape(n, n * k), xp).reshape(n, n, k)
        return utils.force_array((g[:, None, :] * off * e).sum(axis=0)),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.broadcast import broadcast_to
        from fastgrad.functions.array.reshape import reshape
        from fastgrad.functions.math.sum import sum as sum_
        a, = self.get_retained_inputs()
        g = grad_outputs[0]
        xp = utils.array_module(a.array)
        n, k = a.shape
        off = xp.broadcast_to(1 - xp.eye(n, dtype=a.dtype)[:, :, None], (n, n, k))
        z = broadcast_to(reshape(a, (n, 1, k)), (n, n, k)) * off + (1 - off)
        e, = ExclusiveProd().apply((reshape(z, (n, n * k)),))
        e = reshape(e, (n, n, k))
        return sum_(broadcast_to(reshape(g, (n, 1, k)), (n, n, k)) * off * e, axis=0),


def prod(x, axis=None, keepdims=False):
    """Product of elements over ``axis`` (None: all; an int or a tuple of ints).

    The gradient is the product of the *other* elements, computed without
    division, so it is exact where ``x`` has zeros.
    """
    y, = Prod(axis, keepdims).apply((x,))
    return y
