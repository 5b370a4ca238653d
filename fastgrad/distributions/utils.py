"""``chainer.distributions.utils``: helpers Chainer's distribution code and
tests use."""


def _modified_xlogx(x):
    """x * log(x) with 0 * log(0) = 0, differentiable (a Variable)."""
    import fastgrad.functions as F
    from fastgrad import backend
    from fastgrad._core.graph import as_variable
    x = as_variable(x)
    xp = backend.get_array_module(x.array)
    zero = x.array == 0
    safe = F.where(zero, xp.ones_like(x.array), x)
    return F.where(zero, xp.zeros_like(x.array), x * F.log(safe))


