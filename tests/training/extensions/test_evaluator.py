import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import dataset, iterators, reporter
from fastgrad.training import extensions


class Probe(fastgrad.Link):
    """Reports the batch mean and records the mode it ran in."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.w = fastgrad.Parameter(numpy.ones((), 'f'))
        self.modes = []

    def forward(self, x, t=None):
        self.modes.append((fastgrad.config.train, fastgrad.config.enable_backprop))
        y = F.sum(x * self.w) / len(x)
        reporter.report({'mean': y, 'n': len(x)}, self)
        return y


def _iter(values, batch_size=2):
    data = [numpy.array(v, 'f') for v in values]
    return iterators.SerialIterator(data, batch_size, repeat=False, shuffle=False)


def test_evaluate_means_and_modes():
    probe = Probe()
    ev = extensions.Evaluator(_iter([1, 3, 5, 7]), probe)
    result = ev()
    # no name (not registered to a trainer): keys are 'main/...'
    assert result['main/mean'] == pytest.approx((2 + 6) / 2)
    assert probe.modes == [(False, False)] * 2
    assert fastgrad.config.train
    # the iterator is reset each time: the same result again
    assert ev()['main/mean'] == pytest.approx(4.)


def test_reports_under_its_name_in_a_trainer(tmp_path, setup_factory):
    trainer, model, _, test_iter = setup_factory(tmp_path, stop=(2, 'epoch'))
    log = extensions.LogReport()
    trainer.extend(extensions.Evaluator(test_iter, model))
    trainer.extend(log)
    trainer.run()
    for entry in log.log:
        assert {'validation/main/loss', 'validation/main/accuracy',
                'main/loss'} <= set(entry)
    assert trainer.get_extension('validation').name == 'validation'


def test_default_trigger_and_priority():
    ev = extensions.Evaluator(_iter([1]), Probe())
    assert ev.trigger == (1, 'epoch')
    assert ev.priority == fastgrad.training.PRIORITY_WRITER
    assert ev.default_name == 'validation'


def test_eval_hook_eval_func_converter_and_dict_targets():
    probe = Probe()
    hooks, funcs = [], []

    def eval_func(x):
        funcs.append(x.shape)
        return probe(x)

    def conv(batch, device=None):
        return dataset.concat_examples(batch, device) * 2

    ev = extensions.Evaluator({'main': _iter([1, 2, 3])}, {'main': probe},
                              converter=conv, eval_hook=hooks.append,
                              eval_func=eval_func)
    result = ev()
    assert hooks == [ev]
    assert funcs == [(2,), (1,)]
    assert result['main/mean'] == pytest.approx((3. + 6.) / 2)
    assert ev.get_target('main') is probe
    assert set(ev.get_all_iterators()) == {'main'}


def test_tuple_batches_and_warning_for_repeating_iterator():
    probe = Probe()
    data = [(numpy.array(v, 'f'), numpy.int32(0)) for v in (2, 4)]
    it = iterators.SerialIterator(data, 2, repeat=False, shuffle=False)
    assert extensions.Evaluator(it, probe)()['main/mean'] == pytest.approx(3.)
    with pytest.warns(UserWarning, match='repeat'):
        extensions.Evaluator(iterators.SerialIterator(data, 2), probe)


def test_iterator_without_reset_is_copied():
    class OneShot(object):
        """Iterable without reset(): a fresh copy each evaluation."""

        def __init__(self, batches):
            self.batches = batches
            self.pos = 0

        def __iter__(self):
            return self

        def __next__(self):
            if self.pos >= len(self.batches):
                raise StopIteration
            self.pos += 1
            return self.batches[self.pos - 1]

        def finalize(self):
            pass

    it = OneShot([[numpy.array(2., 'f')]])
    ev = extensions.Evaluator(it, Probe())
    assert ev()['main/mean'] == 2.
    assert ev()['main/mean'] == 2.
    assert it.pos == 0


def test_finalize_finalizes_iterators():
    it = iterators.MultiprocessIterator([numpy.array(1., 'f')] * 4, 2,
                                        repeat=False, shuffle=False, n_processes=2)
    ev = extensions.Evaluator(it, Probe())
    assert ev()['main/mean'] == pytest.approx(1.)
    ev.finalize()
    with pytest.raises(RuntimeError):
        it.next()
