"""capture_step's control logic, on the CPU.

These tests drive the wrapper with ``EmulatedBackend``, an emulation of the
CUDA driver's stream capture on NumPy: a capture runs the step once to trace
it and then restores every array the step updates (a real capture executes
nothing), and a launch re-runs the recorded step and copies its results into
the captured outputs.  They test the wrapper's logic only (warm-up count,
capture once, replay, recapture on a shape or hyperparameter change, the
error or fallback of a step that cannot be captured, ``optimizer.t``, the
device step counter that Adam reads); the CUDA side is tested by
tests/test_graph_replay_gpu.py on a GPU.
"""
import warnings

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import graph_replay, optimizers, reporter, training
from fastgrad._core.graph import Variable
from fastgrad.graph_replay import GraphCaptureError, capture_step

SYNC_ERROR = ('cudaErrorStreamCaptureUnsupported: operation not permitted '
              'when stream is capturing')


def _leaves(result, out):
    if isinstance(result, Variable):
        out.append(result.array)
    elif isinstance(result, (tuple, list)):
        for r in result:
            _leaves(r, out)
    elif isinstance(result, numpy.ndarray):
        out.append(result)
    return out


class _Graph(object):
    def __init__(self, run, out):
        self.run = run
        self.out = out


class EmulatedBackend(object):
    """An emulation of the CUDA driver's capture and launch on NumPy arrays
    (see the module docstring); ``sync()`` stands for a host sync, which a
    real capture refuses."""

    xp = numpy

    def __init__(self):
        self.capturing = False
        self.counters = []
        self.launches = 0
        self.syncs = 0

    def accepts(self, arrays):
        return all(isinstance(a, numpy.ndarray) for a in arrays)

    def counter(self):
        c = numpy.zeros((), numpy.float64)
        self.counters.append(c)
        return c

    def increment(self, counter):
        counter += 1

    def new_pool(self):
        return []

    def empty_like(self, a, pool):
        buf = numpy.empty(a.shape, a.dtype)
        pool.append(buf)
        return buf

    def copy(self, dst, src):
        dst[...] = src

    def copy_array(self, a):
        return a.copy()

    def random_seed(self):
        return 12345

    def warmup(self, run):
        return run()

    def capture(self, run, pool, tracked):
        saved = [(a, a.copy()) for a in list(tracked) + self.counters]
        self.capturing = True
        try:
            out = run()
        finally:
            self.capturing = False
            for a, value in saved:      # a real capture executes nothing
                a[...] = value
        return _Graph(run, out), out

    def launch(self, graph):
        assert not self.capturing
        self.launches += 1
        new = graph.run()
        for dst, src in zip(_leaves(graph.out, []), _leaves(new, [])):
            if dst is not src:
                dst[...] = src

    def synchronize(self):
        self.syncs += 1

    def sync(self):
        """A host sync (``float(loss)``): illegal while capturing."""
        if self.capturing:
            raise RuntimeError(SYNC_ERROR)


def _mlp():
    numpy.random.seed(0)
    return fastgrad.Sequential(L.Linear(3, 8), F.relu, L.Linear(8, 2))


def _batches(n, batch=4, seed=1):
    rng = numpy.random.RandomState(seed)
    return [(rng.randn(batch, 3).astype(numpy.float32),
             rng.randn(batch, 2).astype(numpy.float32)) for _ in range(n)]


def _step_fn(model, opt, emu=None, sync=False):
    def train_step(x, t):
        model.cleargrads()
        loss = F.mean_squared_error(model(x), t)
        if sync:
            emu.sync()
        loss.backward()
        opt.update()
        return loss
    return train_step


def _params(model):
    return [p.array.copy() for p in model.params()]


def _run(make_opt, n=8, replay=True, warmup=1, **opt_kw):
    model = _mlp()
    opt = make_opt(**opt_kw).setup(model)
    fn = _step_fn(model, opt)
    emu = EmulatedBackend()
    step = capture_step(fn, opt, warmup=warmup) if replay else fn
    if replay:
        step._backend = emu
    losses = []
    for x, t in _batches(n):
        loss = step(x, t)
        losses.append(float(loss.array))
    return model, opt, step, losses


