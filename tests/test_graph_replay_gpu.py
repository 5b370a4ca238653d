"""capture_step on a real GPU: CUDA-graph replay gives the eager results.

Small and fast (the whole file runs in well under a minute on one GPU).
"""
import os
import sys

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import graph_replay, optimizers, reporter, training
from fastgrad.graph_replay import GraphCaptureError, capture_step

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '_helpers'))
import replay_check  # noqa: E402  (tests/_helpers: graph replay vs eager training)

pytestmark = pytest.mark.gpu
cupy = pytest.importorskip('cupy')

N = 20


def _mlp(dropout=0.0):
    numpy.random.seed(0)
    layers = [L.Linear(6, 32), F.relu]
    if dropout:
        layers.append(lambda h: F.dropout(h, dropout))
    layers.append(L.Linear(32, 3))
    return fastgrad.Sequential(*layers).to_device('@cupy:0')


def _conv_bn():
    numpy.random.seed(0)
    return fastgrad.Sequential(
        L.Convolution2D(1, 4, 3, pad=1), L.BatchNormalization(4), F.relu,
        lambda h: F.reshape(h, (h.shape[0], -1)), L.Linear(4 * 6 * 6, 3)).to_device('@cupy:0')


def _batches(n, batch=8, shape=(6,), seed=1):
    rng = numpy.random.RandomState(seed)
    return [(cupy.asarray(rng.randn(batch, *shape).astype(numpy.float32)),
             cupy.asarray(rng.randn(batch, 3).astype(numpy.float32))) for _ in range(n)]


def _step_fn(model, opt, sync=False):
    def train_step(x, t):
        model.cleargrads()
        loss = F.mean_squared_error(model(x), t)
        if sync:
            float(loss.array)               # a host sync: not capturable
        loss.backward()
        opt.update()
        return loss
    return train_step


def _assert_same(model, ref):
    replay_check.assert_params_close(model, ref, rtol=1e-5, atol=1e-6)


OPTS = {'SGD': lambda: optimizers.SGD(lr=0.05),
        'MomentumSGD': lambda: optimizers.MomentumSGD(lr=0.02),
        'Adam': lambda: optimizers.Adam(alpha=0.005),
        'AdaBound': lambda: optimizers.AdaBound(alpha=0.005)}


@pytest.mark.parametrize('name', sorted(OPTS))
def test_mlp_replay_matches_eager(name):
    (model, opt, step, _), (_, ref_opt, _, _) = replay_check.assert_replay_matches_eager(
        _mlp, OPTS[name], _batches(N), rtol=1e-5, atol=1e-6, losses_rtol=1e-5)
    assert (step.eager_steps, step.captures, step.replays) == (1, 1, N - 2)
    assert opt.t == ref_opt.t == N
    assert all(p.update_rule.t == N for p in model.params())
    # the captured step allocated from the graph's private pool
    entry, = step._entries.values()
    assert entry.pool.used_bytes() > 0


