"""The opt-in ``chainer`` alias and ``python -m fastgrad``.  Each case runs in
a fresh interpreter: the alias changes the process's import system."""
import os
import subprocess
import sys
import tempfile
import textwrap

import pytest

import fastgrad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))


def _python(code, *args, cwd=None):
    # Run outside the source tree: `-c` and `-m` put the working directory
    # first on sys.path, and a source checkout's fastgrad/ has no compiled core.
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    return subprocess.run([sys.executable] + list(args) + (['-c', code] if code else []),
                          capture_output=True, text=True, env=env,
                          cwd=cwd or tempfile.gettempdir(), timeout=120)


def _ok(code):
    out = _python(textwrap.dedent(code))
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_imports_resolve_to_the_same_module_objects():
    _ok('''
        import fastgrad
        assert fastgrad.install_as_chainer() is fastgrad
        fastgrad.install_as_chainer()                      # idempotent
        import chainer
        import chainer.functions as F
        import chainer.links as L
        from chainer import training, Variable
        from chainer.training import extensions
        from chainer.functions.activation.relu import relu
        from chainer import function_node, variable, initializer, serializer
        from chainer.utils import conv, argument, collections_abc
        import chainer.backends.cuda, chainer.cuda, chainer.backends.intel64
        import chainerx
        assert chainer is fastgrad and F is fastgrad.functions and L is fastgrad.links
        assert relu is fastgrad.functions.relu
        assert chainer.cuda is chainer.backends.cuda
        assert function_node.FunctionNode is fastgrad.FunctionNode
        assert isinstance(Variable(__import__('numpy').ones(1)), fastgrad.Variable)
        assert extensions.LogReport is fastgrad.training.extensions.LogReport
        assert chainerx.is_available() is False
        assert not chainer.backends.intel64.is_ideep_available()
        try:
            import chainer.no_such_module
        except ImportError as e:
            assert 'chainer.no_such_module' in str(e)
        else:
            raise AssertionError('import of a missing module succeeded')
        ''')


def test_refuses_when_a_real_chainer_is_imported():
    _ok('''
        import sys, types
        sys.modules['chainer'] = types.ModuleType('chainer')
        import fastgrad
        try:
            fastgrad.install_as_chainer()
        except RuntimeError as e:
            assert 'already imported' in str(e)
        else:
            raise AssertionError('no error')
        ''')


def test_without_the_alias_chainer_is_not_importable():
    out = _python('import fastgrad, importlib.util; '
                  'print(importlib.util.find_spec("chainer") is None)')
    if out.stdout.strip() == 'False':
        pytest.skip('a real chainer is installed in this environment')
    assert out.stdout.strip() == 'True'


def test_run_a_script_as_main_with_its_argv(tmp_path):
    script = tmp_path / 'prog.py'
    script.write_text(textwrap.dedent('''
        import sys
        import chainer
        import helper                       # the script's own folder is on sys.path
        print(__name__, sys.argv[1:], chainer.__name__, helper.VALUE)
        '''))
    (tmp_path / 'helper.py').write_text('VALUE = 42\n')
    out = _python(None, '-m', 'fastgrad', 'run', str(script), '--epoch', '3')
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ['__main__', "['--epoch',", "'3']", 'fastgrad', '42']


def test_run_errors_and_info(tmp_path):
    out = _python(None, '-m', 'fastgrad', 'run', str(tmp_path / 'missing.py'))
    assert out.returncode == 2 and 'no such file' in out.stderr
    out = _python(None, '-m', 'fastgrad')
    assert out.returncode == 2 and 'usage' in out.stdout
    out = _python(None, '-m', 'fastgrad', 'info')
    assert out.returncode == 0 and 'NumPy:' in out.stdout and 'fastgrad:' in out.stdout


def test_cuda_module_without_a_gpu():
    import numpy

    from fastgrad.backends import cuda
    if cuda.available:
        pytest.skip('a GPU is available here')
    with pytest.raises(RuntimeError, match='CUDA environment is not correctly set up'):
        cuda.get_device_from_id(0)
    with pytest.raises(RuntimeError, match='CUDA environment'):
        cuda.to_gpu(numpy.ones(2))
    assert cuda.get_device_from_id(None) is cuda.DummyDevice
    with cuda.get_device_from_array(numpy.ones(2)) as d:
        d.use()
    assert int(cuda.DummyDevice) == -1
    x = numpy.arange(3.0)
    assert cuda.to_cpu(x) is x and cuda.to_cpu(None) is None
    assert [a.tolist() for a in cuda.to_cpu((x, x))] == [[0, 1, 2]] * 2
    assert cuda.get_array_module(x) is numpy
    assert cuda.fuse()(lambda a: a + 1)(x).tolist() == [1, 2, 3]
    assert cuda.should_use_cudnn('>=auto') is False
    assert fastgrad.should_use_cudnn is cuda.should_use_cudnn   # chainer.should_use_cudnn
    assert not isinstance(x, cuda.ndarray)


