"""Devices and array modules (no GPU needed: CuPy is never imported here)."""
import os
import sys

import numpy
import pytest

import fastgrad
from fastgrad import backend


@pytest.mark.parametrize('spec', ['@numpy', -1, '-1', None, numpy])
def test_cpu_specifiers(spec):
    dev = backend.get_device(spec)
    assert isinstance(dev, backend.CpuDevice) and dev.xp is numpy and str(dev) == '@numpy'


@pytest.mark.parametrize('spec,device_id', [('@cupy:0', 0), ('@cupy:1', 1), (0, 0),
                                            ('2', 2), ('@cupy', 0)])
def test_gpu_specifiers_parse_without_cupy(spec, device_id):
    dev = backend.get_device(spec)
    assert isinstance(dev, backend.GpuDevice) and dev.device_id == device_id
    assert dev.name == '@cupy:{}'.format(device_id)


@pytest.mark.parametrize('spec', ['@tpu', 'gpu', '@cupy:x'])
def test_bad_specifiers(spec):
    with pytest.raises(ValueError):
        backend.get_device(spec)


def test_get_device_type_error():
    with pytest.raises(TypeError):
        backend.get_device(1.5)


def test_importing_fastgrad_does_not_import_cupy(tmp_path):
    import subprocess
    code = 'import sys, fastgrad, fastgrad.links, fastgrad_cuda; print("cupy" in sys.modules)'
    # Run outside the source tree, so the same fastgrad as this test's is imported.
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         cwd=str(tmp_path), env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'False'


def test_array_module_and_devices_of_arrays():
    a = numpy.ones(3)
    v = fastgrad.Variable(a)
    assert backend.get_array_module(a) is numpy
    assert backend.get_array_module(v) is numpy
    assert backend.get_array_module(a, v, None) is numpy
    assert isinstance(backend.get_device_from_array(a), backend.CpuDevice)
    assert isinstance(backend.get_device_from_array(a, v, None), backend.CpuDevice)
    assert isinstance(backend.get_device_from_array(), backend.CpuDevice)
    assert v.device == backend.CpuDevice()
    assert backend.get_array_types() == (numpy.ndarray,) or numpy.ndarray in \
        backend.get_array_types()


def test_cpu_send_and_copyto():
    dev = backend.CpuDevice()
    a = numpy.arange(3.0)
    assert dev.send(a) is a
    out = dev.send([a, (a, None)])
    assert out[0] is a and out[1][0] is a and out[1][1] is None
    assert dev.send({'k': a})['k'] is a
    dst = numpy.zeros(3)
    backend.copyto(dst, a)
    numpy.testing.assert_array_equal(dst, a)
    with pytest.raises(TypeError):
        dev.send('not an array')


def test_variable_and_parameter_to_device_cpu():
    v = fastgrad.Variable(numpy.ones(2))
    v.to_device('@numpy')
    assert isinstance(v.array, numpy.ndarray)
    p = fastgrad.Parameter()
    p.to_device(-1)
    assert p.device == backend.CpuDevice()


def test_backend_modules_are_reachable_from_backend():
    # Chainer programs and tests write `from chainer.backend import cuda`
    import fastgrad.backends.cuda
    from fastgrad.backend import cuda
    assert cuda is fastgrad.backends.cuda
    assert fastgrad.backend.intel64 is __import__('fastgrad.backends.intel64').backends.intel64
    with pytest.raises(AttributeError, match='no_such_thing'):
        fastgrad.backend.no_such_thing


def test_unavailable_devices_recognise_no_array_and_cannot_be_made():
    from fastgrad.backends import intel64
    assert intel64.Intel64Device is backend.Intel64Device      # one class
    for cls in (backend.Intel64Device, backend.ChainerxDevice):
        for value in (numpy.zeros(2), None, 1, ()):
            assert cls.from_array(value) is None
        with pytest.raises(RuntimeError, match='not available'):
            cls()
