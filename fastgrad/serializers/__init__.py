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
from fastgrad.serializers.hdf5 import HDF5Deserializer  # NOQA
from fastgrad.serializers.hdf5 import HDF5Serializer  # NOQA
from fastgrad.serializers.hdf5 import load_hdf5  # NOQA
from fastgrad.serializers.hdf5 import save_hdf5  # NOQA
