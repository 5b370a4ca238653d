"""prod over axes; the gradient stays exact where x has zeros."""
from fastgrad import utils
from fastgrad.functions._util import axis as axis_util
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


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


class Prod(Op):
    __slots__ = ('axis', 'keepdims')
    checks = Checks('x', "x.dtype.kind == 'f'")

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs):
        x, = inputs
        self.axis = axis_util.reduction_axes(self.label, self.axis, x.ndim)
        self.retain_inputs((0,))
        return utils.force_array(x.prod(axis=self.axis, keepdims=self.keepdims), x.dtype),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        perm, inv, moved, flat = _layout(x.shape, self.axis)
        others, = ns.call(ExclusiveProd(), (ns.reshape(ns.transpose(x, perm), flat),))
        others = ns.transpose(ns.reshape(others, moved), inv)
        gy = ns.reshape(grad_outputs[0], axis_util.keepdims_shape(x.shape, self.axis))
        return others * ns.broadcast_to(gy, x.shape),


class ExclusiveProd(Op):
    """For a 2-D ``a`` of shape (n, k): ``out[i] = prod_{j != i} a[j]`` along
    axis 0.  Prod's gradient, kept differentiable for double backprop."""
    __slots__ = ()

    def forward(self, inputs):
        a, = inputs
        self.retain_inputs((0,))
        return _exclusive_prod(a, utils.array_module(a)),

    # d out[i] / d a[m] = prod_{j not in {i, m}} a[j] for m != i (0 for m == i).
    # With z[i, m] = a[i] for i != m and 1 on the diagonal, that product is the
    # exclusive product of z along axis 0, taken at (i, m).

    def gradient(self, ns, indexes, grad_outputs):
        a, = ns.inputs(self)
        g = grad_outputs[0]
        ad = ns.data(a)
        xp = utils.array_module(ad)
        n, k = ad.shape
        off = xp.broadcast_to(1 - xp.eye(n, dtype=ad.dtype)[:, :, None], (n, n, k))
        z = ns.broadcast_to(ns.reshape(a, (n, 1, k)), (n, n, k)) * off + (1 - off)
        e, = ns.call(ExclusiveProd(), (ns.reshape(z, (n, n * k)),))
        e = ns.reshape(e, (n, n, k))
        return ns.sum(ns.broadcast_to(ns.reshape(g, (n, 1, k)), (n, n, k)) * off * e, axis=0),


def prod(x, axis=None, keepdims=False):
    """Product of elements over ``axis`` (None: all; an int or a tuple of ints).

    The gradient is the product of the *other* elements, computed without
    division, so it is exact where ``x`` has zeros.

    >>> F.prod(np.array([[1., 2., 3.], [4., 5., 6.]], np.float32), axis=1).array
    array([  6., 120.], dtype=float32)
    >>> x = Variable(np.array([2., 0., 4.], np.float32))
    >>> F.prod(x).backward(); x.grad
    array([0., 8., 0.], dtype=float32)
    """
    y, = Prod(axis, keepdims).apply((x,))
    return y
