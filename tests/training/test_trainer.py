import os

import numpy
import pytest

import fastgrad
from fastgrad import reporter, training
from fastgrad.training import extensions


def test_runs_until_stop_trigger_and_reports_main_loss(tmp_path, setup_factory):
    trainer, model, opt, _ = setup_factory(tmp_path / 'out', n=60, batch_size=10,
                                           stop=(3, 'epoch'))
    seen = []

    @training.make_extension(trigger=(1, 'iteration'))
    def record(tr):
        seen.append((tr.updater.iteration, dict(tr.observation)))

    trainer.extend(record)
    trainer.run()
    assert os.path.isdir(str(tmp_path / 'out'))
    assert trainer.updater.iteration == 18 and trainer.updater.epoch == 3
    assert [i for i, _ in seen] == list(range(1, 19))
    # Classifier reports through the trainer's reporter, named by the optimizer
    for _, obs in seen:
        assert set(obs) >= {'main/loss', 'main/accuracy'}
        assert isinstance(obs['main/loss'], fastgrad.Variable)
    assert trainer.elapsed_time > 0
    with pytest.raises(RuntimeError, match='twice'):
        trainer.run()


def test_sublinks_are_observers(tmp_path, setup_factory):
    trainer, model, _, _ = setup_factory(tmp_path, stop=(1, 'iteration'))
    got = {}

    def ext(tr):
        got.update(tr.observation)

    # the Linear inside the Classifier is registered as 'main/predictor'
    def report_from_predictor(tr):
        reporter.report({'norm': 1.0}, model.predictor)

    trainer.extend(report_from_predictor, priority=training.PRIORITY_WRITER)
    trainer.extend(ext)
    trainer.run()
    assert got['main/predictor/norm'] == 1.0


def test_extension_order_names_and_hooks(tmp_path, setup_factory):
    trainer, _, _, _ = setup_factory(tmp_path, stop=(2, 'iteration'))
    calls = []

    class Ext(training.Extension):
        def __init__(self, tag, priority):
            self.tag = tag
            self.priority = priority

        def __call__(self, tr):
            calls.append(('call', self.tag, tr.updater.iteration))

        def initialize(self, tr):
            calls.append(('init', self.tag))

        def finalize(self):
            calls.append(('final', self.tag))

    trainer.extend(Ext('reader', training.PRIORITY_READER))
    trainer.extend(Ext('writer', training.PRIORITY_WRITER))
    trainer.extend(Ext('editor', training.PRIORITY_EDITOR))
    trainer.extend(Ext('before', training.PRIORITY_READER),
                   call_before_training=True, trigger=(10, 'iteration'))
    assert set(trainer._extensions) == {'Ext', 'Ext_1', 'Ext_2', 'Ext_3'}
    assert trainer.get_extension('Ext_1').tag == 'writer'
    with pytest.raises(ValueError, match='not found'):
        trainer.get_extension('nope')
    trainer.run()
    assert calls[:4] == [('init', 'writer'), ('init', 'editor'),
                         ('init', 'reader'), ('init', 'before')]
    assert calls[4] == ('call', 'before', 0)
    assert calls[5:8] == [('call', 'writer', 1), ('call', 'editor', 1),
                          ('call', 'reader', 1)]
    assert calls[-4:] == [('final', 'writer'), ('final', 'editor'),
                          ('final', 'reader'), ('final', 'before')]


def test_extend_names_and_defaults(tmp_path, setup_factory):
    trainer, _, _, _ = setup_factory(tmp_path)

    def plain(tr):
        pass

    trainer.extend(plain)
    trainer.extend(lambda tr: None, name='lam')
    assert set(trainer._extensions) == {'plain', 'lam'}
    entry = trainer._extensions['plain']
    assert entry.priority == training.PRIORITY_READER
    assert entry.trigger.period == 1 and entry.trigger.unit == 'iteration'
    with pytest.raises(ValueError, match='training'):
        trainer.extend(plain, name='training')
    ev = extensions.LogReport()
    trainer.extend(ev, trigger=(2, 'epoch'), priority=5)
    assert ev.name == 'LogReport'
    assert trainer._extensions['LogReport'].priority == 5


def test_make_extension_attributes():
    def init(tr):
        pass

    @training.make_extension(trigger=(2, 'epoch'), default_name='nm',
                             priority=7, initializer=init)
    def ext(tr):
        pass

    assert ext.trigger == (2, 'epoch') and ext.default_name == 'nm'
    assert ext.priority == 7 and ext.initialize is init and ext.finalize is None

    @training.make_extension()
    def ext2(tr):
        pass

    assert ext2.trigger == (1, 'iteration') and ext2.default_name == 'ext2'
    assert ext2.priority == training.PRIORITY_READER
    with pytest.raises(ValueError, match='removed'):
        training.make_extension(invoke_before_training=True)
    with pytest.raises(TypeError, match='unexpected'):
        training.make_extension(foo=1)


