"""Serializer base classes (Chainer's ``chainer.serializer``).

A serializer is called as ``serializer(key, value)`` and indexed as
``serializer[name]`` for a sub-path.  ``Serializer.save(obj)`` and
``Deserializer.load(obj)`` call ``obj.serialize(self)``.
"""


class AbstractSerializer(object):
    """Base class of serializers and deserializers."""

    def __getitem__(self, key):
        """The serializer for the child path ``key``."""
        raise NotImplementedError

    def __call__(self, key, value):
        """Save ``value`` under ``key`` (serializer) or load it (deserializer)
        and return the value to store back."""
        raise NotImplementedError


class Serializer(AbstractSerializer):
    """Base class of serializers (writers)."""

    def save(self, obj):
        """Save ``obj`` (a Link, an Optimizer, anything with ``serialize``)."""
        obj.serialize(self)


class Deserializer(AbstractSerializer):
    """Base class of deserializers (readers)."""

    def load(self, obj):
        """Load into ``obj`` (anything with ``serialize``)."""
        obj.serialize(self)
