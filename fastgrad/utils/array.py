"""Chainer's ``chainer.utils.array`` helpers (three of them deprecated there)."""
import warnings

from fastgrad.utils import size_of_shape, sum_to  # noqa: F401  (public here too)


def _deprecated(name, instead):
    warnings.warn('chainer.utils.array.{} is deprecated; use {} instead'.format(name, instead),
                  DeprecationWarning, stacklevel=3)


def as_vec(x):
    """``x`` flattened to 1-D (deprecated, as in Chainer: use ``x.ravel()``)."""
    _deprecated('as_vec', 'ravel')
    return x if x.ndim == 1 else x.ravel()


def as_mat(x):
    """``x`` as a matrix of ``len(x)`` rows (deprecated: use ``x.reshape``)."""
    _deprecated('as_mat', 'reshape')
    return x if x.ndim == 2 else x.reshape(len(x), -1)


def empty_like(x):
    """An uninitialized array like ``x`` on its device (deprecated: use
    ``xp.empty_like``)."""
    _deprecated('empty_like', 'numpy.empty_like or cupy.empty_like')
    from fastgrad import utils
    return utils.array_module(x).empty_like(x)
