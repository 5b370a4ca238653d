import json
import math
import re

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import reporter
from fastgrad.training import extensions

SIGMAS = (0.13, 2.28, 15.87, 50, 84.13, 97.72, 99.87)
DEFAULT_NAMES = ('mean', 'std', 'min', 'max', 'zeros', 'percentile')


def _run(ext):
    """One call of the extension, with a trigger that fires: the reported
    observation."""
    ext._trigger = lambda trainer: True
    observation = {}
    with reporter.Reporter().scope(observation):
        ext(None)
    return observation


def _reference(x):
    """float64 statistics written out (linear-interpolation percentiles)."""
    x = numpy.asarray(x, dtype=numpy.float64).ravel()
    n = x.size
    mean = math.fsum(x) / n
    std = math.sqrt(math.fsum((x - mean) ** 2) / n)
    s = numpy.sort(x)
    percentiles = []
    for p in SIGMAS:
        rank = p / 100. * (n - 1)
        lo = int(math.floor(rank))
        hi = min(lo + 1, n - 1)
        percentiles.append(s[lo] + (rank - lo) * (s[hi] - s[lo]))
    stats = {'mean': mean, 'std': std, 'min': s[0], 'max': s[-1],
             'zeros': float(sum(1 for v in x if v == 0))}
    stats.update({'percentile/{}'.format(i): v for i, v in enumerate(percentiles)})
    return stats


def _linear():
    """A Linear(4, 3) with known data and grads (some zeros)."""
    lin = L.Linear(4, 3)
    lin.W.array[...] = numpy.arange(-5, 7, dtype=numpy.float32).reshape(3, 4) / 4
    lin.b.array[...] = numpy.array([0.5, 0., -2.], numpy.float32)
    lin.W.grad = numpy.linspace(-1, 2, 12, dtype=numpy.float32).reshape(3, 4) ** 3
    lin.b.grad = numpy.array([0., 0., 3.], numpy.float32)
    return lin


