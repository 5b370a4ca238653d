"""MultiprocessParallelUpdater on CPU devices: forked workers, summed
gradients, the same parameters as the equivalent single-process steps."""
import os
import signal
import warnings

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import iterators, optimizers, training
from fastgrad.training.updaters import MultiprocessParallelUpdater
from fastgrad.training.updaters.multiprocess_parallel_updater import (
    gather_grads,
    gather_params,
    scatter_grads,
    scatter_params,
)


class Model(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(4, 5)
            self.l2 = L.Linear(5, 3)

    def forward(self, x, t):
        loss = F.softmax_cross_entropy(self.l2(F.tanh(self.l1(x))), t)
        fastgrad.report({'loss': loss}, self)
        return loss


def _data(seed, n=12):
    rng = numpy.random.RandomState(seed)
    x = rng.randn(n, 4).astype(numpy.float32)
    t = rng.randint(0, 3, n).astype(numpy.int32)
    return list(zip(x, t))


def _updater(model, datasets, lr=0.1, batch=4):
    opt = optimizers.SGD(lr)
    opt.setup(model)
    its = [iterators.SerialIterator(d, batch, shuffle=False) for d in datasets]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return MultiprocessParallelUpdater(its, opt, devices=['@numpy'] * len(datasets))


@pytest.mark.parametrize('n_procs', [2, 3])
def test_same_parameters_as_summed_gradients_in_one_process(n_procs):
    datasets = [_data(i) for i in range(n_procs)]
    model = Model()
    reference = model.copy(mode='copy')
    upd = _updater(model, datasets)
    assert upd.get_optimizer('main').lr == pytest.approx(0.1 / n_procs)
    try:
        for step in range(4):        # 3 batches per epoch: crosses an epoch
            upd.update()
            # the same step by hand: sum of the per-process gradients
            reference.cleargrads()
            for d in datasets:
                b = [d[(step * 4 + k) % 12] for k in range(4)]
                x = numpy.stack([e[0] for e in b])
                t = numpy.array([e[1] for e in b])
                reference(x, t).backward()
            for p in reference.params():
                p.array -= (0.1 / n_procs) * p.grad
            for (name, p), q in zip(model.namedparams(), reference.params()):
                numpy.testing.assert_allclose(p.array, q.array, rtol=1e-5, atol=1e-6,
                                              err_msg=name)
        assert upd.epoch == 1 and upd.iteration == 4
    finally:
        upd.finalize()
    assert upd._workers == []


def test_trains_in_a_trainer_and_reports_the_main_loss(tmp_path):
    model = Model()
    upd = _updater(model, [_data(0, 48), _data(1, 48)], lr=0.5)
    trainer = training.Trainer(upd, (5, 'epoch'), out=str(tmp_path))
    seen = []
    trainer.extend(lambda t: seen.append(float(t.observation['main/loss'].array)),
                   trigger=(1, 'epoch'))
    trainer.run()
    assert len(seen) == 5 and seen[-1] < seen[0]


def test_worker_errors_are_raised_in_the_main_process():
    model = Model()
    bad = [(numpy.zeros(7, numpy.float32), numpy.int32(0))] * 12   # wrong width
    upd = _updater(model, [_data(0), bad])
    try:
        with pytest.raises(RuntimeError, match='worker 1 failed'):
            upd.update()
    finally:
        upd.finalize()


def test_a_killed_worker_is_reported_not_waited_for():
    upd = _updater(Model(), [_data(0), _data(1)])
    try:
        upd.update()
        os.kill(upd._workers[0].pid, signal.SIGKILL)
        upd._workers[0].join()
        with pytest.raises((RuntimeError, OSError)):
            upd.update()
    finally:
        upd.finalize()


def test_argument_errors():
    model = Model()
    opt = optimizers.SGD()
    opt.setup(model)
    it = iterators.SerialIterator(_data(0), 4)
    with pytest.raises(ValueError, match='dict, list or tuple'):
        MultiprocessParallelUpdater([it], opt, devices='@numpy')
    with pytest.raises(KeyError, match="'main'"):
        MultiprocessParallelUpdater([it], opt, devices={'a': '@numpy'})
    with pytest.raises(ValueError, match='every device'):
        MultiprocessParallelUpdater([it, it], opt, devices=['@numpy', None])
    with pytest.raises(ValueError, match='one iterator per device'):
        MultiprocessParallelUpdater([it], opt, devices=['@numpy', '@numpy'])
    short = iterators.SerialIterator(_data(0, 8), 4)
    with pytest.raises(ValueError, match='same length'):
        MultiprocessParallelUpdater([it, short], opt, devices=['@numpy', '@numpy'])


def test_lazy_parameters_are_forked_initialized():
    # the workers start after the main model's first forward pass, so every
    # process computes its first gradients with the same weights
    model = L.Classifier(L.Linear(None, 3))
    datasets = [_data(0), _data(1)]
    upd = _updater(model, datasets)
    try:
        upd.update()
        w = model.predictor.W.array.copy()
        reference = model.copy(mode='copy')
        upd.update()
        reference.cleargrads()
        for d in datasets:
            x = numpy.stack([e[0] for e in d[4:8]])
            t = numpy.array([e[1] for e in d[4:8]])
            reference(x, t).backward()
        numpy.testing.assert_allclose(model.predictor.W.array,
                                      w - 0.05 * reference.predictor.W.grad, rtol=1e-5)
    finally:
        upd.finalize()


def test_adaptive_methods_scale_eps_with_a_warning():
    model = Model()
    opt = optimizers.Adam(eps=1e-8)
    opt.setup(model)
    its = [iterators.SerialIterator(_data(i), 4) for i in range(2)]
    with pytest.warns(UserWarning, match='eps is changed'):
        MultiprocessParallelUpdater(its, opt, devices={'main': -1, 'second': -1})
    assert opt.eps == pytest.approx(2e-8)


def test_pack_and_scatter_round_trip():
    model = Model()
    for p in model.params():
        p.grad = numpy.full_like(p.array, 2.0)
    g = gather_grads(model)
    assert g.shape == (sum(p.size for p in model.params()),)
    scatter_grads(model, g * 3)
    assert all((p.grad == 6).all() for p in model.params())
    before = gather_params(model)
    scatter_params(model, before + 1)
    numpy.testing.assert_allclose(gather_params(model), before + 1)
    model.cleargrads()
    assert not gather_grads(model).any()          # no gradient counts as zeros
