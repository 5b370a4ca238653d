"""normalize: L2 normalization, ``x / (||x|| + eps)`` along an axis."""
from fastgrad import utils
from fastgrad.functions._util import axis as axis_util
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _axes(axis, ndim):
    out = tuple(a % ndim for a in axis)
    if len(set(out)) != len(out):
        raise ValueError('normalize: duplicate value in axis: {}'.format(axis))
    return out


class NormalizeL2(Op):
    __slots__ = ('eps', 'axis', 'ct', 'norm')
    checks = Checks('x', "x.dtype.kind == 'f'", '-x.ndim <= min(self.axis, default=0)',
                    'max(self.axis, default=-1) < x.ndim')

    def __init__(self, eps=1e-5, axis=1):
        self.eps = float(eps)
        self.axis = axis_util.int_tuple('normalize', 'axis', axis)

    def forward(self, inputs):
        x, = inputs
        self.axis = _axes(self.axis, x.ndim)
        xp = utils.array_module(x)
        ct = self.ct = utils.compute_dtype(x.dtype)
        self.norm = xp.sqrt(xp.square(x, dtype=ct).sum(axis=self.axis, keepdims=True))
        self.retain_inputs((0,))
        return (x / (self.norm + ct.type(self.eps))).astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        ct = self.ct
        xf = ns.cast(x, ct)
        gy = ns.cast(grad_outputs[0], ct)
        if ns.differentiable:
            norm = ns.sum(xf * xf, axis=self.axis, keepdims=True) ** 0.5
        else:
            norm = self.norm                    # forward's
        denom = norm + self.eps
        # gx = gy / (r + eps) - x * sum(gy * x) / (r (r + eps)^2); where r == 0,
        # x is 0 too and the second term vanishes (+ 1 there, a constant, avoids 0 / 0).
        safe = norm + (ns.data(norm) == 0).astype(ct)
        dot = ns.sum(gy * xf, axis=self.axis, keepdims=True)
        gx = gy / denom - xf * dot / (safe * denom * denom)
        return ns.cast(gx, self.inputs[0].dtype),

def normalize(x, eps=1e-5, axis=1):
    """L2 normalization: ``y = x / (sqrt(sum(x ** 2, axis)) + eps)``.

    ``axis`` is an int or a tuple of ints.  The output has ``x``'s shape and
    dtype.

    >>> x = np.array([[3., 4.]], dtype=np.float32)
    >>> F.normalize(x).array
    array([[0.5999988, 0.7999984]], dtype=float32)
    """
    y, = NormalizeL2(eps, axis).apply((x,))
    return y
