"""scale, bias (Caffe-style broadcasting from ``axis``) and
linear_interpolate: compositions of differentiable ops."""


def _aligned(x, y, axis, name):
    """``y`` reshaped so that NumPy broadcasting applies it to ``x``'s axes
    ``axis, axis + 1, ...``."""
    from fastgrad.functions.array.reshape import reshape
    from fastgrad.functions.array.broadcast import broadcast_to
    if axis < 0:
        axis += x.ndim
    if x.shape[axis:axis + y.ndim] != y.shape:
        raise ValueError('{}: y.shape {} must equal x.shape[{}:{}] = {}'.format(
            name, y.shape, axis, axis + y.ndim, x.shape[axis:axis + y.ndim]))
    shape = (1,) * axis + y.shape + (1,) * (x.ndim - axis - y.ndim)
    return broadcast_to(reshape(y, shape), x.shape)


def scale(x, y, axis=1):
    """``x * y`` with ``y`` applied to ``x``'s axes from ``axis`` on."""
    from fastgrad._core.graph import as_variable
    x, y = as_variable(x), as_variable(y)
    return x * _aligned(x, y, axis, 'scale')


def bias(x, y, axis=1):
    """``x + y`` with ``y`` applied to ``x``'s axes from ``axis`` on."""
    from fastgrad._core.graph import as_variable
    x, y = as_variable(x), as_variable(y)
    return x + _aligned(x, y, axis, 'bias')


def linear_interpolate(p, x, y):
    """``p * x + (1 - p) * y`` elementwise."""
    from fastgrad._core.graph import as_variable
    p = as_variable(p)
    return p * x + (1 - p) * y
