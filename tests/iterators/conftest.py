"""An in-memory serializer pair with Chainer's calling convention (a saver
returns the value given; a loader copies into arrays in place, converts
scalars to the type of the value given, and raises KeyError for a missing
key), so iterator state can be tested without fastgrad.serializers."""
import numpy
import pytest


class MemSaver(object):
    def __init__(self, target=None, path=''):
        self.target = {} if target is None else target
        self.path = path

    def __getitem__(self, key):
        return MemSaver(self.target, self.path + key + '/')

    def __call__(self, key, value):
        self.target[self.path + key] = None if value is None else numpy.array(value)
        return value


class MemLoader(object):
    def __init__(self, target, path=''):
        self.target = target
        self.path = path

    def __getitem__(self, key):
        return MemLoader(self.target, self.path + key + '/')

    def __call__(self, key, value):
        data = self.target[self.path + key]
        if value is None:
            return data
        if isinstance(value, numpy.ndarray):
            numpy.copyto(value, data)
            return value
        return type(value)(data.item() if data.ndim == 0 else data)


@pytest.fixture
def mem_serializers():
    return MemSaver, MemLoader
