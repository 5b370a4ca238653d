import os

import numpy
import pytest

from fastgrad import serializers, training
from fastgrad.training import extensions


def _files(folder):
    return sorted(f for f in os.listdir(str(folder)) if f.startswith('snapshot'))


def test_snapshot_files_and_resume_via_load_npz(tmp_path, setup_factory):
    out = tmp_path / 'run'
    trainer, model, opt, test_iter = setup_factory(out, n=50, batch_size=8,
                                                   stop=(3, 'epoch'))
    trainer.extend(extensions.LogReport())
    trainer.extend(extensions.Evaluator(test_iter, model))
    trainer.extend(extensions.snapshot(), trigger=(1, 'epoch'))
    rng_at_epoch = {}

    @training.make_extension(trigger=(1, 'epoch'), priority=-200)
    def keep_rng(tr):
        rng_at_epoch[tr.updater.epoch] = numpy.random.get_state()

    trainer.extend(keep_rng)
    trainer.run()
    # 50 examples in batches of 8: epochs end at iterations 7, 13, 19
    assert _files(out) == ['snapshot_iter_13', 'snapshot_iter_19', 'snapshot_iter_7']
    assert not [f for f in os.listdir(str(out)) if f.startswith('tmp')]

    with numpy.load(str(out / 'snapshot_iter_13'), allow_pickle=True) as f:
        keys = set(f.files)
    assert 'updater/iteration' in keys
    assert 'updater/model:main/predictor/W' in keys
    assert 'updater/optimizer:main/t' in keys
    assert 'updater/iterator:main/current_position' in keys
    assert 'extensions/LogReport/_log' in keys
    assert 'stop_trigger/previous_iteration' in keys
    assert '_snapshot_elapsed_time' in keys

    # Resume from epoch 2 in a fresh trainer: same final model and log.
    numpy.random.seed(99)
    trainer2, model2, _, test_iter2 = setup_factory(tmp_path / 'resumed', n=50,
                                                    batch_size=8, stop=(3, 'epoch'))
    trainer2.extend(extensions.LogReport())
    trainer2.extend(extensions.Evaluator(test_iter2, model2))
    trainer2.extend(extensions.snapshot(), trigger=(1, 'epoch'))
    serializers.load_npz(str(out / 'snapshot_iter_13'), trainer2)
    assert trainer2.updater.iteration == 13
    assert len(trainer2.get_extension('LogReport').log) == 2
    numpy.random.set_state(rng_at_epoch[2])
    trainer2.run()
    numpy.testing.assert_allclose(model2.predictor.W.array, model.predictor.W.array,
                                  rtol=1e-6)
    log1 = trainer.get_extension('LogReport').log
    log2 = trainer2.get_extension('LogReport').log
    assert [e['iteration'] for e in log2] == [7, 13, 19]
    assert log2[2]['main/loss'] == pytest.approx(log1[2]['main/loss'], rel=1e-5)


def test_n_retains_and_autoload(tmp_path, setup_factory):
    out = tmp_path / 'r'
    trainer, model, _, _ = setup_factory(out, n=40, batch_size=10, stop=(4, 'epoch'))
    trainer.extend(extensions.snapshot(n_retains=2), trigger=(1, 'epoch'))
    trainer.run()
    assert _files(out) == ['snapshot_iter_12', 'snapshot_iter_16']

    trainer2, model2, _, _ = setup_factory(out, n=40, batch_size=10, stop=(5, 'epoch'))
    snap = extensions.snapshot(n_retains=2, autoload=True)
    trainer2.extend(snap, trigger=(1, 'epoch'))
    trainer2.run()
    # loaded iteration 16, then ran one more epoch
    assert trainer2.updater.iteration == 20
    assert _files(out) == ['snapshot_iter_16', 'snapshot_iter_20']
    assert snap.initialize(trainer2) == 'snapshot_iter_20'


def test_snapshot_object_and_condition(tmp_path, setup_factory):
    trainer, model, opt, _ = setup_factory(tmp_path, stop=(4, 'iteration'))
    calls = []

    def cond():
        calls.append(1)
        return len(calls) % 2 == 0

    trainer.extend(extensions.snapshot_object(model, 'model_{.updater.iteration}.npz'),
                   trigger=(2, 'iteration'))
    trainer.extend(extensions.snapshot_object(opt, 'opt_{.updater.iteration}',
                                              condition=cond),
                   trigger=(1, 'iteration'))
    trainer.run()
    names = sorted(os.listdir(str(tmp_path)))
    assert 'model_2.npz' in names and 'model_4.npz' in names
    assert [n for n in names if n.startswith('opt_')] == ['opt_2', 'opt_4']
    with numpy.load(str(tmp_path / 'model_4.npz')) as f:
        numpy.testing.assert_array_equal(f['predictor/W'], model.predictor.W.array)


def test_snapshot_on_error_and_custom_savefun(tmp_path, setup_factory):
    trainer, model, _, _ = setup_factory(tmp_path, stop=(5, 'iteration'))
    saved = []

    def savefun(path, target):
        saved.append(target)
        with open(path, 'w') as f:
            f.write('x')

    trainer.extend(extensions.snapshot(savefun=savefun, snapshot_on_error=True,
                                       filename='snap_err'),
                   trigger=(100, 'iteration'))

    def fail(tr):
        if tr.updater.iteration == 3:
            raise ValueError('stop')

    trainer.extend(fail)
    with pytest.raises(ValueError):
        trainer.run(show_loop_exception_msg=False)
    assert saved == [trainer]
    assert (tmp_path / 'snap_err').read_text() == 'x'


def test_failed_save_leaves_no_file(tmp_path, setup_factory):
    trainer, _, _, _ = setup_factory(tmp_path, stop=(1, 'iteration'))

    def savefun(path, target):
        with open(path, 'w') as f:
            f.write('partial')
        raise OSError('disk full')

    trainer.extend(extensions.snapshot(savefun=savefun), trigger=(1, 'iteration'))
    with pytest.raises(OSError):
        trainer.run(show_loop_exception_msg=False)
    assert os.listdir(str(tmp_path)) == []
