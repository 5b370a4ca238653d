"""The snapshot writers: every one writes a file that load_npz restores,
the asynchronous ones save the parameters as they were when the snapshot was
asked for, and finalize() waits for the saves still under way."""
import os

import numpy
import pytest

from fastgrad import links as L
from fastgrad import serializers
from fastgrad.training import extensions
from fastgrad.training.extensions import _snapshot, snapshot_writers

WRITERS = ['SimpleWriter', 'ThreadWriter', 'ProcessWriter',
           'ThreadQueueWriter', 'ProcessQueueWriter']


@pytest.mark.parametrize('name', WRITERS)
def test_writer_saves_the_parameters_of_the_moment(tmp_path, name):
    writer = getattr(snapshot_writers, name)()
    model = L.Linear(3, 2)
    model.W.array[...] = numpy.arange(6).reshape(2, 3)
    expected = model.W.array.copy()
    writer('first', str(tmp_path), model)
    model.W.array[...] = -1          # training goes on while the file is written
    writer('second', str(tmp_path), model)
    writer.finalize()
    assert sorted(os.listdir(str(tmp_path))) == ['first', 'second']
    for filename, want in (('first', expected), ('second', -numpy.ones((2, 3)))):
        loaded = L.Linear(3, 2)
        serializers.load_npz(str(tmp_path / filename), loaded)
        numpy.testing.assert_array_equal(loaded.W.array, want)


def test_writer_with_its_own_savefun(tmp_path):
    seen = []

    def savefun(path, target, flag=None):
        seen.append((sorted(target), flag))
        with open(path, 'w') as f:
            f.write('ok')

    writer = snapshot_writers.ThreadWriter(savefun=savefun, flag=7)
    writer('snap', str(tmp_path), L.Linear(2, 1))
    writer.finalize()
    assert seen == [(['W', 'b'], 7)]     # a copy of the arrays, as a flat dict
    assert (tmp_path / 'snap').read_text() == 'ok'


def test_queue_writer_refuses_work_after_finalize(tmp_path):
    writer = snapshot_writers.ThreadQueueWriter()
    writer.finalize()
    writer.finalize()                    # twice is harmless
    with pytest.raises(RuntimeError, match='after finalize'):
        writer('snap', str(tmp_path), L.Linear(2, 1))


def test_snapshot_extension_with_a_thread_writer(tmp_path, setup_factory):
    trainer, model, _, _ = setup_factory(tmp_path, stop=(3, 'iteration'))
    trainer.extend(extensions.snapshot(writer=snapshot_writers.ThreadWriter(),
                                       n_retains=2),
                   trigger=(1, 'iteration'))
    trainer.run()
    assert sorted(os.listdir(str(tmp_path))) == ['snapshot_iter_2', 'snapshot_iter_3']
    with pytest.raises(TypeError, match='not both'):
        extensions.snapshot(savefun=serializers.save_npz,
                            writer=snapshot_writers.SimpleWriter())


def test_find_latest_and_stale_snapshots(tmp_path):
    for i, name in enumerate(['snap_1', 'snap_2', 'other', 'snap_10']):
        (tmp_path / name).write_text('x')
        os.utime(str(tmp_path / name), (1000 + i, 1000 + i))
    template = 'snap_{.updater.iteration}'
    assert [n for _, n in _snapshot._find_snapshot_files(template, str(tmp_path))] == \
        ['snap_1', 'snap_2', 'snap_10']
    assert _snapshot._find_latest_snapshot(template, str(tmp_path)) == 'snap_10'
    assert _snapshot._find_latest_snapshot(template, str(tmp_path / 'none')) is None
    assert _snapshot._find_stale_snapshots(template, str(tmp_path), 2) == ['snap_1']
    assert _snapshot._find_stale_snapshots(template, str(tmp_path), -1) == []


@pytest.mark.parametrize('name', ['ThreadQueueWriter', 'ProcessQueueWriter'])
def test_a_program_that_never_finalizes_its_queue_writer_still_exits(tmp_path, name):
    """The queued snapshot is written and the interpreter exits (the
    consumer would otherwise wait for work forever)."""
    import subprocess
    import sys
    import tempfile

    import fastgrad
    script = (
        'import fastgrad.links as L\n'
        'from fastgrad.training.extensions import snapshot_writers\n'
        'writer = snapshot_writers.{}()\n'
        'writer("snap.npz", {!r}, L.Linear(2, 3))\n'.format(name, str(tmp_path)))
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(fastgrad.__file__)))
    done = subprocess.run([sys.executable, '-c', script], cwd=tempfile.gettempdir(),
                          env=env, timeout=120, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded = L.Linear(2, 3)
    serializers.load_npz(str(tmp_path / 'snap.npz'), loaded)
    assert loaded.W.shape == (3, 2)