def test_conv_bn_replay_matches_eager():
    got, want = replay_check.assert_replay_matches_eager(
        _conv_bn, OPTS['Adam'], _batches(N, shape=(1, 6, 6)), rtol=1e-4, atol=1e-5)
    bn, ref_bn = got.model[1], want.model[1]
    # running statistics are updated in place, so the graph keeps them moving
    numpy.testing.assert_allclose(cupy.asnumpy(bn.avg_mean), cupy.asnumpy(ref_bn.avg_mean),
                                  rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(cupy.asnumpy(bn.avg_var), cupy.asnumpy(ref_bn.avg_var),
                                  rtol=1e-5, atol=1e-6)
    assert not numpy.allclose(cupy.asnumpy(bn.avg_mean), 0)


def test_lr_change_and_shape_change_recapture():
    big, small = _batches(6), _batches(6, batch=4, seed=2)

    def run(replay):
        model = _mlp()
        opt = optimizers.Adam(alpha=0.005).setup(model)
        fn = _step_fn(model, opt)
        step = capture_step(fn, opt) if replay else fn
        for i in range(6):
            if i == 3:
                opt.alpha = 0.001
            step(*big[i])
            step(*small[i])
        return model, step
    model, step = run(True)
    ref, _ = run(False)
    # one capture per signature, then both again after the alpha change
    assert step.captures == 4 and step.eager_steps == 2
    _assert_same(model, ref)


def test_dropout_kernel_matches_numpy_twin():
    n, ratio = 100000, 0.3
    key = graph_replay._site_key(99, 1)
    for step in (1, 2):
        c = cupy.full((), step, numpy.float64)
        mask = cupy.empty(n, numpy.float32)
        graph_replay._dropout_kernel()(c, numpy.uint64(key), ratio, numpy.float32(1 / 0.7),
                                       numpy.float32(0), mask)
        u = graph_replay.counter_uniform_numpy(key, step, n)
        expected = numpy.where(u >= ratio, numpy.float32(1 / 0.7), numpy.float32(0))
        numpy.testing.assert_array_equal(cupy.asnumpy(mask), expected)


def test_dropout_masks_differ_between_replays():
    x = cupy.ones((256, 512), numpy.float32)

    def step_fn(x):
        y, mask = F.dropout(x, 0.25, return_mask=True)
        return y
    step = capture_step(step_fn, None)
    masks = [cupy.asnumpy(step(x).array) for _ in range(5)]
    assert step.captures == 1 and step.replays == 3
    for m in masks:
        assert set(numpy.unique(m)) <= {0.0, numpy.float32(1 / 0.75)}
        assert abs((m != 0).mean() - 0.75) < 0.01
    for a, b in zip(masks[1:], masks[2:]):
        assert not numpy.array_equal(a, b)


def test_mlp_with_dropout_trains():
    batches = _batches(N)
    model, opt, step, losses = replay_check.train(lambda: _mlp(0.2), OPTS['Adam'], batches,
                                                   True)
    assert step.replays == N - 2 and numpy.isfinite(losses).all()


def test_host_sync_is_not_capturable():
    model = _mlp()
    opt = optimizers.SGD(lr=0.05).setup(model)
    step = capture_step(_step_fn(model, opt, sync=True), opt)
    x, t = _batches(1)[0]
    step(x, t)
    before = [cupy.asnumpy(p.array) for p in model.params()]
    with pytest.raises(GraphCaptureError, match='not capturable'):
        step(x, t)
    stream = step._backend.stream
    assert not stream.is_capturing()
    with stream:                            # the capture stream still works
        assert int(cupy.arange(4).sum()) == 6
    assert opt.t == 1
    for p, b in zip(model.params(), before):
        numpy.testing.assert_array_equal(cupy.asnumpy(p.array), b)


def test_host_sync_fallback_runs_eagerly():
    batches = _batches(5)
    model = _mlp()
    opt = optimizers.SGD(lr=0.05).setup(model)
    step = capture_step(_step_fn(model, opt, sync=True), opt, fallback=True)
    with pytest.warns(RuntimeWarning, match='running it eagerly'):
        for x, t in batches:
            step(x, t)
    ref = replay_check.train(_mlp, lambda: optimizers.SGD(lr=0.05), batches, False).model
    assert step.captures == 0 and opt.t == 5
    _assert_same(model, ref)


def test_classifier_updater_replay_matches_eager():
    # softmax_cross_entropy and accuracy keep their counts on the device
    rng = numpy.random.RandomState(5)
    x = rng.randn(64, 6).astype(numpy.float32)
    t = rng.randint(0, 3, 64).astype(numpy.int32)

    def run(replay):
        numpy.random.seed(0)
        model = L.Classifier(fastgrad.Sequential(L.Linear(6, 16), F.relu, L.Linear(16, 3)))
        opt = optimizers.MomentumSGD(lr=0.05).setup(model)
        it = fastgrad.iterators.SerialIterator(fastgrad.datasets.TupleDataset(x, t), 8,
                                               shuffle=False)
        updater = training.StandardUpdater(it, opt, device='@cupy:0', graph_replay=replay)
        rep = fastgrad.Reporter()
        rep.add_observer('main', model)
        seen = []
        for _ in range(N):
            obs = {}
            with rep, reporter.report_scope(obs):
                updater.update()
            seen.append((float(obs['main/loss'].array), float(obs['main/accuracy'].array)))
        return model, updater, seen
    model, updater, seen = run(True)
    ref, _, ref_seen = run(False)
    step = updater._replayed_step
    assert (step.eager_steps, step.captures, step.replays) == (1, 1, N - 2)
    numpy.testing.assert_allclose(seen, ref_seen, rtol=1e-5)
    _assert_same(model, ref)


def test_standard_updater_graph_replay():
    rng = numpy.random.RandomState(3)
    x = rng.randn(64, 6).astype(numpy.float32)
    t = rng.randn(64, 3).astype(numpy.float32)

    def run(replay):
        model = _mlp()

        def loss_func(x, t):
            loss = F.mean_squared_error(model(x), t)
            reporter.report({'loss': loss})
            return loss
        opt = optimizers.Adam(alpha=0.005).setup(model)
        it = fastgrad.iterators.SerialIterator(fastgrad.datasets.TupleDataset(x, t), 8,
                                               shuffle=False)
        updater = training.StandardUpdater(it, opt, loss_func=loss_func, device='@cupy:0',
                                           graph_replay=replay)
        rep = fastgrad.Reporter()
        losses = []
        for _ in range(N):
            obs = {}
            with rep, reporter.report_scope(obs):
                updater.update()
            losses.append(float(obs['loss'].array))
        return model, opt, updater, losses
    model, opt, updater, losses = run(True)
    ref, ref_opt, _, ref_losses = run(False)
    step = updater._replayed_step
    assert (step.eager_steps, step.captures, step.replays) == (1, 1, N - 2)
    assert opt.t == ref_opt.t == N and opt.epoch == ref_opt.epoch
    numpy.testing.assert_allclose(losses, ref_losses, rtol=1e-5)
    _assert_same(model, ref)