OPTIMIZERS = [
    (optimizers.SGD, {'lr': 0.1}),
    (optimizers.MomentumSGD, {'lr': 0.05}),
    (optimizers.Adam, {'alpha': 0.01}),
    (optimizers.AMSGrad, {'alpha': 0.01}),
    (optimizers.AdaBound, {'alpha': 0.01}),
    (optimizers.AdamW, {'alpha': 0.01, 'weight_decay_rate': 0.1}),
]


@pytest.mark.parametrize('make_opt, kw', OPTIMIZERS,
                         ids=[o.__name__ for o, _ in OPTIMIZERS])
def test_replay_matches_eager(make_opt, kw):
    model, opt, step, losses = _run(make_opt, **kw)
    ref_model, ref_opt, _, ref_losses = _run(make_opt, replay=False, **kw)
    for a, b in zip(_params(model), _params(ref_model)):
        numpy.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    numpy.testing.assert_allclose(losses, ref_losses, rtol=1e-6)
    assert (step.eager_steps, step.captures, step.replays) == (1, 1, 6)
    assert opt.t == ref_opt.t == 8
    assert all(p.update_rule.t == 8 for p in model.params())


def test_warmup_count_and_static_output():
    model = _mlp()
    opt = optimizers.SGD(lr=0.1).setup(model)
    step = capture_step(_step_fn(model, opt), opt, warmup=3)
    step._backend = emu = EmulatedBackend()
    outs = [step(x, t) for x, t in _batches(6)]
    assert step.eager_steps == 3 and step.captures == 1 and step.replays == 2
    assert emu.launches == 3                    # the capture call launches too
    # captured and replayed calls return the same (static) output
    assert outs[3] is outs[4] is outs[5]
    assert outs[0] is not outs[1]


def test_value_of_static_output_is_the_latest_step():
    model = _mlp()
    opt = optimizers.SGD(lr=0.1).setup(model)
    fn = _step_fn(model, opt)
    step = capture_step(fn, opt)
    step._backend = EmulatedBackend()
    ref = _mlp()
    ref_opt = optimizers.SGD(lr=0.1).setup(ref)
    ref_fn = _step_fn(ref, ref_opt)
    for x, t in _batches(5):
        got = float(step(x, t).array)
        assert got == pytest.approx(float(ref_fn(x, t).array), rel=1e-6)


def test_shape_change_warms_up_and_captures_per_signature():
    model = _mlp()
    opt = optimizers.Adam(alpha=0.01).setup(model)
    step = capture_step(_step_fn(model, opt), opt)
    step._backend = EmulatedBackend()
    ref = _mlp()
    ref_opt = optimizers.Adam(alpha=0.01).setup(ref)
    ref_fn = _step_fn(ref, ref_opt)
    big, small = _batches(6, batch=4), _batches(6, batch=2, seed=2)
    for i in range(6):
        for x, t in (big[i], small[i]):
            step(x, t)
            ref_fn(x, t)
    # one warm-up and one capture per signature, then replays from the cache
    assert step.captures == 2 and step.eager_steps == 2 and step.replays == 8
    assert opt.t == 12
    for a, b in zip(_params(model), _params(ref)):
        numpy.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_cache_size_one_recaptures():
    model = _mlp()
    opt = optimizers.SGD(lr=0.1).setup(model)
    step = capture_step(_step_fn(model, opt), opt, warmup=0, cache_size=1)
    step._backend = EmulatedBackend()
    big, small = _batches(3, batch=4), _batches(3, batch=2, seed=2)
    for i in range(3):
        step(*big[i])
        step(*small[i])
    assert step.captures == 6 and step.replays == 0