def test_device_specifiers_chainer_accepts():
    assert fastgrad.get_device('@numpy').xp.__name__ == 'numpy'
    with pytest.raises(ValueError, match='intel64'):
        fastgrad.get_device('@intel64')
    with pytest.raises(ValueError, match='ChainerX'):
        fastgrad.get_device('native:0')


def test_print_runtime_info():
    import io
    buf = io.StringIO()
    fastgrad.print_runtime_info(buf)
    text = buf.getvalue()
    for key in ('Platform:', 'fastgrad:', 'NumPy:', 'SciPy:', 'CuPy:'):
        assert key in text


def test_console_script_does_not_import_the_working_directory(tmp_path):
    # `fastgrad run` must import the installed package even when the working
    # directory holds a `fastgrad/` folder (a source checkout).
    import shutil
    exe = os.path.join(os.path.dirname(sys.executable), 'fastgrad')
    if not os.path.exists(exe):
        exe = shutil.which('fastgrad')
    if exe is None:
        pytest.skip('the fastgrad command is not installed here')
    (tmp_path / 'fastgrad').mkdir()
    (tmp_path / 'fastgrad' / '__init__.py').write_text('raise ImportError("shadow")\n')
    (tmp_path / 'prog.py').write_text('import chainer\nprint(chainer.__name__)\n')
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    out = subprocess.run([exe, 'run', 'prog.py'], capture_output=True, text=True,
                         cwd=str(tmp_path), env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'fastgrad'


def test_import_does_not_need_pytest():
    # pytest is a test dependency only; `import fastgrad` must work without it.
    _ok('''
        import sys
        sys.modules['pytest'] = None      # makes `import pytest` fail
        import fastgrad, fastgrad.testing
        assert fastgrad.testing.FunctionTestCase
        ''')


def test_import_leaves_heavy_optional_modules_unimported():
    # Each is needed by one rarely used feature (HDF5, image zoo preprocessing,
    # downloads, a test helper) and costs memory in every program.
    _ok('''
        import sys
        import fastgrad, fastgrad.links, fastgrad.serializers, fastgrad.testing
        heavy = [m for m in ('h5py', 'PIL', 'urllib.request', 'unittest.mock', 'asyncio')
                 if m in sys.modules]
        assert not heavy, heavy
        assert isinstance(fastgrad.links.model.vision.resnet.available, bool)
        ''')


def test_rarely_used_subpackages_load_on_first_access():
    # a model script never pays for Trainer, the dataset zoo or the test harness
    _ok('''
        import sys
        import fastgrad
        fastgrad.install_as_chainer()
        import chainer
        lazy = sorted(fastgrad._LAZY_MODULES)
        assert not [m for m in lazy if 'fastgrad.' + m in sys.modules], sys.modules.keys()
        assert chainer.training.extensions.LogReport
        assert issubclass(chainer.distributions.Normal, chainer.Distribution)
        assert all(getattr(chainer, m) is sys.modules['fastgrad.' + m] for m in lazy)
        assert set(lazy) <= set(dir(chainer))
        try:
            chainer.no_such_name
        except AttributeError as e:
            assert 'no_such_name' in str(e)
        else:
            raise AssertionError('no error')
        ''')


def test_chainer_private_module_names_its_tests_import():
    # Chainer's own tests (and some user code) import these by Chainer's names
    _ok('''
        import numpy, fastgrad
        fastgrad.install_as_chainer()
        from chainer.backends import _cpu
        from chainer.serializers import hdf5
        assert _cpu.CpuDevice is fastgrad.backend.CpuDevice
        a = numpy.ones(2)
        assert _cpu._to_cpu(a) is a and _cpu._to_cpu(None) is None
        assert [type(b) for b in _cpu._to_cpu([a, 1.5])] == [numpy.ndarray, numpy.ndarray]
        assert hdf5._available is (hdf5.h5py is not None)
        ''')


def test_chainer_submodules_are_attributes_without_importing_them():
    # `import chainer` alone makes these reachable (as in Chainer 7.8.1):
    # user code writes chainer.initializer.Initializer without importing it.
    _ok('''
        import fastgrad
        fastgrad.install_as_chainer()
        import chainer
        assert issubclass(chainer.initializers.Normal, chainer.initializer.Initializer)
        assert chainer.initializer.Initializer is chainer.Initializer
        assert chainer.serializer.Serializer is chainer.Serializer
        assert chainer.serializer.Deserializer is chainer.Deserializer
        assert chainer.function_node.FunctionNode is chainer.FunctionNode
        ''')


def test_device_resident_is_one_class_under_both_names():
    _ok('''
        import fastgrad
        fastgrad.install_as_chainer()
        import chainer
        import chainer.device_resident as d
        assert chainer.DeviceResident is d.DeviceResident is fastgrad.DeviceResident
        assert issubclass(chainer.Link, chainer.DeviceResident)
    ''')
