"""Debug mode names the function that produced the first NaN, forward or
backward; off, nothing is checked."""
import os
import subprocess
import sys
import tempfile

import numpy
import pytest

import fastgrad
import fastgrad.functions as F


def test_set_debug_names_the_op():
    x = fastgrad.Variable(numpy.array([-1.0, 1.0]))
    with numpy.errstate(invalid='ignore'):
        assert numpy.isnan(F.log(x).array[0])          # off: no check
        fastgrad.set_debug(True)
        try:
            assert fastgrad.is_debug()
            with pytest.raises(RuntimeError, match='NaN is detected on forward computation of log'):
                F.log(x)
        finally:
            fastgrad.set_debug(False)
        F.log(x)


def test_debug_mode_context_checks_backward():
    with fastgrad.DebugMode(True):
        assert fastgrad.config.debug
        y = F.sqrt(fastgrad.Variable(numpy.array([1.0, 4.0])))
        y.grad = numpy.array([numpy.nan, 1.0])
        with pytest.raises(RuntimeError, match='backward computation of sqrt'):
            y.backward()
    assert not fastgrad.config.debug
    y = F.sqrt(fastgrad.Variable(numpy.array([1.0, 4.0])))
    y.grad = numpy.array([numpy.nan, 1.0])
    y.backward()                                      # off again


def test_chainer_debug_environment():
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))
    code = ('import numpy, fastgrad, fastgrad.functions as F\n'
            'try:\n    F.log(numpy.array([-1.0]))\nexcept RuntimeError as e:\n    print(e)\n')
    out = subprocess.run([sys.executable, '-W', 'ignore', '-c', code], capture_output=True,
                         text=True, cwd=tempfile.gettempdir(),
                         env=dict(os.environ, CHAINER_DEBUG='1', PYTHONPATH=root))
    assert 'NaN is detected on forward computation of log' in out.stdout, out.stderr


def _nan_in_backward():
    y = F.sqrt(fastgrad.Variable(numpy.array([1.0, 4.0])))
    y.grad = numpy.array([numpy.nan, 1.0])
    return y


@pytest.mark.parametrize('how', ['using_config', 'config_write', 'global_config'])
def test_every_way_of_setting_config_debug_turns_the_checks_on(how):
    # Chainer programs turn debug mode on through the config as often as
    # through set_debug: the engine follows config.debug however it was set.
    if how == 'using_config':
        ctx = fastgrad.using_config('debug', True)
    else:
        import contextlib

        @contextlib.contextmanager
        def ctx_():
            target = fastgrad.config if how == 'config_write' else fastgrad.global_config
            target.debug = True
            try:
                yield
            finally:
                if how == 'config_write':
                    del fastgrad.config.debug
                else:
                    fastgrad.global_config.debug = False
        ctx = ctx_()
    with ctx:
        assert fastgrad.is_debug()
        with pytest.raises(RuntimeError, match='NaN is detected on backward computation of sqrt'):
            _nan_in_backward().backward()
    assert not fastgrad.is_debug()
    _nan_in_backward().backward()                      # off again


def test_debug_is_per_thread_as_config_is():
    import threading
    seen = {}

    def other_thread():
        try:
            _nan_in_backward().backward()
            seen['other'] = 'no error'
        except RuntimeError as e:
            seen['other'] = str(e)

    with fastgrad.using_config('debug', True):
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
        with pytest.raises(RuntimeError, match='NaN'):
            _nan_in_backward().backward()
    assert seen['other'] == 'no error'
    with fastgrad.DebugMode(True), fastgrad.using_config('debug', False):
        _nan_in_backward().backward()                  # turned off inside

