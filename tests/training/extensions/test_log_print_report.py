import io
import json
import os

import pytest

from fastgrad import training
from fastgrad.training import extensions


def _reporting(values_by_iteration):
    """An extension writing given values into the observation."""
    @training.make_extension(trigger=(1, 'iteration'),
                             priority=training.PRIORITY_WRITER)
    def put(tr):
        tr.observation.update(values_by_iteration(tr.updater.iteration))
    return put


def test_log_report_means_per_epoch_and_json_file(tmp_path, setup_factory):
    # 60 examples / 10 per batch: 6 iterations per epoch
    trainer, _, _, _ = setup_factory(tmp_path, stop=(2, 'epoch'))
    trainer.extend(_reporting(lambda i: {'v': float(i), 'other': 1.0}))
    log_report = extensions.LogReport()
    trainer.extend(log_report)
    trainer.run()
    log = log_report.log
    assert [e['epoch'] for e in log] == [1, 2]
    assert [e['iteration'] for e in log] == [6, 12]
    assert log[0]['v'] == pytest.approx(3.5)        # mean of 1..6
    assert log[1]['v'] == pytest.approx(9.5)        # mean of 7..12
    assert 'main/loss' in log[0] and 'main/accuracy' in log[0]
    assert log[0]['elapsed_time'] <= log[1]['elapsed_time']
    with open(os.path.join(str(tmp_path), 'log')) as f:
        assert json.load(f) == log
    assert not [f for f in os.listdir(str(tmp_path)) if f.startswith('tmp')]


def test_log_report_options(tmp_path, setup_factory):
    trainer, _, _, _ = setup_factory(tmp_path, stop=(4, 'iteration'))
    trainer.extend(_reporting(lambda i: {'a': float(i), 'b': 1.0}))

    def post(entry):
        entry['a2'] = entry['a'] * 2

    lr = extensions.LogReport(keys=['a'], trigger=(2, 'iteration'),
                              postprocess=post, filename='mylog.json')
    trainer.extend(lr)
    nolog = extensions.LogReport(log_name=None)
    trainer.extend(nolog)
    trainer.run()
    assert [e['a'] for e in lr.log] == [1.5, 3.5]
    assert [e['a2'] for e in lr.log] == [3.0, 7.0]
    assert 'b' not in lr.log[0]
    assert os.path.exists(os.path.join(str(tmp_path), 'mylog.json'))
    assert not os.path.exists(os.path.join(str(tmp_path), 'log'))


def test_log_report_serialize(mem_serializers):
    Saver, Loader = mem_serializers
    lr = extensions.LogReport()
    lr._log = [{'epoch': 1, 'main/loss': 0.5}]
    lr._summary.add({'x': 2.0})
    saver = Saver()
    lr.serialize(saver)
    lr2 = extensions.LogReport()
    lr2.serialize(Loader(saver.target))
    assert lr2.log == lr.log
    assert lr2._summary.compute_mean() == {'x': 2.0}


def test_print_report_table(tmp_path, setup_factory):
    trainer, _, _, _ = setup_factory(tmp_path, stop=(2, 'epoch'))
    trainer.extend(_reporting(lambda i: {'v': float(i)}))
    trainer.extend(extensions.LogReport())
    out = io.StringIO()
    trainer.extend(extensions.PrintReport(
        ['epoch', 'iteration', 'v', 'missing', 'a_rather_long_entry_name'], out=out))
    trainer.run()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    header = lines[0].split()
    assert header == ['epoch', 'iteration', 'v', 'missing', 'a_rather_long_entry_name']
    # columns are at least 10 wide, separated by two spaces
    assert lines[0].index('iteration') == 12
    assert lines[1].split() == ['1', '6', '3.5']
    assert lines[2].split() == ['2', '12', '9.5']
    assert lines[1].index('3.5') == lines[0].index('v')
    assert '\033' not in out.getvalue()   # no escape codes off a terminal


def test_print_report_with_log_report_object(tmp_path, setup_factory):
    trainer, _, _, _ = setup_factory(tmp_path, stop=(1, 'epoch'))
    lr = extensions.LogReport(log_name=None)
    out = io.StringIO()
    trainer.extend(extensions.PrintReport(['epoch'], log_report=lr, out=out))
    trainer.run()
    assert out.getvalue().splitlines()[1].strip() == '1'
    with pytest.raises(TypeError):
        extensions.PrintReport(['epoch'], log_report=3, out=out)(trainer)


def test_call_before_training_gets_an_epoch_0_row(tmp_path, setup_factory):
    # Chainer's MNIST example: Evaluator and LogReport with
    # call_before_training=True.  The pre-training evaluation is a row of its
    # own (epoch 0, iteration 0), not averaged into epoch 1.
    trainer, model, _, test_iter = setup_factory(tmp_path, stop=(2, 'epoch'))
    trainer.extend(extensions.Evaluator(test_iter, model), call_before_training=True)
    log_report = extensions.LogReport()
    trainer.extend(log_report, call_before_training=True)
    seen = []
    trainer.extend(_reporting(lambda i: {}))

    @training.make_extension(trigger=(1, 'epoch'), priority=training.PRIORITY_READER)
    def grab(tr):
        seen.append(tr.observation['validation/main/loss'])
    trainer.extend(grab, call_before_training=True)
    trainer.run()
    log = log_report.log
    assert [(e['epoch'], e['iteration']) for e in log] == [(0, 0), (1, 6), (2, 12)]
    assert set(log[0]) == {'epoch', 'iteration', 'elapsed_time',
                           'validation/main/loss', 'validation/main/accuracy'}
    # each row holds only its own evaluation
    assert [e['validation/main/loss'] for e in log] == pytest.approx(seen)
    assert len(set(seen)) == 3
    with open(os.path.join(str(tmp_path), 'log')) as f:
        assert [e['epoch'] for e in json.load(f)] == [0, 1, 2]


def test_before_training_extensions_do_not_run_again_on_resume(tmp_path, setup_factory):
    from fastgrad import serializers
    trainer, model, _, test_iter = setup_factory(tmp_path, stop=(1, 'epoch'))
    log_report = extensions.LogReport()
    trainer.extend(log_report, call_before_training=True)
    trainer.run()
    path = str(tmp_path / 'snap.npz')
    serializers.save_npz(path, trainer)
    trainer2, _, _, _ = setup_factory(tmp_path, stop=(2, 'epoch'))
    log_report2 = extensions.LogReport()
    trainer2.extend(log_report2, call_before_training=True)
    serializers.load_npz(path, trainer2)
    trainer2.run()
    assert [e['epoch'] for e in log_report2.log] == [0, 1, 2]


def test_plot_report_point_before_training(tmp_path, setup_factory):
    pytest.importorskip('matplotlib')
    trainer, model, _, test_iter = setup_factory(tmp_path, stop=(2, 'epoch'))
    trainer.extend(extensions.Evaluator(test_iter, model), call_before_training=True)
    plot = extensions.PlotReport(['main/loss', 'validation/main/loss'], 'epoch')
    trainer.extend(plot, call_before_training=True)
    trainer.run()
    assert [x for x, _ in plot._data['validation/main/loss']] == [0, 1, 2]
    assert [x for x, _ in plot._data['main/loss']] == [1, 2]