def test_hyperparameter_change_recaptures():
    model = _mlp()
    opt = optimizers.MomentumSGD(lr=0.05).setup(model)
    step = capture_step(_step_fn(model, opt), opt)
    step._backend = EmulatedBackend()
    ref = _mlp()
    ref_opt = optimizers.MomentumSGD(lr=0.05).setup(ref)
    ref_fn = _step_fn(ref, ref_opt)
    for i, (x, t) in enumerate(_batches(8)):
        if i == 4:
            opt.lr = ref_opt.lr = 0.01       # an lr schedule
        if i == 6:
            opt.lr = ref_opt.lr = 0.01       # written again, same value: no recapture
        step(x, t)
        ref_fn(x, t)
    assert step.captures == 2 and step.eager_steps == 1
    for a, b in zip(_params(model), _params(ref)):
        numpy.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_rule_hyperparameter_and_enabled_change_recapture():
    model = _mlp()
    opt = optimizers.SGD(lr=0.1).setup(model)
    step = capture_step(_step_fn(model, opt), opt)
    step._backend = EmulatedBackend()
    batches = _batches(6)
    for x, t in batches[:3]:
        step(x, t)
    model[0].W.update_rule.hyperparam.lr = 0.5
    step(*batches[3])
    assert step.captures == 2
    model[0].b.update_rule.enabled = False
    step(*batches[4])                   # warmed up again, then captured
    step(*batches[5])
    assert step.captures == 3 and step.eager_steps == 2
    assert model[0].b.update_rule.t == 4


def test_step_count_changed_outside_recaptures():
    model = _mlp()
    opt = optimizers.Adam(alpha=0.01).setup(model)
    fn = _step_fn(model, opt)
    step = capture_step(fn, opt)
    step._backend = EmulatedBackend()
    ref = _mlp()
    ref_opt = optimizers.Adam(alpha=0.01).setup(ref)
    ref_fn = _step_fn(ref, ref_opt)
    batches = _batches(8)
    for i, (x, t) in enumerate(batches):
        if i == 4:
            fn(x, t)           # an eager step outside the wrapper: t moves
            ref_fn(x, t)
        step(x, t)
        ref_fn(x, t)
    assert step.captures == 2
    assert opt.t == ref_opt.t == 9
    for a, b in zip(_params(model), _params(ref)):
        numpy.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_not_capturable_raises_and_leaves_state_clean():
    model = _mlp()
    opt = optimizers.Adam(alpha=0.01).setup(model)
    emu = EmulatedBackend()
    step = capture_step(_step_fn(model, opt, emu, sync=True), opt)
    step._backend = emu
    x, t = _batches(1)[0]
    step(x, t)                                  # warm-up: eager, fine
    before = _params(model)
    grads = [p.grad for p in model.params()]
    with pytest.raises(GraphCaptureError) as info:
        step(x, t)
    msg = str(info.value)
    assert 'train_step is not capturable' in msg and SYNC_ERROR in msg
    assert isinstance(info.value.__cause__, RuntimeError)
    # nothing ran: the host side of the step is undone, the stream is usable
    assert opt.t == 1 and all(p.update_rule.t == 1 for p in model.params())
    assert all(p.grad is g for p, g in zip(model.params(), grads))
    for a, b in zip(_params(model), before):
        numpy.testing.assert_array_equal(a, b)
    assert not emu.capturing
    with pytest.raises(GraphCaptureError):
        step(x, t)


def test_fallback_warns_once_and_runs_eagerly():
    model = _mlp()
    opt = optimizers.SGD(lr=0.1).setup(model)
    emu = EmulatedBackend()
    step = capture_step(_step_fn(model, opt, emu, sync=True), opt, fallback=True)
    step._backend = emu
    ref = _mlp()
    ref_opt = optimizers.SGD(lr=0.1).setup(ref)
    ref_fn = _step_fn(ref, ref_opt)
    batches = _batches(5)
    step(*batches[0])
    ref_fn(*batches[0])
    with pytest.warns(RuntimeWarning, match='not capturable.*running it eagerly'):
        step(*batches[1])
    ref_fn(*batches[1])
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        for x, t in batches[2:]:
            step(x, t)
            ref_fn(x, t)
    assert step.captures == 0 and step.eager_steps == 5 and opt.t == 5
    for a, b in zip(_params(model), _params(ref)):
        numpy.testing.assert_allclose(a, b, rtol=1e-6)


