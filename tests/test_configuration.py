import threading

import numpy
import pytest

import fastgrad
from fastgrad import config, global_config, using_config


def test_defaults():
    assert config.enable_backprop is True and config.train is True
    assert config.type_check is True and config.dtype == numpy.float32


def test_using_config_restores():
    with using_config('train', False):
        assert config.train is False
        with using_config('train', True):
            assert config.train is True
        assert config.train is False
    assert config.train is True
    with pytest.raises(KeyError):
        with using_config('train', False):
            raise KeyError('x')
    assert config.train is True


def test_local_override_is_per_thread_and_global_is_shared():
    seen = {}

    def other():
        seen['train'] = config.train
        seen['flag'] = getattr(config, 'my_flag', None)

    global_config.my_flag = 'global'
    try:
        with using_config('train', False):
            t = threading.Thread(target=other)
            t.start()
            t.join()
        assert seen == {'train': True, 'flag': 'global'}
        assert config.my_flag == 'global'
    finally:
        del global_config.my_flag


def test_debug_and_dtype_helpers():
    assert fastgrad.is_debug() is False
    fastgrad.set_debug(True)
    try:
        assert fastgrad.is_debug() is True
    finally:
        fastgrad.set_debug(False)
    assert fastgrad.get_dtype() == numpy.float32
    with using_config('dtype', numpy.dtype('float64')):
        assert fastgrad.get_dtype() == numpy.float64


def test_show(capsys):
    config.show()
    out = capsys.readouterr().out
    assert 'enable_backprop' in out and 'train' in out


def test_a_new_global_and_local_config_pair_is_independent():
    # Chainer's configuration.GlobalConfig() / LocalConfig(g): a separate pair,
    # with the same thread-local-over-global lookup as fastgrad.config.
    import io
    import threading

    from fastgrad import configuration
    g = configuration.GlobalConfig()
    c = configuration.LocalConfig(g)
    g.x, g.y = 'global x', 'global y'
    c.y = 'local y'
    assert (c.x, c.y) == ('global x', 'local y')
    assert not hasattr(c, 'train') and not hasattr(g, 'train')   # not fastgrad's entries
    assert fastgrad.config.train is True and not hasattr(fastgrad.config, 'x')

    def other():
        c.y = 'other y'
        g.z = 'global z'
    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert c.y == 'local y' and c.z == 'global z'
    del c.y
    assert c.y == 'global y'
    with pytest.raises(AttributeError):
        del c.x                           # global entries are not deleted through the view
    with fastgrad.using_config('x', 'tmp', c):
        assert (c.x, g.x) == ('tmp', 'global x')
    assert c.x == 'global x'
    out = io.StringIO()
    c.show(out)
    assert out.getvalue() == 'x global x\ny global y\nz global z\n'
    with pytest.raises(TypeError, match='LocalConfig: expected a GlobalConfig'):
        configuration.LocalConfig(object())


def test_monkeypatching_the_global_config_restores_the_entry():
    # pytest 9.2's monkeypatch restores what it finds in the target's __dict__;
    # the entries must survive the undo (they live on the thread-local class)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(global_config, 'train', False)
        assert config.train is False
    assert global_config.train is True and config.train is True
    assert getattr(global_config, '__dict__', None) is None
