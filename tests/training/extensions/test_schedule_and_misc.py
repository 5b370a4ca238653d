import warnings

import numpy
import pytest

from fastgrad import serializers, training
from fastgrad.training import extensions


def test_exponential_shift(tmp_path, setup_factory):
    trainer, _, opt, _ = setup_factory(tmp_path, stop=(5, 'iteration'), lr=0.8)
    trainer.extend(extensions.ExponentialShift('lr', 0.5), trigger=(1, 'iteration'))
    lrs = []
    trainer.extend(lambda tr: lrs.append(opt.lr), name='rec', priority=-1)
    trainer.run()
    assert lrs == pytest.approx([0.4, 0.2, 0.1, 0.05, 0.025])


def test_exponential_shift_init_target_and_optimizer(tmp_path, setup_factory):
    trainer, _, opt, _ = setup_factory(tmp_path, stop=(4, 'iteration'))
    shift = extensions.ExponentialShift('lr', 2.0, init=1.0, target=5.0, optimizer=opt)
    trainer.extend(shift, trigger=(1, 'iteration'))
    lrs = []
    trainer.extend(lambda tr: lrs.append(opt.lr), name='rec', priority=-1)
    trainer.run()
    assert lrs == [2.0, 4.0, 5.0, 5.0]
    with pytest.raises(ValueError):
        extensions.ExponentialShift('lr', -1)


def test_exponential_shift_resume(tmp_path, setup_factory):
    trainer, _, opt, _ = setup_factory(tmp_path, stop=(3, 'iteration'), lr=1.0)
    trainer.extend(extensions.ExponentialShift('lr', 0.5), trigger=(1, 'iteration'))
    trainer.extend(extensions.snapshot(filename='snap'), trigger=(3, 'iteration'))
    trainer.run()
    assert opt.lr == 0.125
    trainer2, _, opt2, _ = setup_factory(tmp_path / 'b', stop=(4, 'iteration'), lr=1.0)
    trainer2.extend(extensions.ExponentialShift('lr', 0.5), trigger=(1, 'iteration'))
    serializers.load_npz(str(tmp_path / 'snap'), trainer2)
    trainer2.run()
    assert opt2.lr == 0.0625


def test_observe_lr_and_value(tmp_path, setup_factory):
    trainer, _, opt, _ = setup_factory(tmp_path, stop=(2, 'epoch'), lr=0.3)
    log = extensions.LogReport()
    trainer.extend(extensions.observe_lr())
    trainer.extend(extensions.observe_value('it', lambda tr: tr.updater.iteration),
                   trigger=(1, 'iteration'))
    trainer.extend(log)
    trainer.run()
    assert [e['lr'] for e in log.log] == [0.3, 0.3]
    assert [e['it'] for e in log.log] == [3.5, 9.5]


def test_plot_report_writes_png(tmp_path, setup_factory):
    pytest.importorskip('matplotlib')
    trainer, model, _, test_iter = setup_factory(tmp_path, stop=(3, 'epoch'))
    trainer.extend(extensions.Evaluator(test_iter, model))
    plot = extensions.PlotReport(['main/loss', 'validation/main/loss'], 'epoch',
                                 filename='loss.png')
    trainer.extend(plot)
    trainer.run()
    png = (tmp_path / 'loss.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 1000
    assert [x for x, _ in plot._data['main/loss']] == [1, 2, 3]
    assert extensions.PlotReport.available()


def test_plot_report_serialize(mem_serializers):
    Saver, Loader = mem_serializers
    p = extensions.PlotReport(['a'], file_name='x.png')
    p._data['a'] = [(6, 0.5), (12, 0.25)]
    saver = Saver()
    p.serialize(saver)
    assert list(saver.target) == ['_plot_x.png']     # Chainer 7.8.1's entry
    q = extensions.PlotReport(['a'], file_name='x.png')
    q.serialize(Loader(saver.target))
    assert q._data == {'a': [(6, 0.5), (12, 0.25)]}
    with pytest.raises(ValueError):
        extensions.PlotReport(['a'], x_key='time')


def test_plot_report_without_matplotlib(tmp_path, setup_factory, monkeypatch):
    import sys

    from fastgrad.training.extensions import plot_report
    monkeypatch.setitem(sys.modules, 'matplotlib', None)
    monkeypatch.setattr(plot_report, '_available', None)
    monkeypatch.setattr(plot_report, '_warned', False)
    trainer, _, _, _ = setup_factory(tmp_path, stop=(2, 'epoch'))
    trainer.extend(extensions.PlotReport(['main/loss']))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        assert not extensions.PlotReport.available()
        trainer.run()
    msgs = [str(x.message) for x in w if 'matplotlib' in str(x.message)]
    assert len(msgs) == 1 and 'pip install matplotlib' in msgs[0]
    assert not (tmp_path / 'plot.png').exists()


def test_fail_on_nonnumber(tmp_path, setup_factory):
    trainer, model, _, _ = setup_factory(tmp_path, stop=(3, 'iteration'))
    trainer.extend(extensions.FailOnNonNumber())

    def poison(tr):
        if tr.updater.iteration == 2:
            model.predictor.b.array[0] = numpy.nan

    trainer.extend(poison, priority=training.PRIORITY_WRITER)
    with pytest.raises(RuntimeError, match='predictor/b'):
        trainer.run(show_loop_exception_msg=False)
    assert trainer.updater.iteration == 2


def test_micro_average(tmp_path, setup_factory):
    trainer, _, _, _ = setup_factory(tmp_path, stop=(2, 'epoch'))

    @training.make_extension(trigger=(1, 'iteration'), priority=training.PRIORITY_WRITER)
    def put(tr):
        tr.observation['correct'] = tr.updater.iteration
        tr.observation['total'] = 10

    got = []
    trainer.extend(put)
    trainer.extend(extensions.MicroAverage('correct', 'total', 'acc'))
    trainer.extend(lambda tr: got.append(tr.observation.get('acc')), name='rec',
                   priority=training.PRIORITY_READER)
    trainer.run()
    assert got[5] == pytest.approx(21 / 60) and got[11] == pytest.approx(57 / 60)
    assert got[0] is None


def _schedule(tmp_path, setup_factory, ext, n, lr=1.0):
    trainer, _, opt, _ = setup_factory(tmp_path, stop=(n, 'iteration'), lr=lr)
    trainer.extend(ext, trigger=(1, 'iteration'))
    got = []
    trainer.extend(lambda tr: got.append(opt.lr), name='rec', priority=-1)
    trainer.run()
    return got


def test_linear_shift(tmp_path, setup_factory):
    got = _schedule(tmp_path, setup_factory,
                    extensions.LinearShift('lr', (1.0, 0.0), (1, 5)), 6)
    assert got == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0, 0.0])


