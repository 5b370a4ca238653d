"""Shared pieces for the training tests: an in-memory serializer pair with
Chainer's calling convention, and a factory for a small real training setup
(a linear classifier on a separable 2-class problem)."""
import numpy
import pytest

import fastgrad.links as L
from fastgrad import datasets, iterators, optimizers, training


class MemSaver(object):
    def __init__(self, target=None, path=''):
        self.target = {} if target is None else target
        self.path = path

    def __getitem__(self, key):
        return MemSaver(self.target, self.path + key + '/')

    def __call__(self, key, value):
        self.target[self.path + key] = None if value is None else numpy.array(value)
        return value


class MemLoader(MemSaver):
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


def make_data(n=60, seed=0):
    rng = numpy.random.RandomState(seed)
    x = rng.normal(size=(n, 2)).astype(numpy.float32)
    t = (x[:, 0] + x[:, 1] > 0).astype(numpy.int32)
    return datasets.TupleDataset(x, t)


def make_setup(out, n=60, batch_size=10, stop=(3, 'epoch'), lr=0.1, seed=0,
               test=True):
    numpy.random.seed(seed)
    model = L.Classifier(L.Linear(2, 2))
    opt = optimizers.SGD(lr=lr)
    opt.setup(model)
    train_iter = iterators.SerialIterator(make_data(n, seed), batch_size)
    updater = training.updaters.StandardUpdater(train_iter, opt)
    trainer = training.Trainer(updater, stop, out=str(out))
    test_iter = None
    if test:
        test_iter = iterators.SerialIterator(make_data(40, seed + 1), 20,
                                             repeat=False, shuffle=False)
    return trainer, model, opt, test_iter


@pytest.fixture
def setup_factory():
    return make_setup


@pytest.fixture
def data_factory():
    return make_data
