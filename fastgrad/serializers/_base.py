"""Serializer base classes (Chainer's ``chainer.serializer``).

A serializer is called as ``serializer(key, value)`` and indexed as
``serializer[name]`` for a sub-path.  ``Serializer.save(obj)`` and
``Deserializer.load(obj)`` call ``obj.serialize(self)``.
"""


class AbstractSerializer(object):
    """Base class of serializers and deserializers.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., 2.]]), initial_bias=0)
    >>> s = fastgrad.serializers.DictionarySerializer()
    >>> isinstance(s, fastgrad.AbstractSerializer)
    True
    >>> s.save(model)
    >>> sorted(s.target)
    ['W', 'b']
    """

    def __getitem__(self, key):
        """The serializer for the child path ``key``."""
        raise NotImplementedError

    def __call__(self, key, value):
        """Save ``value`` under ``key`` (serializer) or load it (deserializer)
        and return the value to store back."""
        raise NotImplementedError


class Serializer(AbstractSerializer):
    """Base class of serializers (writers).

    >>> model = L.Linear(2, 1, initialW=np.array([[1., 2.]]), initial_bias=0)
    >>> s = fastgrad.serializers.DictionarySerializer()
    >>> isinstance(s, fastgrad.Serializer)
    True
    >>> s.save(model)
    >>> s.target['W']
    array([[1., 2.]], dtype=float32)
    """

    def save(self, obj):
        """Save ``obj`` (a Link, an Optimizer, anything with ``serialize``)."""
        obj.serialize(self)


class Deserializer(AbstractSerializer):
    """Base class of deserializers (readers).

    >>> model = L.Linear(2, 1, initialW=np.array([[1., 2.]]), initial_bias=0)
    >>> d = fastgrad.serializers.NpzDeserializer({'W': np.array([[3., 4.]]), 'b': np.array([5.])})
    >>> isinstance(d, fastgrad.Deserializer)
    True
    >>> d.load(model)
    >>> model.W.array, model.b.array
    (array([[3., 4.]], dtype=float32), array([5.], dtype=float32))
    """

    def load(self, obj):
        """Load into ``obj`` (anything with ``serialize``)."""
        obj.serialize(self)
