"""Trainer snapshots with LogReport and PlotReport load across fastgrad and
Chainer 7.8.1 in both directions: the same npz entries, and a resume from
either gives the uninterrupted run's log, points and weights.  The fixture
was written by Chainer 7.8.1 (see fixtures/snapshot_trainer.py)."""
import json
import os
import subprocess
import sys

import numpy
import pytest

import fastgrad
from fastgrad import serializers

sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'fixtures'))
import snapshot_trainer  # NOQA: E402

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
CHAINER_SNAPSHOT = os.path.join(FIXTURES, 'chainer781_snapshot_iter_12.npz')
# A Python with a real Chainer 7.8.1, for the fastgrad -> Chainer direction.
CHAINER_PYTHON = os.environ.get('FASTGRAD_CHAINER_PYTHON', '/work/venvs/chainer/bin/python')


def _run(tmp_path, epochs, resume=None):
    out = str(tmp_path / ('resumed' if resume else 'full'))
    trainer, model = snapshot_trainer.make_trainer(fastgrad, out, epochs)
    if resume is not None:
        serializers.load_npz(resume, trainer)
    trainer.run()
    return snapshot_trainer.result(trainer, model), out


def _entries(path):
    with numpy.load(path, allow_pickle=False) as f:
        return {k: (f[k].dtype.kind, f[k].shape) for k in f.files}


def test_snapshot_entries_equal_chainers(tmp_path):
    _, out = _run(tmp_path, 2)
    mine = _entries(os.path.join(out, 'snapshot_iter_12'))
    assert mine == _entries(CHAINER_SNAPSHOT)
    assert 'extensions/PlotReport/_plot_loss.png' in mine
    assert 'extensions/PlotReport_1/_plot_acc.png' in mine


def _same_result(got, want):
    assert [sorted(e) for e in got['log']] == [sorted(e) for e in want['log']]
    for g, w in zip(got['log'], want['log']):
        assert g == pytest.approx(w, rel=1e-5)
    assert got['plots'].keys() == want['plots'].keys()
    for name in want['plots']:
        for key, points in want['plots'][name].items():
            assert [x for x, _ in got['plots'][name][key]] == [x for x, _ in points]
            assert [y for _, y in got['plots'][name][key]] == pytest.approx(
                [y for _, y in points], rel=1e-5)
    numpy.testing.assert_allclose(got['W'], want['W'], rtol=1e-5)


def test_chainer_snapshot_resumes_in_fastgrad(tmp_path):
    full, _ = _run(tmp_path, 3)
    resumed, _ = _run(tmp_path, 3, resume=CHAINER_SNAPSHOT)
    # the epoch-0 row, epochs 1-2 from Chainer, epoch 3 from fastgrad; no extra
    # plot point at the first iteration after the resume
    assert [e['epoch'] for e in resumed['log']] == [0, 1, 2, 3]
    assert [x for x, _ in resumed['plots']['PlotReport_1']['main/accuracy']] == [4, 8, 12, 16]
    _same_result(resumed, full)


@pytest.mark.skipif(not os.path.exists(CHAINER_PYTHON),
                    reason='needs a real Chainer 7.8.1 ($FASTGRAD_CHAINER_PYTHON)')
def test_fastgrad_snapshot_resumes_in_chainer(tmp_path):
    full, out = _run(tmp_path, 3)
    snapshot = os.path.join(out, 'snapshot_iter_12')   # written at epoch 2
    proc = subprocess.run(
        [CHAINER_PYTHON, os.path.join(FIXTURES, 'snapshot_trainer.py'), 'chainer',
         str(tmp_path / 'chainer'), '3', snapshot],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    resumed = json.loads(proc.stdout.splitlines()[-1])
    assert [e['epoch'] for e in resumed['log']] == [0, 1, 2, 3]
    # Chainer's PlotReport fires once more at the first call after any resume
    # (its trigger's position is not saved), so past the resume its points
    # differ; the points it loaded from fastgrad's snapshot are checked.
    for name, key, n in (('PlotReport', 'main/loss', 2), ('PlotReport_1', 'main/accuracy', 3)):
        want = full['plots'][name][key][:n]
        got = resumed['plots'][name][key][:n]
        assert [x for x, _ in got] == [x for x, _ in want]
        assert [y for _, y in got] == pytest.approx([y for _, y in want], rel=1e-5)
    resumed['plots'] = full['plots']
    _same_result(resumed, full)


@pytest.mark.skipif(serializers.hdf5.h5py is None, reason='needs h5py')
def test_trainer_snapshot_through_hdf5_resumes(tmp_path):
    # LogReport and PlotReport keep their state as strings (JSON): HDF5 stores
    # them as UTF-8 strings, which h5py reads back as bytes
    full, _ = _run(tmp_path, 3)
    trainer, model = snapshot_trainer.make_trainer(fastgrad, str(tmp_path / 'h5'), 2)
    trainer.run()
    serializers.save_hdf5(str(tmp_path / 'snapshot.h5'), trainer)
    trainer, model = snapshot_trainer.make_trainer(fastgrad, str(tmp_path / 'h5r'), 3)
    serializers.load_hdf5(str(tmp_path / 'snapshot.h5'), trainer)
    trainer.run()
    resumed = snapshot_trainer.result(trainer, model)
    assert [e['epoch'] for e in resumed['log']] == [0, 1, 2, 3]
    _same_result(resumed, full)
