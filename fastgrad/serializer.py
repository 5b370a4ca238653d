"""Chainer's ``chainer.serializer`` module path."""
from fastgrad.serializers._base import AbstractSerializer, Deserializer, Serializer  # NOQA