class Holder(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = _linear()


def test_default_statistics_match_numpy():
    lin = Holder().l1
    obs = _run(extensions.ParameterStatistics(lin))
    for pname, param in (('W', lin.W), ('b', lin.b)):
        for attr, arr in (('data', param.array), ('grad', param.grad)):
            for stat, expected in _reference(arr).items():
                key = 'l1/{}/{}/{}'.format(pname, attr, stat)
                numpy.testing.assert_allclose(float(obs[key]), expected,
                                              rtol=1e-6, atol=1e-7, err_msg=key)
    assert obs['l1/b/data/zeros'] == 1 and obs['l1/b/grad/zeros'] == 2
    assert obs['l1/W/data/zeros'] == 1
    assert len(obs) == 2 * 2 * (5 + len(SIGMAS))


def test_key_names_of_a_classifier():
    numpy.random.seed(0)
    model = L.Classifier(_Mlp())
    model(numpy.ones((2, 3), numpy.float32), numpy.array([0, 1], numpy.int32)).backward()
    # The predictor: keys start with its name (Chainer's documented form).
    obs = _run(extensions.ParameterStatistics(model.predictor))
    assert 'predictor/l1/W/data/mean' in obs
    assert 'predictor/l1/W/grad/percentile/0' in obs
    assert 'predictor/l2/b/grad/percentile/6' in obs
    assert 'predictor/l2/b/grad/percentile/7' not in obs
    expected = {'predictor/{}/{}/{}/{}'.format(l, p, a, s)
                for l in ('l1', 'l2') for p in ('W', 'b') for a in ('data', 'grad')
                for s in ('mean', 'std', 'min', 'max', 'zeros')}
    expected |= {'predictor/{}/{}/{}/percentile/{}'.format(l, p, a, i)
                 for l in ('l1', 'l2') for p in ('W', 'b') for a in ('data', 'grad')
                 for i in range(7)}
    assert set(obs) == expected
    # A root link has no name: Chainer writes it as 'None'.
    obs = _run(extensions.ParameterStatistics(model))
    assert 'None/predictor/l1/W/data/mean' in obs
    assert len(obs) == len(expected)
    # Several links at once.
    obs = _run(extensions.ParameterStatistics([model.predictor.l1, model.predictor.l2],
                                              statistics={'max': numpy.max}))
    assert set(obs) == {'{}/{}/{}/max'.format(l, p, a) for l in ('l1', 'l2')
                        for p in ('W', 'b') for a in ('data', 'grad')}
    numpy.testing.assert_array_equal(obs['l2/W/grad/max'], model.predictor.l2.W.grad.max())


class _Mlp(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(3, 4)
            self.l2 = L.Linear(4, 2)

    def forward(self, x):
        return self.l2(F.relu(self.l1(x)))


@pytest.mark.parametrize('report_params,report_grads,expect', [
    (True, True, 36), (True, False, 24), (False, True, 12), (False, False, 0)])
def test_counts_with_nan_grads(report_params, report_grads, expect):
    # A fresh parameter's grad is NaN-filled (as in Chainer): with
    # skip_nan_params each statistic of it is a single NaN.
    lin = L.Linear(3, 2)
    obs = _run(extensions.ParameterStatistics(
        [lin], report_params=report_params, report_grads=report_grads,
        skip_nan_params=True))
    assert len(obs) == expect
    pattern = re.compile(r'^None/(W|b)/(data|grad)/[a-z]+(/\d)?$')
    for key, value in obs.items():
        m = pattern.match(key)
        assert m is not None, key
        if m.group(2) == 'grad':
            assert math.isnan(value) and '/percentile/' not in key
        else:
            assert not math.isnan(value)
    if report_grads:
        assert 'None/W/grad/percentile' in obs


def test_skip_nan_params_in_data():
    lin = _linear()
    lin.W.array[1, 2] = numpy.nan
    obs = _run(extensions.ParameterStatistics(lin, skip_nan_params=True))
    for name in DEFAULT_NAMES:
        assert math.isnan(obs['None/W/data/' + name])
    assert not math.isnan(obs['None/b/data/mean'])
    assert obs['None/W/grad/mean'] == pytest.approx(numpy.mean(lin.W.grad))
    # Without it the statistics are computed as they come (NaN or not).
    obs = _run(extensions.ParameterStatistics(lin, statistics={'zeros': lambda x: (x == 0).sum()}))
    assert obs['None/W/data/zeros'] == 1


def test_prefix():
    lin = _linear()
    obs = _run(extensions.ParameterStatistics(lin, prefix='stats',
                                              statistics={'min': numpy.min}))
    assert set(obs) == {'stats/None/W/data/min', 'stats/None/W/grad/min',
                        'stats/None/b/data/min', 'stats/None/b/grad/min'}
    assert obs['stats/None/b/data/min'] == -2.


def test_grads_that_are_none_are_skipped():
    lin = _linear()
    lin.cleargrads()
    obs = _run(extensions.ParameterStatistics(lin))
    assert obs and all('/data/' in key for key in obs)
    assert len(obs) == 2 * (5 + 7)
    # One grad set, the other None.
    lin.b.grad = numpy.ones(3, numpy.float32)
    obs = _run(extensions.ParameterStatistics(lin, report_params=False))
    assert set(obs) == {'None/b/grad/' + s for s in ('mean', 'std', 'min', 'max', 'zeros')} | {
        'None/b/grad/percentile/{}'.format(i) for i in range(7)}
    # An uninitialized parameter (data None) has neither; b is initialized
    # (with a NaN-filled grad, as in Chainer).
    lazy = L.Linear(None, 2)
    obs = _run(extensions.ParameterStatistics(lazy, statistics={'mean': numpy.mean}))
    assert set(obs) == {'None/b/data/mean', 'None/b/grad/mean'}


def test_custom_statistics_and_register():
    lin = _linear()
    ext = extensions.ParameterStatistics(
        lin, statistics={'one': lambda x: 1.0}, report_grads=False)
    ext.register_statistics('absmax', lambda x: numpy.abs(x).max())
    ext.register_statistics('quartiles', lambda x: numpy.percentile(x, (25, 75)))
    obs = _run(ext)
    assert obs['None/W/data/one'] == 1.0
    assert obs['None/W/data/absmax'] == pytest.approx(1.5)
    numpy.testing.assert_allclose(
        [obs['None/b/data/quartiles/0'], obs['None/b/data/quartiles/1']],
        numpy.percentile([0.5, 0., -2.], (25, 75)))
    # the statistics function sees a flattened 1-D array
    seen = []
    ext2 = extensions.ParameterStatistics(lin, statistics=None)
    ext2.register_statistics('ndim', lambda x: seen.append(x.shape) or x.ndim)
    obs = _run(ext2)
    assert set(seen) == {(12,), (3,)}
    assert all(v == 1 for v in obs.values())
    # registering on one instance leaves the defaults alone
    ext3 = extensions.ParameterStatistics(lin)
    ext3.register_statistics('extra', numpy.sum)
    assert 'extra' not in extensions.ParameterStatistics.default_statistics
    assert set(extensions.ParameterStatistics.default_statistics) == set(DEFAULT_NAMES)
    with pytest.raises(ValueError, match='statistics'):
        extensions.ParameterStatistics(lin, statistics='mean')


def test_accumulates_until_the_trigger_fires():
    lin = _linear()
    ext = extensions.ParameterStatistics(lin, statistics={'mean': numpy.mean},
                                         report_grads=False)
    fires = iter([False, False, True])
    ext._trigger = lambda trainer: next(fires)
    observation = {}
    means = []
    with reporter.Reporter().scope(observation):
        for step in range(3):
            lin.W.array += 1
            means.append(float(numpy.mean(lin.W.array)))
            ext(None)
            if step < 2:
                assert observation == {}
    assert observation['None/W/data/mean'] == pytest.approx(numpy.mean(means))


def test_extension_defaults():
    ext = extensions.ParameterStatistics(L.Linear(2, 2))
    assert ext.default_name == 'parameter_statistics'
    assert ext.priority == fastgrad.training.extension.PRIORITY_WRITER


def test_in_a_trainer_lands_in_the_log(tmp_path, setup_factory):
    trainer, model, _, _ = setup_factory(tmp_path, stop=(2, 'epoch'), test=False)
    # Record what the extension should see: W after every update.
    seen = []
    trainer.extend(lambda tr: seen.append(model.predictor.W.array.copy()),
                   trigger=(1, 'iteration'), name='rec')
    trainer.extend(extensions.ParameterStatistics(model.predictor, prefix='ps'))
    log = extensions.LogReport()
    trainer.extend(log)
    trainer.run()
    assert len(log.log) == 2 and len(seen) == 12
    for entry, epoch_ws in zip(log.log, (seen[:6], seen[6:])):
        assert entry['ps/predictor/W/data/mean'] == pytest.approx(
            numpy.mean([w.mean() for w in epoch_ws]), rel=1e-5)
        assert entry['ps/predictor/W/data/max'] == pytest.approx(
            numpy.mean([w.max() for w in epoch_ws]), rel=1e-5)
        for key in ('ps/predictor/W/grad/std', 'ps/predictor/b/grad/percentile/6',
                    'ps/predictor/b/data/zeros'):
            assert key in entry and numpy.isfinite(entry[key])
    with open(str(tmp_path / 'log')) as f:
        written = json.load(f)
    assert written[-1]['ps/predictor/W/data/mean'] == pytest.approx(
        log.log[-1]['ps/predictor/W/data/mean'])


@pytest.mark.gpu
def test_cupy_parameters_match_numpy():
    import cupy
    lin = _linear()
    cpu = _run(extensions.ParameterStatistics(lin, skip_nan_params=True))
    lin.to_device('@cupy:0')
    assert isinstance(lin.W.array, cupy.ndarray)
    gpu = _run(extensions.ParameterStatistics(lin, skip_nan_params=True))
    assert set(gpu) == set(cpu)
    for key, value in cpu.items():
        numpy.testing.assert_allclose(float(gpu[key]), float(value), rtol=1e-5,
                                      atol=1e-6, err_msg=key)
