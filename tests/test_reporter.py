import threading

import numpy
import pytest

import fastgrad
from fastgrad import reporter as reporter_module


class MemSaver(object):
    def __init__(self, target=None, path=''):
        self.target = {} if target is None else target
        self.path = path

    def __getitem__(self, key):
        return MemSaver(self.target, self.path + key + '/')

    def __call__(self, key, value):
        self.target[self.path + key] = None if value is None else numpy.array(value)
        return value


class MemLoader(MemSaver):
    def __getitem__(self, key):
        return MemLoader(self.target, self.path + key + '/')

    def __call__(self, key, value):
        data = self.target[self.path + key]
        if value is None:
            return data
        if isinstance(value, numpy.ndarray):
            numpy.copyto(value, data)
            return value
        return type(value)(data.item() if data.ndim == 0 else data)


def test_report_outside_any_reporter_is_a_noop():
    reporter_module.report({'x': 1})
    with pytest.raises(IndexError):
        reporter_module.get_current_reporter()


def test_report_with_observer_names():
    r = reporter_module.Reporter()
    link = fastgrad.Link()
    child = fastgrad.Link()
    r.add_observer('main', link)
    r.add_observers('main', [('/child', child)])
    observation = {}
    with r.scope(observation):
        assert reporter_module.get_current_reporter() is r
        reporter_module.report({'loss': 1.5}, link)
        reporter_module.report({'w': 2}, child)
        reporter_module.report({'plain': 3})
    assert observation == {'main/loss': 1.5, 'main/child/w': 2, 'plain': 3}
    assert r.observation == {}   # scope restored the old dict


def test_unregistered_observer():
    r = reporter_module.Reporter()
    with r:
        with pytest.raises(KeyError, match='not registered'):
            reporter_module.report({'a': 1}, fastgrad.Link())


def test_nested_reporters_and_report_scope():
    outer, inner = reporter_module.Reporter(), reporter_module.Reporter()
    with outer:
        with inner:
            reporter_module.report({'a': 1})
            assert reporter_module.get_current_reporter() is inner
        reporter_module.report({'b': 2})
        obs = {}
        with reporter_module.report_scope(obs):
            reporter_module.report({'c': 3})
        reporter_module.report({'d': 4})
    assert inner.observation == {'a': 1}
    assert outer.observation == {'b': 2, 'd': 4}
    assert obs == {'c': 3}


def test_reported_variables_are_detached_unless_configured():
    x = fastgrad.Variable(numpy.array([1., 2.], 'f'))
    y = fastgrad.functions.sum(x * x)
    r = reporter_module.Reporter()
    with r:
        reporter_module.report({'y': y})
    reported = r.observation['y']
    assert isinstance(reported, fastgrad.Variable)
    assert reported.creator is None
    numpy.testing.assert_array_equal(reported.array, y.array)
    r2 = reporter_module.Reporter()
    with fastgrad.using_config('keep_graph_on_report', True):
        with r2:
            reporter_module.report({'y': y})
    assert r2.observation['y'] is y


def test_reporter_stack_is_thread_local():
    r = reporter_module.Reporter()
    seen = []

    def other():
        try:
            reporter_module.get_current_reporter()
            seen.append('found')
        except IndexError:
            seen.append('none')

    with r:
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == ['none']


def test_fastgrad_report_alias():
    # Until fastgrad/__init__ exports it, the module function is the API.
    report = getattr(fastgrad, 'report', reporter_module.report)
    r = reporter_module.Reporter()
    with r:
        report({'k': 1})
    assert r.observation == {'k': 1}


def test_summary_mean_std_weights():
    s = reporter_module.Summary()
    for v in (1., 2., 3., 4.):
        s.add(v)
    assert s.compute_mean() == pytest.approx(2.5)
    mean, std = s.make_statistics()
    assert mean == pytest.approx(2.5)
    assert std == pytest.approx(numpy.std([1., 2., 3., 4.]))
    w = reporter_module.Summary()
    w.add(1., weight=3)
    w.add(fastgrad.Variable(numpy.array(5.)), weight=1)
    assert w.compute_mean() == pytest.approx(2.)


def test_summary_std_never_nan():
    s = reporter_module.Summary()
    for _ in range(3):
        s.add(numpy.float32(0.1))
    _, std = s.make_statistics()
    assert numpy.isfinite(std) and std >= 0


def test_dict_summary():
    d = reporter_module.DictSummary()
    d.add({'a': 1., 'b': numpy.array(2.), 'v': fastgrad.Variable(numpy.array(4.)),
           'skip_array': numpy.zeros(3), 'skip_str': 'text'})
    d.add({'a': 3., 'w': (2., 3)})
    d.add({'w': (fastgrad.Variable(numpy.array(6.)), fastgrad.Variable(numpy.array(1.)))})
    mean = d.compute_mean()
    assert set(mean) == {'a', 'b', 'v', 'w'}
    assert mean['a'] == pytest.approx(2.)
    assert mean['w'] == pytest.approx((2. * 3 + 6.) / 4)
    stats = d.make_statistics()
    assert stats['a.std'] == pytest.approx(1.)
    with pytest.raises(ValueError, match='weight'):
        d.add({'a': (1., numpy.ones(2))})


def test_summaries_serialize_roundtrip():
    d = reporter_module.DictSummary()
    d.add({'a': 1., 'b': 10.})
    d.add({'a': 3.})
    saver = MemSaver()
    d.serialize(saver)
    e = reporter_module.DictSummary()
    e.add({'stale': 5.})
    e.serialize(MemLoader(saver.target))
    assert e.compute_mean() == pytest.approx({'a': 2., 'b': 10.})
    e.add({'a': 5.})
    assert e.compute_mean()['a'] == pytest.approx(3.)


def test_summaries_load_from_npz_replaces_what_was_added_since(tmp_path):
    """Through save_npz/load_npz (fastgrad's two-pass loader): the loaded
    statistics replace the current ones, keys added since included."""
    d = reporter_module.DictSummary()
    d.add({'a': 3., 'b': 1.})
    d.add({'a': 1., 'b': 5.})
    path = str(tmp_path / 'summary.npz')
    fastgrad.serializers.save_npz(path, d)
    d.add({'a': 2., 'b': 6., 'c': 5.})
    fastgrad.serializers.load_npz(path, d)
    assert d.compute_mean() == pytest.approx({'a': 2., 'b': 3.})


def test_summaries_from_a_snapshot_without_them_start_anew(tmp_path):
    path = str(tmp_path / 'old.npz')
    numpy.savez(path, dummy=0)
    d = reporter_module.DictSummary()
    d.add({'a': 3.})
    with pytest.warns(UserWarning, match='start anew'):
        fastgrad.serializers.load_npz(path, d)
    assert d.compute_mean() == {}
    s = reporter_module.Summary()
    s.add(7.)
    with pytest.warns(UserWarning, match='start anew'):
        fastgrad.serializers.load_npz(path, s)
    s.add(2.)
    s.add(3.)
    assert s.compute_mean() == pytest.approx(2.5)
