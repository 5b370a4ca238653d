"""``static_code``: marks code that must run on every call of a static chain."""
import functools


def static_code(*dec_args, **dec_kwargs):
    """Mark a function (or method) that must run on every call of a static
    chain, such as a side effect inside its ``__call__``.

    Usable bare (``@static_code``) or with Chainer's ``func_name=`` argument.
    fastgrad runs static chains define-by-run, so the decorated function runs
    on every call, as it does without the decorator.

    >>> calls = []
    >>> @fastgrad.static_code
    ... def count():
    ...     calls.append(1)
    >>> count(); count(); len(calls)
    2
    """
    unknown = set(dec_kwargs) - {'func_name'}
    if unknown:
        raise TypeError('static_code: unexpected keyword argument(s) {}'
                        .format(sorted(unknown)))
    if len(dec_args) == 1 and not dec_kwargs and callable(dec_args[0]):
        return _wrap(dec_args[0])
    if dec_args:
        raise TypeError('static_code takes a function or keyword arguments, '
                        'got {!r}'.format(dec_args))
    return _wrap


def _wrap(func):
    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapped
