"""DeviceResident: the device base that Link shares with user objects."""
import warnings

import numpy
import pytest

import fastgrad
from fastgrad import backend
from fastgrad.device_resident import DeviceResident, DeviceResidentsVisitor


class Table(DeviceResident):
    def __init__(self):
        super().__init__()
        self.values = numpy.arange(4.0)

    def device_resident_accept(self, visitor):
        super().device_resident_accept(visitor)
        self.values = visitor.visit_array(self.values)


class Recorder(DeviceResidentsVisitor):
    def __init__(self):
        self.seen = []

    def visit_device_resident(self, device_resident):
        self.seen.append(type(device_resident).__name__)

    def visit_array(self, arr):
        self.seen.append(arr.shape)
        return arr * 2

    def visit_variable(self, param):
        self.seen.append(param.name)


def test_link_is_a_device_resident():
    assert issubclass(fastgrad.Link, DeviceResident)
    assert fastgrad.DeviceResident is DeviceResident
    assert isinstance(fastgrad.links.Linear(2, 3), fastgrad.DeviceResident)


def test_defaults_hold_without_init():
    class Bare(DeviceResident):
        def __init__(self):
            pass          # never calls super().__init__()
    b = Bare()
    assert isinstance(b.device, backend.CpuDevice)
    assert b.xp is numpy


def test_to_device_visits_the_object_and_its_arrays():
    t = Table()
    assert t.to_device('@numpy') is t
    assert isinstance(t.device, backend.CpuDevice)
    r = Recorder()
    t.device_resident_accept(r)
    assert r.seen == ['Table', (4,)]
    numpy.testing.assert_array_equal(t.values, numpy.arange(4.0) * 2)


def test_a_device_resident_inside_a_link_moves_with_it():
    class Model(fastgrad.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.l = fastgrad.links.Linear(2, 2)
            self.table = Table()

        def device_resident_accept(self, visitor):
            super().device_resident_accept(visitor)
            self.table.device_resident_accept(visitor)
    m = Model()
    r = Recorder()
    m.device_resident_accept(r)
    assert r.seen == ['Model', 'Linear', 'W', 'b', 'Table', (4,)]


def test_overridden_to_cpu_is_called_by_to_device_for_old_code():
    calls = []

    class Old(DeviceResident):
        def to_cpu(self):
            calls.append('to_cpu')
            return self

    class Holder(DeviceResident):
        def __init__(self):
            self.old = Old()

        def device_resident_accept(self, visitor):
            super().device_resident_accept(visitor)
            self.old.device_resident_accept(visitor)
    assert Old._overridden_to_methods == ('to_cpu',)
    assert DeviceResident._overridden_to_methods == ()
    Holder().to_device('@numpy')
    assert calls == ['to_cpu']
    with warnings.catch_warnings():
        warnings.simplefilter('error', DeprecationWarning)
        with pytest.raises(DeprecationWarning, match='to_cpu is deprecated'):
            Table().to_cpu()


def test_base_visitor_methods_are_abstract():
    v = DeviceResidentsVisitor()
    for call in (lambda: v.visit_device_resident(Table()),
                 lambda: v.visit_array(numpy.zeros(1)),
                 lambda: v.visit_variable(fastgrad.Variable(numpy.zeros(1)))):
        with pytest.raises(NotImplementedError):
            call()


def test_unsupported_backends_raise():
    with pytest.raises(RuntimeError, match='intel64'):
        Table().to_intel64()
    with pytest.raises(RuntimeError, match='ChainerX'):
        Table().to_chx()
    t = Table()
    assert t.from_chx() is t

