"""``chainer.utils.argument``: keyword-argument helpers for functions that
accept Chainer's removed arguments (``train=``, ``volatile=``...) only to
reject them with a helpful message."""


def check_unexpected_kwargs(kwargs, **unexpected):
    """Raise ValueError naming the first of ``unexpected`` (name -> message)
    found in ``kwargs``."""
    for key, message in unexpected.items():
        if key in kwargs:
            raise ValueError(message)


def parse_kwargs(kwargs, *name_and_values, **unexpected):
    """Pop each ``(name, default)`` from ``kwargs`` and return the values; the
    rest of ``kwargs`` must be empty (TypeError otherwise)."""
    values = [kwargs.pop(name, default) for name, default in name_and_values]
    if kwargs:
        check_unexpected_kwargs(kwargs, **unexpected)
        assert_kwargs_empty(kwargs)
    return values


def assert_kwargs_empty(kwargs):
    if kwargs:
        raise TypeError('got unexpected keyword argument(s): {}'.format(
            ', '.join("'{}'".format(k) for k in sorted(kwargs))))
