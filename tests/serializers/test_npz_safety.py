"""Beyond Chainer: save_npz and the snapshot writers replace files
atomically (a kill -9 mid-save leaves the old file intact), and load_npz
runs no code from a pickled object array unless allow_pickle=True."""
import os
import subprocess
import sys
import textwrap
import time

import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad import serializers
from fastgrad.training import extensions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))


# -- atomic saves -------------------------------------------------------------

SAVER = textwrap.dedent('''
    import sys, numpy
    from fastgrad import serializers
    path = sys.argv[1]
    serializers.save_npz(path, {'old': numpy.arange(10.)})
    big = {'new': numpy.random.RandomState(0).rand(3000000)}  # ~1 s per save
    print('ready', flush=True)
    while True:
        serializers.save_npz(path, big)
''')


@pytest.mark.parametrize('delay', [0.05, 0.3, 0.7])
def test_kill_9_mid_save_leaves_the_old_file(tmp_path, delay):
    path = str(tmp_path / 'm.npz')
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.Popen([sys.executable, '-c', SAVER, path], stdout=subprocess.PIPE,
                            env=env, cwd=str(tmp_path))
    try:
        assert proc.stdout.readline().strip() == b'ready'
        time.sleep(delay)
    finally:
        proc.kill()                     # SIGKILL: no cleanup runs
        proc.wait(timeout=60)
        proc.stdout.close()
    with numpy.load(path) as f:         # a whole file: the old one or a new one
        if f.files == ['old']:
            numpy.testing.assert_array_equal(f['old'], numpy.arange(10.))
        else:
            assert f.files == ['new'] and f['new'].shape == (3000000,)
    # a temporary file may be left next to it (nothing can remove it after a
    # kill -9), but never under the target's name
    assert all(name == 'm.npz' or name.startswith('.m.npz.')
               for name in os.listdir(str(tmp_path)))


def test_error_mid_save_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / 'm.npz'
    model = L.Linear(2, 3)
    serializers.save_npz(str(path), model)
    before = path.read_bytes()

    def broken(file, **arrays):
        file.write(b'PK\x03\x04 half a file')
        raise OSError('disk full')

    monkeypatch.setattr(numpy, 'savez_compressed', broken)
    with pytest.raises(OSError, match='disk full'):
        serializers.save_npz(str(path), model)
    assert path.read_bytes() == before
    assert os.listdir(str(tmp_path)) == ['m.npz']


def test_saved_file_has_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    path = tmp_path / 'm.npz'
    serializers.save_npz(str(path), L.Linear(2, 3))
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    serializers.save_npz(path, L.Linear(2, 3))     # os.PathLike, over an old file
    assert os.listdir(str(tmp_path)) == ['m.npz']


def test_snapshot_writer_failure_keeps_the_previous_snapshot(tmp_path):
    writer = extensions.snapshot_writers.SimpleWriter()
    model = L.Linear(2, 3)
    writer('snap', str(tmp_path), model)
    before = (tmp_path / 'snap').read_bytes()

    def savefun(path, target):
        with open(path, 'wb') as f:
            f.write(b'partial')
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        extensions.snapshot_writers.SimpleWriter(savefun)('snap', str(tmp_path), model)
    assert (tmp_path / 'snap').read_bytes() == before
    assert os.listdir(str(tmp_path)) == ['snap']


# -- pickles ------------------------------------------------------------------

class _RunsCode(object):
    def __reduce__(self):
        return (os.system, ('echo this ran > ran.txt',))


def _npz_with(tmp_path, value):
    path = str(tmp_path / 'f.npz')
    numpy.savez(path, W=value, b=numpy.zeros(3, numpy.float32))
    return path


def test_pickled_code_is_refused_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    evil = numpy.empty((), object)
    evil[()] = _RunsCode()
    path = _npz_with(tmp_path, evil)
    model = L.Linear(2, 3)
    W = model.W.array.copy()
    with pytest.raises(ValueError, match=r"load_npz: key 'W' .*allow_pickle=True"):
        serializers.load_npz(path, model)
    assert not (tmp_path / 'ran.txt').exists()
    numpy.testing.assert_array_equal(model.W.array, W)      # nothing loaded


def test_object_arrays_other_than_none_need_allow_pickle(tmp_path):
    path = _npz_with(tmp_path, numpy.array([1, 'x', None], object))
    with pytest.raises(ValueError, match='allow_pickle'):
        serializers.load_npz(path, L.Linear(None, 3))
    model = L.Linear(None, 3)
    # trusted: read as numpy would (here an array that does not fit W)
    with pytest.raises((ValueError, TypeError)):
        serializers.load_npz(path, model, allow_pickle=True)


def test_none_entries_load_without_allow_pickle(tmp_path):
    # Chainer and fastgrad store None (a lazy parameter, an unset
    # persistent) as a pickled 0-d object array.
    path = str(tmp_path / 'lazy.npz')
    serializers.save_npz(path, L.Linear(None, 3))
    model = L.Linear(None, 3)
    serializers.load_npz(path, model)
    assert model.W.array is None
    numpy.testing.assert_array_equal(model.b.array, numpy.zeros(3))
    # (a Chainer-made file with None: test_chainer_compat.test_load_chainer_lazy_link)