def test_error_handlers_and_finalizers_run(tmp_path, setup_factory, capsys):
    trainer, _, _, _ = setup_factory(tmp_path, stop=(5, 'iteration'))
    log = []

    def boom(tr):
        if tr.updater.iteration == 2:
            raise RuntimeError('boom at 2')

    boom.on_error = lambda tr, exc, tb: log.append(('on_error', str(exc)))
    boom.finalize = lambda: log.append('finalize')
    trainer.extend(boom)
    with pytest.raises(RuntimeError, match='boom at 2'):
        trainer.run()
    assert log == [('on_error', 'boom at 2'), 'finalize']
    assert 'Exception in main training loop: boom at 2' in capsys.readouterr().err


def test_elapsed_time_before_run(tmp_path, setup_factory):
    trainer, _, _, _ = setup_factory(tmp_path)
    with pytest.raises(RuntimeError, match='not been started'):
        trainer.elapsed_time
    assert trainer.is_before_training


def test_training_learns(tmp_path, setup_factory):
    trainer, model, _, test_iter = setup_factory(tmp_path, n=200, stop=(10, 'epoch'),
                                                 lr=0.5)
    ev = extensions.Evaluator(test_iter, model)
    before = ev()['main/accuracy']
    trainer.run()
    after = ev()['main/accuracy']
    assert after > 0.9 and after > before


def test_serialize_resume_continues_exactly(tmp_path, setup_factory, mem_serializers):
    Saver, Loader = mem_serializers

    def build(out):
        trainer, model, opt, test_iter = setup_factory(out, n=50, batch_size=8,
                                                       stop=(4, 'epoch'))
        trainer.extend(extensions.LogReport(trigger=(1, 'epoch')))
        trainer.extend(extensions.Evaluator(test_iter, model))
        return trainer, model

    # Run straight through, snapshotting the state after 9 iterations.
    numpy.random.seed(0)
    full, full_model = build(tmp_path / 'a')
    saver = Saver()
    rng_state = []

    @training.make_extension(trigger=(9, 'iteration'), priority=-100)
    def snap(tr):
        if tr.updater.iteration == 9:
            tr.serialize(saver)
            # Shuffling draws from NumPy's global RNG, which snapshots do not
            # hold (nor do Chainer's): keep it to compare exactly.
            rng_state.append(numpy.random.get_state())

    full.extend(snap)
    full.run()

    numpy.random.seed(42)   # a different initial model: overwritten by the load
    resumed, resumed_model = build(tmp_path / 'b')
    resumed.extend(snap)
    resumed.serialize(Loader(saver.target))
    assert resumed.updater.iteration == 9
    numpy.random.set_state(rng_state[0])
    resumed.run()
    assert resumed.updater.iteration == full.updater.iteration
    numpy.testing.assert_allclose(resumed_model.predictor.W.array,
                                  full_model.predictor.W.array, rtol=1e-6)
    log_a = full.get_extension('LogReport').log
    log_b = resumed.get_extension('LogReport').log
    assert len(log_a) == len(log_b) == 4
    for a, b in zip(log_a, log_b):
        for key in ('main/loss', 'validation/main/loss', 'epoch', 'iteration'):
            assert a[key] == pytest.approx(b[key], rel=1e-5)
    # elapsed time continues from the snapshot's
    assert log_b[-1]['elapsed_time'] >= float(saver.target['_snapshot_elapsed_time'])


def test_multiprocess_iterators_are_finalized_by_run(tmp_path, data_factory):
    import fastgrad.links as L
    from fastgrad import iterators, optimizers
    make_data = data_factory
    model = L.Classifier(L.Linear(2, 2))
    opt = optimizers.SGD(lr=0.1)
    opt.setup(model)
    train = iterators.MultiprocessIterator(make_data(40), 10, n_processes=2)
    test = iterators.MultiprocessIterator(make_data(20, 1), 10, repeat=False,
                                          shuffle=False, n_processes=2)
    trainer = training.Trainer(training.updaters.StandardUpdater(train, opt),
                               (2, 'epoch'), out=str(tmp_path))
    log = extensions.LogReport()
    trainer.extend(extensions.Evaluator(test, model))
    trainer.extend(log)
    trainer.run()
    assert [e['epoch'] for e in log.log] == [1, 2]
    assert 'validation/main/accuracy' in log.log[0]
    for it in (train, test):
        assert it._pool is None
        with pytest.raises(RuntimeError, match='finalize'):
            it.next()
