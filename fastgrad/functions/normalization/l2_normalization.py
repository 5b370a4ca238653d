"""normalize: L2 normalization, ``x / (||x|| + eps)`` along an axis."""
from fastgrad import utils
from fastgrad._core.graph import FunctionNode
from fastgrad.functions.normalization.batch_normalization import compute_dtype

_NAME = 'NormalizeL2'


def _axes(axis, ndim):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise utils.invalid_type(_NAME, '-x.ndim <= axis < x.ndim',
                                     'axis = {}, x.ndim = {}'.format(a, ndim))
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError('normalize: duplicate value in axis: {}'.format(axis))
    return tuple(out)


class NormalizeL2(FunctionNode):
    def __init__(self, eps=1e-5, axis=1):
        self.eps = float(eps)
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type(_NAME, "x.dtype.kind == 'f'",
                                     'x.dtype = {}'.format(x.dtype))
        self.axis = _axes(self.axis, x.ndim)
        xp = utils.array_module(x)
        ct = self.ct = compute_dtype(x.dtype)
        self.norm = xp.sqrt(xp.square(x, dtype=ct).sum(axis=self.axis, keepdims=True))
        self.retain_inputs((0,))
        return (x / (self.norm + ct.type(self.eps))).astype(x.dtype, copy=False),

    def backward_arrays(self, indexes, grad_outputs):
        x, = self.get_retained_input_arrays()
        xp = utils.array_module(x)
        gy = grad_outputs[0]
        norm = self.norm
        denom = norm + norm.dtype.type(self.eps)
        # gx = gy / (r + eps) - x * sum(gy * x) / (r (r + eps)^2); where r == 0,
        # x is 0 too and the second term vanishes (r -> 1 avoids 0 / 0).
        safe = xp.where(norm == 0, 1, norm)
        dot = xp.multiply(gy, x, dtype=self.ct).sum(axis=self.axis, keepdims=True)
        gx = gy / denom - x * (dot / (safe * denom * denom))
        return gx.astype(x.dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.cast import cast
        from fastgrad.functions.math.sum import sum as sum_
        x, = self.get_retained_inputs()
        ct = self.ct
        xf = cast(x, ct)
        gy = cast(grad_outputs[0], ct)
        norm = sum_(xf * xf, axis=self.axis, keepdims=True) ** 0.5
        denom = norm + self.eps
        # + 1 where the norm is 0: a constant, so the gradient is unchanged elsewhere.
        safe = norm + (norm.array == 0).astype(ct)
        dot = sum_(gy * xf, axis=self.axis, keepdims=True)
        gx = gy / denom - xf * dot / (safe * denom * denom)
        return cast(gx, x.dtype),


def normalize(x, eps=1e-5, axis=1):
    """L2 normalization: ``y = x / (sqrt(sum(x ** 2, axis)) + eps)``.

    ``axis`` is an int or a tuple of ints.  The output has ``x``'s shape and
    dtype.
    """
    y, = NormalizeL2(eps, axis).apply((x,))
    return y
