"""Losses composed of differentiable ops: absolute_error, squared_error,
squared_difference, triplet, cross_covariance and decov."""
from fastgrad import utils
from fastgrad._core.graph import as_variable


def _F():
    import fastgrad.functions as F
    return F


def _same(name, x0, x1):
    x0, x1 = as_variable(x0), as_variable(x1)
    if x0.dtype != x1.dtype or x0.shape != x1.shape or x0.dtype.kind != 'f':
        raise utils.invalid_type(
            name, "x0.dtype == x1.dtype, x0.shape == x1.shape, x0.dtype.kind == 'f'",
            'x0: {} {}, x1: {} {}'.format(x0.shape, x0.dtype, x1.shape, x1.dtype))
    return x0, x1


def absolute_error(x0, x1):
    """Elementwise ``|x0 - x1|``.

    >>> x0 = np.array([1., 2., 3.], dtype=np.float32)
    >>> x1 = np.array([2., 2., 1.], dtype=np.float32)
    >>> F.absolute_error(x0, x1).array
    array([1., 0., 2.], dtype=float32)
    """
    x0, x1 = _same('AbsoluteError', x0, x1)
    return _F().absolute(x0 - x1)


def squared_error(x0, x1):
    """Elementwise (x0 - x1)^2.

    >>> x0 = np.array([1., 2., 3.], dtype=np.float32)
    >>> x1 = np.array([2., 2., 1.], dtype=np.float32)
    >>> F.squared_error(x0, x1).array
    array([1., 0., 4.], dtype=float32)
    """
    x0, x1 = _same('SquaredError', x0, x1)
    return _F().square(x0 - x1)


def squared_difference(x1, x2):
    """Elementwise (x1 - x2)^2.

    >>> x1 = np.array([1., 2., 3.], dtype=np.float32)
    >>> x2 = np.array([2., 2., 1.], dtype=np.float32)
    >>> F.squared_difference(x1, x2).array
    array([1., 0., 4.], dtype=float32)
    """
    x1, x2 = _same('SquaredDifference', x1, x2)
    return _F().square(x1 - x2)


def _check_reduce(name, reduce, allowed):
    if reduce not in allowed:
        raise ValueError('{}: only {} are valid for reduce, but {!r} is given'.format(
            name, ' and '.join(repr(a) for a in allowed), reduce))


def triplet(anchor, positive, negative, margin=0.2, reduce='mean'):
    """``max(0, |a - p|^2 - |a - n|^2 + margin)`` per example (rows of (N, K)
    inputs); the mean over examples unless ``reduce='no'``.

    >>> a = np.array([[0., 0.], [1., 1.]], dtype=np.float32)
    >>> p = np.array([[0., 1.], [1., 1.]], dtype=np.float32)
    >>> n = np.array([[2., 0.], [1., 0.]], dtype=np.float32)
    >>> F.triplet(a, p, n, margin=4., reduce='no').array
    array([1., 3.], dtype=float32)
    >>> float(F.triplet(a, p, n, margin=4.).array)
    2.0
    """
    _check_reduce('triplet', reduce, ('mean', 'no'))
    F = _F()
    a, p, n = (as_variable(v) for v in (anchor, positive, negative))
    if not (a.shape == p.shape == n.shape) or a.ndim != 2 or margin <= 0:
        raise ValueError('triplet: anchor, positive and negative must share one '
                         '(N, K) shape and margin must be positive; got {}, {}, {} '
                         'and margin {}'.format(a.shape, p.shape, n.shape, margin))
    d = F.sum(F.square(a - p), axis=1) - F.sum(F.square(a - n), axis=1)
    loss = F.relu(d + margin)
    return F.mean(loss) if reduce == 'mean' else loss


def _centered(x):
    F = _F()
    return x - F.broadcast_to(F.mean(x, axis=0, keepdims=True), x.shape)


def cross_covariance(y, z, reduce='half_squared_sum'):
    """The cross-covariance of the columns of y (N, D1) and z (N, D2):
    half the sum of its squares, or the (D1, D2) matrix with
    ``reduce='no'``.

    >>> y = np.array([[1., 0.], [0., 1.], [1., 1.]], dtype=np.float32)
    >>> z = np.array([[1.], [0.], [2.]], dtype=np.float32)
    >>> np.round(F.cross_covariance(y, z, reduce='no').array, 4)
    array([[0.3333],
           [0.    ]], dtype=float32)
    >>> round(float(F.cross_covariance(y, z).array), 4)
    0.0556
    """
    _check_reduce('cross_covariance', reduce, ('half_squared_sum', 'no'))
    F = _F()
    y, z = as_variable(y), as_variable(z)
    cov = F.matmul(_centered(y), _centered(z), transa=True) / y.shape[0]
    return 0.5 * F.sum(F.square(cov)) if reduce == 'half_squared_sum' else cov


def decov(h, reduce='half_squared_sum'):
    """DeCov: the off-diagonal covariance of the columns of h (N, D): half the
    sum of its squares, or the (D, D) matrix with ``reduce='no'``.

    >>> h = np.array([[1., 0.], [0., 1.], [1., 1.]], dtype=np.float32)
    >>> np.round(F.decov(h, reduce='no').array, 4)
    array([[ 0.    , -0.1111],
           [-0.1111,  0.    ]], dtype=float32)
    >>> round(float(F.decov(h).array), 4)
    0.0123
    """
    _check_reduce('decov', reduce, ('half_squared_sum', 'no'))
    F = _F()
    h = as_variable(h)
    if h.ndim != 2 or h.dtype.kind != 'f':
        raise utils.invalid_type('DeCov', "h.dtype.kind == 'f', h.ndim == 2",
                                 'h: {} {}'.format(h.shape, h.dtype))
    hc = _centered(h)
    cov = F.matmul(hc, hc, transa=True) / h.shape[0]
    xp = utils.array_module(h.array)
    off = ~xp.eye(h.shape[1], dtype=bool)
    cov = F.where(off, cov, xp.zeros(cov.shape, cov.dtype))
    return 0.5 * F.sum(F.square(cov)) if reduce == 'half_squared_sum' else cov
