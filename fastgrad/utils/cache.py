"""``cached_property``: a property computed once per object and backprop mode."""
import functools

from fastgrad import configuration


class cached_property(functools.cached_property):
    """A read-only property whose value is computed once per object and per
    value of ``config.enable_backprop``.

    A value computed under ``no_backprop_mode`` has no graph: reusing it where
    gradients are wanted would silently drop them, so each mode keeps its own
    value (the distributions rely on this).

    >>> from fastgrad.utils import cache
    >>> class Scaled(object):
    ...     def __init__(self, x):
    ...         self.x = x
    ...     @cache.cached_property
    ...     def y(self):
    ...         return self.x * 2
    >>> s = Scaled(Variable(np.array([1.], np.float32)))
    >>> s.y is s.y
    True
    >>> with fastgrad.no_backprop_mode():
    ...     print(s.y.creator is None)
    True
    >>> s.y.creator is None
    False
    """

    # A functools.cached_property (so that tools such as Sphinx see a property)
    # whose values live in a per-mode dict under a key of their own.

    def __init__(self, func):
        super().__init__(func)
        self.__name__ = func.__name__
        self._key = '_cached_property_' + func.__name__

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        values = obj.__dict__.setdefault(self._key, {})
        mode = bool(configuration.config.enable_backprop)
        try:
            return values[mode]
        except KeyError:
            value = values[mode] = self.func(obj)
            return value
