"""Axis and argument checks shared by the ops: one way to read an axis.

User-facing argument types are checked when the op is built (``TypeError``
naming the function); ranges need ``x.ndim`` and are checked in forward
(Chainer's ``InvalidType`` naming the op).
"""
import numbers

import numpy

from fastgrad import utils


def is_int(value):
    """A Python or NumPy integer, but not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, numpy.bool_))


def require_int(func, argname, value):
    if not is_int(value):
        raise TypeError('{}: {} must be an int, got {!r}'.format(func, argname, value))
    return int(value)


def int_tuple(func, argname, value):
    """An int or a sequence of ints, as a tuple of ints."""
    if isinstance(value, numpy.ndarray) and value.ndim == 1 and value.dtype.kind in 'iu':
        value = value.tolist()
    if is_int(value):
        return (int(value),)
    if isinstance(value, (tuple, list)) and all(is_int(a) for a in value):
        return tuple(int(a) for a in value)
    raise TypeError('{}: {} must be an int or a tuple of ints, got {!r}'
                    .format(func, argname, value))


def normalize(label, axis, ndim, argname='axis', extra=0):
    """``axis`` as a non-negative int in ``[0, ndim + extra)``.

    ``extra=1`` is for axes that may point one past the end (expand_dims,
    stack).  Out of range is Chainer's InvalidType naming ``label``.
    """
    n = ndim + extra
    if not -n <= axis < n:
        raise utils.invalid_type(label, '-{0} <= {1} < {0}'.format(n, argname),
                                 '{} = {} (x.ndim = {})'.format(argname, axis, ndim))
    return axis + n if axis < 0 else axis


def normalize_axes(label, axes, ndim, argname='axis'):
    """Each of ``axes`` normalized as by :func:`normalize`, as a tuple."""
    return tuple(normalize(label, a, ndim, argname) for a in axes)


def inverse_permutation(perm):
    """The axes that undo ``x.transpose(perm)`` (``perm`` non-negative)."""
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


def along(axis, index):
    """The index tuple that applies ``index`` (a slice or int) at ``axis``."""
    return (slice(None),) * axis + (index,)


def split_points(sizes):
    """Where consecutive pieces of the given sizes meet: split_axis's indices
    that cut their concatenation back into them."""
    points = []
    end = 0
    for n in sizes[:-1]:
        end += n
        points.append(end)
    return points


def reduction_axes(label, axis, ndim):
    """The ``axis`` argument of a reduction (sum, mean, max, prod, ...): None
    (all axes) stays None, an int or a tuple of ints becomes a sorted tuple of
    non-negative ints.  Another type is a TypeError, an axis out of range
    Chainer's InvalidType, a repeated axis a ValueError -- each naming ``label``."""
    if axis is None:
        return None
    if is_int(axis):
        axes = (int(axis),)
    elif isinstance(axis, tuple) and all(is_int(a) for a in axis):
        axes = tuple(int(a) for a in axis)
    else:
        raise TypeError('{}: axis must be None, an int or a tuple of ints, got {!r}'
                        .format(label, axis))
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise utils.invalid_type(label, '-{0} <= axis < {0}'.format(ndim),
                                     'axis = {}'.format(a))
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError('{}: duplicate value in axis: {}'.format(label, axis))
    return tuple(sorted(out))


def keepdims_shape(shape, axes):
    """``shape`` with the reduced ``axes`` (None: all) set to 1, as keepdims
    leaves it: the shape a reduction's gradient is broadcast back from."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def lined_up_shape(param_shape, x_ndim):
    """``(1,) + param_shape + (1, ...)``: a per-channel parameter (PReLU's W,
    Swish's beta) lined up with axes 1.. of an x of ``x_ndim`` axes."""
    return (1,) + tuple(param_shape) + (1,) * (x_ndim - len(param_shape) - 1)


def param_reduction_axes(param_ndim, x_ndim):
    """The axes of x that such a parameter is broadcast over (summed in its
    gradient)."""
    return (0,) + tuple(range(1 + param_ndim, x_ndim))