def test_numpy_arrays_without_gpu_backend():
    model = _mlp()
    opt = optimizers.SGD(lr=0.1).setup(model)
    step = capture_step(_step_fn(model, opt), opt)
    x, t = _batches(1)[0]
    with pytest.raises(GraphCaptureError, match='need CuPy arrays.*numpy.ndarray'):
        step(x, t)
    assert opt.t == 0
    step = capture_step(_step_fn(model, opt), opt, fallback=True)
    with pytest.warns(RuntimeWarning, match='need CuPy arrays'):
        step(x, t)
    step(x, t)
    assert opt.t == 2 and step.eager_steps == 2


class _Rebinding(fastgrad.Chain):
    """Keeps a running mean by rebinding its persistent array (wrong under replay)."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l = L.Linear(3, 2)
        self.avg = numpy.zeros(2, numpy.float32)
        self.register_persistent('avg')

    def forward(self, x):
        y = self.l(x)
        self.avg = 0.9 * self.avg + 0.1 * y.array.mean(axis=0)
        return y


def test_rebinding_a_persistent_is_refused():
    model = _Rebinding()
    opt = optimizers.SGD(lr=0.1).setup(model)
    step = capture_step(_step_fn(model, opt), opt)
    step._backend = EmulatedBackend()
    x, t = _batches(1)[0]
    step(x, t)
    avg = model.avg
    with pytest.raises(GraphCaptureError, match='rebinds _Rebinding.*avg instead of updating'):
        step(x, t)
    assert model.avg is avg                     # restored


def _bn_model():
    numpy.random.seed(0)
    return fastgrad.Sequential(L.Linear(3, 8), L.BatchNormalization(8), F.relu,
                               L.Linear(8, 2))


def test_batch_normalization_statistics_update_in_place():
    model, ref = _bn_model(), _bn_model()
    opt = optimizers.Adam(alpha=0.01).setup(model)
    ref_opt = optimizers.Adam(alpha=0.01).setup(ref)
    step = capture_step(_step_fn(model, opt), opt)
    step._backend = EmulatedBackend()
    ref_fn = _step_fn(ref, ref_opt)
    for x, t in _batches(6):
        step(x, t)
        ref_fn(x, t)
    assert step.captures == 1 and step.replays == 4
    numpy.testing.assert_allclose(model[1].avg_mean, ref[1].avg_mean, rtol=1e-6)
    numpy.testing.assert_allclose(model[1].avg_var, ref[1].avg_var, rtol=1e-6)
    for a, b in zip(_params(model), _params(ref)):
        numpy.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_batch_normalization_finetune_is_refused():
    model = fastgrad.Sequential(L.Linear(3, 2), L.BatchNormalization(2))
    opt = optimizers.SGD(lr=0.1).setup(model)

    def train_step(x, t):
        model.cleargrads()
        h = model[1](model[0](x), finetune=True)
        loss = F.mean_squared_error(h, t)
        loss.backward()
        opt.update()
        return loss
    step = capture_step(train_step, opt)
    step._backend = EmulatedBackend()
    x, t = _batches(1)[0]
    step(x, t)
    with pytest.raises(GraphCaptureError, match='changes BatchNormalization.* N on the host'):
        step(x, t)
    assert model[1].N == 1


def test_state_created_during_capture_needs_warmup():
    model = _mlp()
    opt = optimizers.Adam().setup(model)
    step = capture_step(_step_fn(model, opt), opt, warmup=0)
    step._backend = EmulatedBackend()
    with pytest.raises(GraphCaptureError, match='created during the capture.*warmup'):
        step(*_batches(1)[0])
    assert all(p.update_rule.state is None for p in model.params())


def test_msvag_is_refused_by_name():
    model = _mlp()
    opt = optimizers.MSVAG().setup(model)
    step = capture_step(_step_fn(model, opt), opt)
    step._backend = EmulatedBackend()
    x, t = _batches(1)[0]
    step(x, t)
    with pytest.raises(GraphCaptureError, match='MSVAG cannot be captured.*step count t'):
        step(x, t)


def test_optimizer_not_given_is_refused():
    model = _mlp()
    opt = optimizers.Adam().setup(model)
    step = capture_step(_step_fn(model, opt), None)
    step._backend = EmulatedBackend()
    x, t = _batches(1)[0]
    step(x, t)
    with pytest.raises(GraphCaptureError, match='not given to capture_step'):
        step(x, t)


def test_two_updates_in_one_step_are_refused():
    model = _mlp()
    opt = optimizers.Adam().setup(model)
    inner = _step_fn(model, opt)

    def twice(x, t):
        inner(x, t)
        return inner(x, t)
    step = capture_step(twice, opt)
    step._backend = EmulatedBackend()
    x, t = _batches(1)[0]
    step(x, t)
    with pytest.raises(GraphCaptureError, match='updated 2 times'):
        step(x, t)


def test_rebinding_between_steps_warms_up_again():
    model = _mlp()
    opt = optimizers.MomentumSGD(lr=0.05).setup(model)
    step = capture_step(_step_fn(model, opt), opt)
    step._backend = EmulatedBackend()
    batches = _batches(6)
    for x, t in batches[:3]:
        step(x, t)
    W = model[0].W
    W.array = W.array.copy()        # e.g. a model reloaded into new arrays
    for x, t in batches[3:]:
        step(x, t)
    assert step.eager_steps == 2 and step.captures == 2 and step.replays == 2


def test_reported_values_are_reported_after_each_replay():
    model = _mlp()
    opt = optimizers.SGD(lr=0.1).setup(model)

    def train_step(x, t):
        model.cleargrads()
        loss = F.mean_squared_error(model(x), t)
        reporter.report({'loss': loss, 'lr': opt.lr})
        loss.backward()
        opt.update()
        return loss
    step = capture_step(train_step, opt)
    step._backend = EmulatedBackend()
    rep = fastgrad.Reporter()
    for i, (x, t) in enumerate(_batches(4)):
        obs = {}
        with rep, reporter.report_scope(obs):
            loss = step(x, t)
        assert set(obs) == {'loss', 'lr'}
        assert obs['lr'] == 0.1
        assert float(obs['loss'].array) == float(loss.array)
        if i >= 1:      # captured or replayed: a copy of the captured buffer
            assert obs['loss'].array is not loss.array


def test_arguments_checked():
    model = _mlp()
    opt = optimizers.SGD().setup(model)
    with pytest.raises(TypeError, match='fn must be callable'):
        capture_step(None, opt)
    with pytest.raises(ValueError, match='warmup must be an int >= 0'):
        capture_step(lambda: None, opt, warmup=-1)
    with pytest.raises(TypeError, match='optimizer must be an Optimizer'):
        capture_step(lambda: None, model)
    step = capture_step(lambda x, y: None, opt)
    step._backend = EmulatedBackend()
    with pytest.raises(TypeError, match='arrays or hashable values'):
        step(numpy.zeros(2), [1, 2])


def test_keyword_and_value_arguments_make_the_signature():
    model = _mlp()
    opt = optimizers.SGD(lr=0.1).setup(model)
    seen = []

    def train_step(x, t, scale=1.0):
        seen.append(scale)
        model.cleargrads()
        loss = F.mean_squared_error(model(x) * scale, t)
        loss.backward()
        opt.update()
        return loss
    step = capture_step(train_step, opt, warmup=0)
    step._backend = EmulatedBackend()
    x, t = _batches(1)[0]
    step(x, t=t, scale=1.0)
    step(x, t=t, scale=1.0)
    step(x, t=t, scale=2.0)
    assert step.captures == 2 and step.replays == 1


def test_counter_uniforms():
    n = 200000
    u = graph_replay.counter_uniform_numpy(graph_replay._site_key(7, 1), 3, n)
    assert u.dtype == numpy.float64 and u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005
    assert abs((u >= 0.3).mean() - 0.7) < 0.005
    # another step or another site: another, uncorrelated draw
    v = graph_replay.counter_uniform_numpy(graph_replay._site_key(7, 1), 4, n)
    w = graph_replay.counter_uniform_numpy(graph_replay._site_key(7, 2), 3, n)
    for other in (v, w):
        assert not numpy.array_equal(u, other)
        assert abs(numpy.corrcoef(u, other)[0, 1]) < 0.01
    numpy.testing.assert_array_equal(
        u, graph_replay.counter_uniform_numpy(graph_replay._site_key(7, 1), 3, n))


def test_refuse_is_a_noop_outside_a_capture():
    graph_replay.refuse('X', 'why')      # no capture running: nothing happens
    model = _mlp()
    opt = optimizers.MSVAG().setup(model)
    _step_fn(model, opt)(*_batches(1)[0])
    assert opt.t == 1


def _updater(replay, n=6, backend=None):
    x = numpy.random.RandomState(3).randn(16, 3).astype(numpy.float32)
    t = numpy.random.RandomState(4).randn(16, 2).astype(numpy.float32)
    model = _mlp()

    def loss_func(x, t):
        loss = F.mean_squared_error(model(x), t)
        reporter.report({'loss': loss})
        return loss
    opt = optimizers.Adam(alpha=0.01).setup(model)
    it = fastgrad.iterators.SerialIterator(fastgrad.datasets.TupleDataset(x, t), 4,
                                           shuffle=False)
    updater = training.StandardUpdater(it, opt, loss_func=loss_func, graph_replay=replay)
    if backend is not None:
        updater._graph_step(opt)._backend = backend
    for _ in range(n):
        updater.update()
    return model, opt, updater


def test_standard_updater_graph_replay():
    model, opt, updater = _updater(True, backend=EmulatedBackend())
    ref, ref_opt, ref_updater = _updater(False)
    assert updater.iteration == 6 and opt.t == ref_opt.t == 6 and opt.epoch == 1
    step = updater._replayed_step
    assert step.captures == 1 and step.replays == 4
    for a, b in zip(_params(model), _params(ref)):
        numpy.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_standard_updater_graph_replay_on_numpy():
    with pytest.raises(GraphCaptureError, match='need CuPy arrays'):
        _updater(True, n=1)
    with pytest.warns(RuntimeWarning, match='running it eagerly'):
        model, opt, _ = _updater({'fallback': True, 'warmup': 2}, n=3)
    assert opt.t == 3
    with pytest.raises(TypeError, match='graph_replay must be a bool or a dict'):
        _updater('yes', n=1)


class _FakePool(object):
    """Counts what a CuPy pool would report (used bytes, freeing)."""

    def __init__(self, used):
        self.used = used
        self.freed = 0

    def used_bytes(self):
        return self.used

    def free_all_blocks(self):
        self.freed += 1


def test_retired_pools_live_while_their_memory_is_in_use():
    busy, idle = _FakePool(512), _FakePool(0)
    graph_replay._retire(busy)
    graph_replay._retire(idle)
    assert busy in graph_replay._retired_pools
    assert idle not in graph_replay._retired_pools and idle.freed == 1
    busy.used = 0                       # its last array was freed
    graph_replay._retire(None)
    assert busy not in graph_replay._retired_pools


def test_stale_graph_is_dropped_before_another_signature_is_captured():
    model = _mlp()
    opt = optimizers.SGD(lr=0.1).setup(model)
    step = capture_step(_step_fn(model, opt), opt, warmup=0)
    step._backend = EmulatedBackend()
    ref = _mlp()
    ref_opt = optimizers.SGD(lr=0.1).setup(ref)
    ref_fn = _step_fn(ref, ref_opt)
    big, other = _batches(3, batch=4), _batches(1, batch=3, seed=2)
    step(*big[0])
    ref_fn(*big[0])
    opt.lr = ref_opt.lr = 0.01
    # a new signature is captured with lr=0.01; the big graph has 0.1 in it
    for b in (other[0], big[1], big[2]):
        step(*b)
        ref_fn(*b)
    assert step.captures == 3 and step.replays == 1
    for a, b in zip(_params(model), _params(ref)):
        numpy.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_a_failed_warmup_step_is_not_counted():
    model = _mlp()
    opt = optimizers.SGD(lr=0.1).setup(model)
    inner = _step_fn(model, opt)
    calls = []

    def train_step(x, t):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError('bad batch')
        return inner(x, t)
    step = capture_step(train_step, opt)
    step._backend = EmulatedBackend()
    x, t = _batches(1)[0]
    with pytest.raises(ValueError, match='bad batch'):
        step(x, t)
    assert graph_replay._current is None
    step(x, t)
    step(x, t)
    assert step.eager_steps == 1 and step.captures == 1


def test_gradient_noise_hook_is_refused_by_name():
    model = _mlp()
    opt = optimizers.SGD(lr=0.1).setup(model)
    opt.add_hook(fastgrad.optimizer_hooks.GradientNoise(eta=0.01))
    step = capture_step(_step_fn(model, opt), opt)
    step._backend = EmulatedBackend()
    x, t = _batches(1)[0]
    step(x, t)
    with pytest.raises(GraphCaptureError, match='GradientNoise cannot be captured'):
        step(x, t)


@pytest.mark.parametrize('noise', [
    lambda h: F.gaussian(h, h),
    lambda h: F.rrelu(h),
    lambda h: F.zoneout(h, h),
    lambda h: F.gumbel_softmax(h),
], ids=['gaussian', 'rrelu', 'zoneout', 'gumbel_softmax'])
def test_host_random_functions_are_refused(noise):
    model = _mlp()
    opt = optimizers.SGD(lr=0.1).setup(model)

    def train_step(x, t):
        model.cleargrads()
        loss = F.mean_squared_error(noise(model(x)), t)
        loss.backward()
        opt.update()
        return loss
    step = capture_step(train_step, opt)
    step._backend = EmulatedBackend()
    x, t = _batches(1)[0]
    step(x, t)                              # eager warm-up: fine
    with pytest.raises(GraphCaptureError, match='cannot be captured.*host-side generator'):
        step(x, t)


def test_classifier_updater_reports_every_step():
    rng = numpy.random.RandomState(5)
    x = rng.randn(32, 3).astype(numpy.float32)
    t = rng.randint(0, 2, 32).astype(numpy.int32)

    def run(replay):
        numpy.random.seed(0)
        model = L.Classifier(fastgrad.Sequential(L.Linear(3, 8), F.relu, L.Linear(8, 2)))
        opt = optimizers.Adam(alpha=0.01).setup(model)
        it = fastgrad.iterators.SerialIterator(fastgrad.datasets.TupleDataset(x, t), 4,
                                               shuffle=False)
        updater = training.StandardUpdater(it, opt, graph_replay=replay)
        if replay:
            updater._graph_step(opt)._backend = EmulatedBackend()
        rep = fastgrad.Reporter()
        rep.add_observer('main', model)
        seen = []
        for _ in range(6):
            obs = {}
            with rep, reporter.report_scope(obs):
                updater.update()
            seen.append((float(obs['main/loss'].array), float(obs['main/accuracy'].array)))
        return model, updater, seen
    model, updater, seen = run(True)
    ref, _, ref_seen = run(False)
    assert updater._replayed_step.replays == 4
    numpy.testing.assert_allclose(seen, ref_seen, rtol=1e-6)
    for a, b in zip(_params(model), _params(ref)):
        numpy.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
