"""Serializers (Chainer 7's ``chainer.serializers``): NPZ files with
Chainer's key layout, readable by Chainer and vice versa."""
from fastgrad.serializers._base import AbstractSerializer  # NOQA
from fastgrad.serializers._base import Deserializer  # NOQA
from fastgrad.serializers._base import Serializer  # NOQA
from fastgrad.serializers.npz import DictionarySerializer  # NOQA
from fastgrad.serializers.npz import load_npz  # NOQA
from fastgrad.serializers.npz import NpzDeserializer  # NOQA
from fastgrad.serializers.npz import save_npz  # NOQA
from fastgrad.serializers.npz import serialize  # NOQA
