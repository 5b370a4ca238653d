"""DumpGraph, unchain_variables, VariableStatisticsPlot, the shift module
paths, and build_computational_graph itself."""

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import computational_graph, iterators, optimizers, training
from fastgrad.datasets import TupleDataset
from fastgrad.training import extensions


def _trainer(tmp_path, iterations=3):
    rng = numpy.random.RandomState(0)
    x = rng.randn(32, 4).astype(numpy.float32)
    t = (x[:, 0] > 0).astype(numpy.int32)
    model = L.Classifier(L.Linear(4, 2))
    opt = optimizers.SGD().setup(model)
    it = iterators.SerialIterator(TupleDataset(x, t), 8)
    updater = training.updaters.StandardUpdater(it, opt)
    return training.Trainer(updater, (iterations, 'iteration'), out=str(tmp_path)), model


def test_dump_graph_writes_the_loss_graph_once(tmp_path):
    trainer, _ = _trainer(tmp_path)
    trainer.extend(extensions.DumpGraph('main/loss'))
    before = fastgrad.config.keep_graph_on_report
    trainer.run()
    assert fastgrad.config.keep_graph_on_report == before
    dot = (tmp_path / 'cg.dot').read_text()
    assert dot.startswith('digraph graphname{rankdir=TB;')
    assert 'SoftmaxCrossEntropy' in dot and '->' in dot


def test_dump_graph_needs_a_variable(tmp_path):
    trainer, _ = _trainer(tmp_path)
    trainer.extend(extensions.DumpGraph('main/accuracy_missing'))
    with pytest.raises(KeyError):
        trainer.run()


def test_unchain_variables_cuts_kept_graphs(tmp_path):
    trainer, _ = _trainer(tmp_path, iterations=2)
    kept = []

    @training.make_extension(trigger=(1, 'iteration'), priority=50)
    def grab(trainer):
        kept.append(trainer.observation['main/loss'])
    trainer.extend(grab)
    trainer.extend(extensions.unchain_variables())
    with fastgrad.using_config('keep_graph_on_report', True):
        trainer.run()
    assert kept and all(v.creator is None for v in kept)


def test_variable_statistics_plot(tmp_path):
    pytest.importorskip('matplotlib')
    trainer, model = _trainer(tmp_path, iterations=4)
    trainer.extend(extensions.VariableStatisticsPlot(model, trigger=(2, 'iteration')),
                   trigger=(1, 'iteration'))
    trainer.run()
    assert (tmp_path / 'statistics.png').stat().st_size > 0
    with pytest.raises(ValueError):
        extensions.VariableStatisticsPlot(model, report_data=False, report_grad=False)


def test_variable_statistics_plot_keeps_a_bounded_sample(tmp_path):
    trainer, model = _trainer(tmp_path, iterations=6)
    plot = extensions.VariableStatisticsPlot(model, max_sample_size=4,
                                             percentile_sigmas=(0, 50, 100))
    trainer.extend(plot, trigger=(1, 'iteration'))
    trainer.run()
    iterations, rows = plot._samples.get_data()
    assert len(iterations) == 4 and list(iterations) == sorted(iterations)
    assert rows.shape == (4, 2, 5)      # data and grad; mean, std, 3 percentiles
    # the statistics of the last iteration kept are those of all the values
    if iterations[-1] == 6:
        values = numpy.concatenate([p.array.ravel() for p in model.params()])
        numpy.testing.assert_allclose(
            rows[-1, 0], [values.mean(), values.std(), values.min(),
                          numpy.median(values), values.max()], rtol=1e-6)


def test_reservoir_keeps_each_item_with_equal_probability():
    numpy.random.seed(1)
    kept = numpy.zeros(20)
    for _ in range(2000):
        r = extensions.variable_statistics_plot.Reservoir(5, (), dtype=numpy.int64)
        for i in range(20):
            r.add(i, idx=i)
        idxs, data = r.get_data()
        assert list(idxs) == list(data) and len(set(idxs)) == 5
        kept[idxs] += 1
    # each of 20 items kept with probability 5/20: 500 of 2000 expected
    assert numpy.all(numpy.abs(kept - 500) < 90)


def test_statistician_matches_numpy():
    x = numpy.random.RandomState(0).randn(4, 6)
    s = extensions.variable_statistics_plot.Statistician(True, True, (10, 90))
    for axis in (None, 0, (0, 1)):
        stats = s(x, axis=axis, dtype=numpy.float32)
        ax = None if axis is None else axis
        numpy.testing.assert_allclose(stats['mean'], x.mean(axis=ax), rtol=1e-6)
        numpy.testing.assert_allclose(stats['std'], x.std(axis=ax), rtol=1e-6)
        numpy.testing.assert_allclose(stats['percentile'],
                                      numpy.percentile(x, (10, 90), axis=ax), rtol=1e-6)
        assert all(v.dtype == numpy.float32 for v in stats.values())


def test_shift_module_paths():
    assert extensions.linear_shift.LinearShift is extensions.LinearShift
    assert extensions.warmup_shift.WarmupShift is extensions.WarmupShift
    assert extensions.step_shift.StepShift is extensions.StepShift


def test_build_computational_graph():
    x = fastgrad.Variable(numpy.ones((2, 3), numpy.float32), name='x')
    h = F.relu(x)
    y = F.sum(h * x)
    g = computational_graph.build_computational_graph([y])
    labels = sorted(n.label for n in g.nodes)
    assert labels.count('(2, 3), float32') == 3 and 'ReLU' in labels and 'Sum' in labels
    assert len(g.nodes) == 7 and len(g.edges) == 7
    dot = g.dump()
    assert 'label="x: (2, 3), float32"' in dot
    only_f = computational_graph.build_computational_graph(y, remove_variable=True).dump()
    assert 'float32' not in only_f and only_f.count('->') == 2   # ReLU->Mul->Sum
    plain = computational_graph.build_computational_graph(
        y, variable_style=None, function_style=None, rankdir='LR').dump()
    assert 'fillcolor' not in plain and 'rankdir=LR' in plain
    with pytest.raises(ValueError):
        computational_graph.build_computational_graph(y, rankdir='XX')
    with pytest.raises(NotImplementedError):
        g.dump('png')
