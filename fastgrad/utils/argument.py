"""``chainer.utils.argument``: keyword-argument helpers for functions that
accept Chainer's removed arguments (``train=``, ``volatile=``...) only to
reject them with a helpful message."""
import sys


def check_unexpected_kwargs(kwargs, **unexpected):
    """Raise ValueError naming the first of ``unexpected`` (name -> message)
    found in ``kwargs``."""
    for key, message in unexpected.items():
        if key in kwargs:
            raise ValueError(message)


def parse_kwargs(kwargs, *name_and_values, **unexpected):
    """Pop each ``(name, default)`` from ``kwargs`` and return the values (a
    tuple); the rest of ``kwargs`` must be empty (TypeError otherwise)."""
    values = tuple(kwargs.pop(name, default) for name, default in name_and_values)
    if kwargs:
        check_unexpected_kwargs(kwargs, **unexpected)
        _refuse(kwargs, sys._getframe(1).f_code.co_name)
    return values


def assert_kwargs_empty(kwargs):
    """TypeError naming the calling function if ``kwargs`` is not empty."""
    if kwargs:
        _refuse(kwargs, sys._getframe(1).f_code.co_name)


def _refuse(kwargs, caller):
    raise TypeError('{}() got unexpected keyword argument(s) {}'.format(
        caller, ', '.join("'{}'".format(k) for k in sorted(kwargs))))
