"""Rearrangements built from reshape, transpose, flip and concat: dstack,
fliplr, flipud, depth2space and space2depth."""
from fastgrad import utils
from fastgrad.functions.array.concat import concat
from fastgrad.functions.array.flip import flip
from fastgrad.functions.array.reshape import reshape
from fastgrad.functions.array.transpose import transpose


def dstack(xs):
    """Stack along the third axis (NumPy's dstack): 1-D (N,) arrays become
    (1, N, 1), 2-D (M, N) become (M, N, 1).

    >>> a = np.array([1., 2.], dtype=np.float32)
    >>> F.dstack((a, a)).shape
    (1, 2, 2)
    """
    if len(xs) == 0:
        raise ValueError('dstack: need at least one array')
    for i, x in enumerate(xs[1:], 1):
        if x.ndim != xs[0].ndim:
            # (1,) and () would both stack as (1, 1, 1): Chainer rejects it
            raise utils.invalid_type('dstack', 'x0.ndim == x{}.ndim'.format(i),
                                     '{} != {}'.format(xs[0].ndim, x.ndim))
    parts = []
    for x in xs:
        if x.ndim == 1:
            x = reshape(x, (1, x.shape[0], 1))
        elif x.ndim == 2:
            x = reshape(x, x.shape + (1,))
        elif x.ndim == 0:
            x = reshape(x, (1, 1, 1))
        parts.append(x)
    return concat(parts, axis=2)


def fliplr(a):
    """Reverse the columns (axis 1); ``a`` must be at least 2-D.

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.fliplr(x).array
    array([[2., 1., 0.],
           [5., 4., 3.]], dtype=float32)
    """
    if a.ndim < 2:
        raise ValueError('fliplr: input must be at least 2-D, got ndim {}'.format(a.ndim))
    return flip(a, 1)


def flipud(a):
    """Reverse the rows (axis 0); ``a`` must be at least 1-D.

    >>> x = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.flipud(x).array
    array([[3., 4., 5.],
           [0., 1., 2.]], dtype=float32)
    """
    if a.ndim < 1:
        raise ValueError('flipud: input must be at least 1-D, got ndim 0')
    return flip(a, 0)


def _check_4d(name, X, r):
    if X.ndim != 4:
        raise ValueError('{}: X must be 4-D (batch, channel, height, width), got '
                         'shape {}'.format(name, X.shape))
    if not isinstance(r, int) or r < 1:
        raise ValueError('{}: r must be a positive int, got {!r}'.format(name, r))


def depth2space(X, r):
    """(n, r*r*c, h, w) -> (n, c, h*r, w*r): channel block (i, j) fills the
    pixels at offset (i, j) of each r x r cell.

    >>> x = np.arange(4, dtype=np.float32).reshape(1, 4, 1, 1)
    >>> F.depth2space(x, 2).array
    array([[[[0., 1.],
             [2., 3.]]]], dtype=float32)
    """
    _check_4d('depth2space', X, r)
    n, rrc, h, w = X.shape
    if rrc % (r * r):
        raise ValueError('depth2space: the channel count {} is not a multiple of '
                         'r^2 = {}'.format(rrc, r * r))
    c = rrc // (r * r)
    Y = transpose(reshape(X, (n, r, r, c, h, w)), (0, 3, 4, 1, 5, 2))
    return reshape(Y, (n, c, h * r, w * r))


def space2depth(X, r):
    """The inverse of :func:`depth2space`: (n, c, h, w) -> (n, r*r*c, h/r, w/r).

    >>> x = np.arange(4, dtype=np.float32).reshape(1, 1, 2, 2)
    >>> F.space2depth(x, 2).array.ravel()
    array([0., 1., 2., 3.], dtype=float32)
    """
    _check_4d('space2depth', X, r)
    n, c, h, w = X.shape
    if h % r or w % r:
        raise ValueError('space2depth: height {} and width {} must be multiples '
                         'of r = {}'.format(h, w, r))
    Y = transpose(reshape(X, (n, c, h // r, r, w // r, r)), (0, 3, 5, 1, 2, 4))
    return reshape(Y, (n, r * r * c, h // r, w // r))
