"""local_response_normalization: divide by a power of the local energy across channels."""
from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op


def _window_sum(a, half):
    """``s[:, c] = sum of a[:, c - half : c + half + 1]`` (clipped at the ends);
    a loop over the ``half`` channel shifts, each one vectorised."""
    s = a.copy()
    for i in range(1, half + 1):
        s[:, i:] += a[:, :-i]
        s[:, :-i] += a[:, i:]
    return s


class _ChannelWindowSum(Op):
    """The window sum as a node: symmetric, so it is its own adjoint."""
    __slots__ = ('half',)

    def __init__(self, half):
        self.half = half

    def forward(self, inputs):
        return _window_sum(inputs[0], self.half),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.call(_ChannelWindowSum(self.half), grad_outputs)

class LocalResponseNormalization(Op):
    __slots__ = ('n', 'half', 'k', 'alpha', 'beta', 'ct', 'scale')
    checks = Checks('x', "x.dtype.kind == 'f'", 'x.ndim >= 2')

    def __init__(self, n=5, k=2, alpha=1e-4, beta=.75):
        self.n = int(n)
        if self.n < 1:
            raise ValueError('local_response_normalization: n must be >= 1, got {}'.format(n))
        self.half = self.n // 2
        self.k = float(k)
        self.alpha = float(alpha)
        self.beta = float(beta)

    def forward(self, inputs):
        x, = inputs
        xp = utils.array_module(x)
        ct = self.ct = utils.compute_dtype(x.dtype)
        unit = _window_sum(xp.square(x, dtype=ct), self.half)
        unit *= self.alpha
        unit += self.k
        self.scale = unit ** -self.beta
        self.retain_inputs((0,))
        return (x * self.scale).astype(x.dtype, copy=False),

    def gradient(self, ns, indexes, grad_outputs):
        x, = ns.inputs(self)
        ct = self.ct
        xf = ns.cast(x, ct)
        gy = ns.cast(grad_outputs[0], ct)
        # unit = scale ** (-1 / beta) is cheaper to recompute from x than to keep.
        unit, = ns.call(_ChannelWindowSum(self.half), (xf * xf,))
        unit = unit * self.alpha + self.k
        scale = unit ** -self.beta if ns.differentiable else self.scale
        summand = gy * xf * scale / unit
        ws, = ns.call(_ChannelWindowSum(self.half), (summand,))
        gx = gy * scale - (2 * self.alpha * self.beta) * xf * ws
        return ns.cast(gx, self.inputs[0].dtype),

def local_response_normalization(x, n=5, k=2, alpha=1e-4, beta=.75):
    """Local response normalization across channels (axis 1):
    ``y = x / (k + alpha * sum_{c' = c - n//2}^{c + n//2} x_{c'}^2) ** beta``.

    ``x`` has at least two axes; the window is clipped at the first and last
    channel.  The output dtype is ``x``'s.

    >>> x = np.array([[1., 2., 2.]], dtype=np.float32)
    >>> y = F.local_response_normalization(x, n=3, k=1, alpha=1, beta=1)
    >>> np.round(y.array, 4)  # 1 / (1 + 5), 2 / (1 + 9), 2 / (1 + 8)
    array([[0.1667, 0.2   , 0.2222]], dtype=float32)
    """
    y, = LocalResponseNormalization(n, k, alpha, beta).apply((x,))
    return y
