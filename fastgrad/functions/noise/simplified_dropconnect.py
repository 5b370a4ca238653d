"""simplified_dropconnect: a linear layer whose weights are dropped at random
(one op: the node keeps the mask it used, ``y.creator.mask``, as Chainer's)."""
import numpy

from fastgrad import graph_replay, utils
from fastgrad.functions._util.checks import Checks, same_device
from fastgrad.functions._util.recipe import Op

# a graph replay would repeat the host generator's draw on every step
_HOST_RNG = 'its random numbers are drawn by the host-side generator'


class SimplifiedDropconnect(Op):
    __slots__ = ('ratio', 'mask', 'use_batchwise_mask', 'ct')
    checks = Checks('x, W, b?', "x.dtype.kind == 'f'", "W.dtype.kind == 'f'", 'x.ndim >= 2',
                    'W.ndim == 2', 'self.flat_size(x.shape) == W.shape[1]',
                    'b.dtype == x.dtype', 'b.ndim == 1', 'b.shape[0] == W.shape[0]',
                    'self.mask is None or self.mask.shape[-2:] == W.shape',
                    'self.mask is None or self.mask.ndim == 2 '
                    'or self.mask.shape[0] == x.shape[0]')

    @staticmethod
    def flat_size(shape):
        return utils.size_of_shape(shape[1:])

    def __init__(self, ratio, mask=None, use_batchwise_mask=True):
        self.ratio = float(ratio)
        if mask is not None:
            mask = getattr(mask, 'array', mask)
            if mask.ndim not in (2, 3):
                raise ValueError('simplified_dropconnect: mask must be (n, M, N) or (M, N), '
                                 'got shape {}'.format(mask.shape))
        self.mask = mask
        self.use_batchwise_mask = use_batchwise_mask

    def _scaled_mask(self, dtype):
        """mask / (1 - ratio): what multiplies W (a constant of the graph)."""
        return self.mask.astype(dtype) * dtype.type(1. / (1 - self.ratio))

    def forward(self, inputs):
        x, W = inputs[:2]
        xp = utils.array_module(x)
        if self.mask is not None:
            same_device('simplified_dropconnect', 'mask', self.mask, x)
        else:
            n, (m, k) = x.shape[0], W.shape
            shape = (n, m, k) if self.use_batchwise_mask else (m, k)
            graph_replay.refuse('F.simplified_dropconnect', _HOST_RNG)
            self.mask = xp.random.rand(*shape) >= self.ratio
        ct = self.ct = utils.compute_dtype(x.dtype, W.dtype)
        x2 = x.reshape(len(x), -1).astype(ct, copy=False)
        wm = W.astype(ct, copy=False) * self._scaled_mask(ct)
        if wm.ndim == 3:
            y = xp.matmul(wm, x2[:, :, None])[:, :, 0]
        else:
            y = x2 @ wm.T
        if len(inputs) == 3:
            y += inputs[2]
        self.retain_inputs((0, 1))
        return utils.force_array(y.astype(x.dtype, copy=False)),

    def gradient(self, ns, indexes, grad_outputs):
        x, W = ns.inputs(self)
        ct = self.ct
        gy = ns.cast(grad_outputs[0], ct)
        x2 = ns.reshape(ns.cast(x, ct), (x.shape[0], -1))
        sm = self._scaled_mask(numpy.dtype(ct))
        out = []
        for i in indexes:
            if i == 0:
                if sm.ndim == 3:
                    wm = ns.broadcast_to(ns.cast(W, ct), sm.shape) * sm
                    gx = ns.matmul(ns.expand_dims(gy, 1), wm)
                else:
                    gx = ns.matmul(gy, ns.cast(W, ct) * sm)
                out.append(ns.cast(ns.reshape(gx, x.shape), self.inputs[0].dtype))
            elif i == 1:
                if sm.ndim == 3:
                    gW = ns.sum(ns.expand_dims(gy, 2) * ns.expand_dims(x2, 1) * sm, axis=0)
                else:
                    gW = ns.matmul(gy, x2, transa=True) * sm
                out.append(ns.cast(gW, self.inputs[1].dtype))
            else:
                out.append(ns.cast(ns.sum(gy, axis=0), self.inputs[2].dtype))
        return tuple(out)


def simplified_dropconnect(x, W, b=None, ratio=.5, train=True, mask=None,
                           use_batchwise_mask=True):
    """``x W^T + b`` with each weight dropped with probability ``ratio`` (the
    kept ones scaled by ``1 / (1 - ratio)``).

    Args:
        x: input ``(n, ...)``, flattened to ``(n, N)``.
        W: weights ``(M, N)``.
        b: bias ``(M,)`` of x's dtype, or None.
        ratio (float): the probability of dropping a weight.
        train (bool): if False no weight is dropped (a plain linear layer).
        mask: the mask to use (True = kept), ``(n, M, N)`` (one per example)
            or ``(M, N)``; None draws one from ``xp.random``.
        use_batchwise_mask (bool): draw one mask per example.

    Returns:
        Variable ``(n, M)`` of x's dtype; its creator keeps the mask
        (``y.creator.mask``).

    >>> x = np.ones((1, 2), dtype=np.float32)
    >>> W = np.array([[1., 2.], [3., 4.]], dtype=np.float32)
    >>> mask = np.array([[True, False], [True, True]])  # W[0, 1] dropped
    >>> F.simplified_dropconnect(x, W, ratio=0.5, mask=mask).array
    array([[ 2., 14.]], dtype=float32)
    >>> F.simplified_dropconnect(x, W, train=False).array
    array([[3., 7.]], dtype=float32)
    """
    if not train:
        ratio = 0
    inputs = (x, W) if b is None else (x, W, b)
    y, = SimplifiedDropconnect(ratio, mask, use_batchwise_mask).apply(inputs)
    return y
