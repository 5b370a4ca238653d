"""Random-mask regularizers built from differentiable ops:
simplified_dropconnect and gumbel_softmax.  The masks are constants of the
graph, so one draw serves both backward and double backward."""

from fastgrad._core.graph import as_variable


def _xp(v):
    from fastgrad import backend
    return backend.get_array_module(getattr(v, 'array', v))


def simplified_dropconnect(x, W, b=None, ratio=.5, train=True, mask=None,
                           use_batchwise_mask=True):
    """``x W^T + b`` with each weight dropped with probability ``ratio`` (the
    kept ones scaled by 1 / (1 - ratio)); one mask per example with
    ``use_batchwise_mask``.  ``mask`` gives the mask (True = kept) instead of
    drawing one; ``train=False`` uses no mask."""
    import fastgrad.functions as F
    x, W = as_variable(x), as_variable(W)
    if not train:
        ratio = 0
    x2 = F.reshape(x, (x.shape[0], -1))
    xp = _xp(W)
    n, (m, k) = x2.shape[0], W.shape
    if mask is None:
        shape = (n, m, k) if use_batchwise_mask else (m, k)
        mask = xp.random.rand(*shape) >= ratio
    mask = getattr(mask, 'array', mask)
    scale = W.dtype.type(1. / (1 - ratio))
    dropped = mask.astype(W.dtype) * scale
    if mask.ndim == 3:
        Wm = F.broadcast_to(W, mask.shape) * dropped
        y = F.reshape(F.matmul(Wm, F.expand_dims(x2, 2)), (n, m))
    else:
        y = F.matmul(x2, W * dropped, transb=True)
    if y.dtype != x.dtype:
        y = F.cast(y, x.dtype)      # as Chainer: the output has x's dtype
    return y if b is None else y + F.broadcast_to(b, y.shape)


def gumbel_softmax(log_pi, tau=0.1, axis=1):
    """A sample of the Gumbel-softmax (concrete) distribution with logits
    ``log_pi`` and temperature ``tau`` along ``axis``."""
    import fastgrad.functions as F
    log_pi = as_variable(log_pi)
    xp = _xp(log_pi)
    g = xp.random.gumbel(size=log_pi.shape).astype(log_pi.dtype)
    return F.softmax((log_pi + g) / tau, axis=axis)