def test_step_and_multistep_shift(tmp_path, setup_factory):
    got = _schedule(tmp_path, setup_factory,
                    extensions.StepShift('lr', 0.5, 2, target=0.3), 6)
    assert got == pytest.approx([1.0, 0.5, 0.5, 0.3, 0.3, 0.3])
    got = _schedule(tmp_path, setup_factory,
                    extensions.MultistepShift('lr', 0.1, [2, 4], 1.0), 5)
    assert got == pytest.approx([1.0, 0.1, 0.1, 0.01, 0.01])
    with pytest.raises(ValueError):
        extensions.StepShift('lr', 0.5, 0)


def test_polynomial_inverse_warmup_shift(tmp_path, setup_factory):
    got = _schedule(tmp_path, setup_factory,
                    extensions.PolynomialShift('lr', 2, 4), 5, lr=2.0)
    assert got == pytest.approx([2 * 0.75 ** 2, 2 * 0.5 ** 2, 2 * 0.25 ** 2, 0., 0.])
    got = _schedule(tmp_path, setup_factory,
                    extensions.PolynomialShift('lr', 1, 4, target=0.9), 3, lr=2.0)
    assert got == pytest.approx([1.5, 1.0, 0.9])
    # Chainer's argument order: attr, rate, max_count, init, target, optimizer
    got = _schedule(tmp_path, setup_factory,
                    extensions.PolynomialShift('lr', 0.5, 4, 3.0, None), 2, lr=2.0)
    assert got == pytest.approx([3 * 0.75 ** 0.5, 3 * 0.5 ** 0.5])
    got = _schedule(tmp_path, setup_factory,
                    extensions.InverseShift('lr', 1.0, 1.0, target=0.3), 4)
    assert got == pytest.approx([0.5, 1 / 3, 0.3, 0.3])
    got = _schedule(tmp_path, setup_factory,
                    extensions.WarmupShift('lr', 0.0, 4, init=0.8), 6)
    assert got == pytest.approx([0.2, 0.4, 0.6, 0.8, 0.8, 0.8])


def test_shift_resume(tmp_path, setup_factory):
    trainer, _, opt, _ = setup_factory(tmp_path, stop=(3, 'iteration'))
    trainer.extend(extensions.LinearShift('lr', (1.0, 0.0), (0, 10)),
                   trigger=(1, 'iteration'))
    trainer.extend(extensions.snapshot(filename='s'), trigger=(3, 'iteration'))
    trainer.run()
    assert opt.lr == pytest.approx(0.7)
    trainer2, _, opt2, _ = setup_factory(tmp_path / 'b', stop=(5, 'iteration'), lr=5.0)
    trainer2.extend(extensions.LinearShift('lr', (1.0, 0.0), (0, 10)),
                    trigger=(1, 'iteration'))
    serializers.load_npz(str(tmp_path / 's'), trainer2)
    trainer2.run()
    assert opt2.lr == pytest.approx(0.5)
