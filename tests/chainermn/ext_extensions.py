"""Run under ``mpiexec -n 2`` or ``-n 3``: chainermn's trainer extensions
(evaluators, AllreducePersistent, ObservationAggregator, early stopping).
Prints one ``OK <check>`` line per passed check on rank 0; a failed check
aborts the job (global_except_hook)."""
import sys
import tempfile

import numpy

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import chainermn, iterators, optimizers, training
from fastgrad.training import extensions


def _classifier():
    W = numpy.random.RandomState(1).randn(3, 4).astype(numpy.float32)
    return L.Classifier(L.Linear(4, 3, initialW=W, initial_bias=0.0))


def _data(n):
    rng = numpy.random.RandomState(5)
    x = rng.randn(n, 4).astype(numpy.float32)
    t = rng.randint(0, 3, n).astype(numpy.int32)
    return fastgrad.datasets.TupleDataset(x, t)


def _everyone_raises(comm, call, kind):
    try:
        call()
        got = None
    except Exception as e:
        got = (type(e).__name__, str(e))
    everyone = comm.allgather_obj(got)
    assert all(g is not None and g[0] == kind for g in everyone), everyone
    return everyone


def check_multi_node_evaluator(comm):
    n = 4 * comm.size * 3
    full = _data(n)
    shard = chainermn.scatter_dataset(full if comm.rank == 0 else None, comm)
    model = _classifier()

    def make(ds):
        return extensions.Evaluator(iterators.SerialIterator(ds, 4, repeat=False,
                                                             shuffle=False), model)
    local = make(shard)()
    ev = chainermn.create_multi_node_evaluator(make(shard), comm)
    result = ev()
    locals_ = comm.allgather_obj({k: float(v) for k, v in local.items()})
    assert len({round(d['main/loss'], 6) for d in locals_}) == comm.size   # they differ
    for key in result:
        mean = sum(d[key] for d in locals_) / comm.size
        assert abs(float(result[key]) - mean) < 1e-6, (key, result[key], mean)
    # equal shards, batches that divide them: the mean of means is the mean
    whole = make(full)()
    for key in whole:
        assert abs(float(whole[key]) - float(result[key])) < 1e-5, key
    assert comm.allgather_obj(sorted((k, float(v)) for k, v in result.items())) == \
        [sorted((k, float(v)) for k, v in result.items())] * comm.size

    # processes that report different metrics get an error, all of them
    class Odd(fastgrad.Chain):
        def forward(self, x, t):
            fastgrad.report({'a': 1.0}, self)
            if comm.rank == comm.size - 1:
                fastgrad.report({'b': 2.0}, self)
    odd = chainermn.create_multi_node_evaluator(extensions.Evaluator(
        iterators.SerialIterator(shard, 4, repeat=False), Odd()), comm)
    errors = _everyone_raises(comm, odd, 'ValueError')
    assert 'main/b' in errors[0][1], errors[0]
    return 'multi_node_evaluator'


class _Counting(chainermn.extensions.GenericMultiNodeEvaluator):
    def calc_local(self, x, t):
        rank = 0 if self.comm is None else self.comm.rank
        if getattr(self, 'fail_on', None) == rank:
            raise RuntimeError('calc_local fails here')
        return (rank, len(t), float(t.sum()))

    def aggregate(self, results):
        return results


def check_generic_evaluator(comm):
    n = 10
    full = _data(n)
    shard = chainermn.scatter_dataset(full if comm.rank == 0 else None, comm,
                                      force_equal_length=False)     # uneven shards
    seen = []
    ev = _Counting(comm, iterators.SerialIterator(shard, 2, repeat=False, shuffle=False),
                   None, root=comm.size - 1, progress_hook=lambda b: seen.append(len(b)))
    for _ in range(2):                               # the iterator is reset each time
        out = ev(None)
        if comm.rank == comm.size - 1:
            assert sum(r[1] for r in out) == n and sorted({r[0] for r in out}) == list(
                range(comm.size)), out
            assert abs(sum(r[2] for r in out) - float(sum(int(e[1]) for e in full))) < 1e-9
            # round-robin order: the first results are every rank's first batch
            assert [r[0] for r in out[:comm.size]] == list(range(comm.size))
        else:
            assert out is None
    assert comm.rank != comm.size - 1 or sum(seen) == 2 * len(shard)
    # without a communicator: this process alone
    alone = _Counting(None, iterators.SerialIterator(shard, 2, repeat=False), None)
    assert sum(r[1] for r in alone()) == len(shard)
    ev.fail_on = 0
    errors = _everyone_raises(comm, lambda: ev(None), 'RuntimeError')
    assert all('calc_local fails here' in e[1] for e in errors), errors
    return 'generic_multi_node_evaluator'


def check_allreduce_persistent(comm):
    bn = L.BatchNormalization(3)
    model = fastgrad.Sequential(bn)
    x = numpy.random.RandomState(comm.rank).randn(8, 3).astype(numpy.float32) * (comm.rank + 1)
    with fastgrad.using_config('train', True):
        model(x)
        model(x + 1)
    before = comm.allgather_obj((bn.avg_mean.copy(), bn.avg_var.copy(), int(bn.N)))
    assert not numpy.allclose(before[0][0], before[-1][0])
    ext = chainermn.extensions.AllreducePersistent(model, comm)
    assert ext.priority > extensions.Evaluator.priority and ext.trigger == (1, 'epoch')
    ext()
    numpy.testing.assert_allclose(bn.avg_mean, numpy.mean([b[0] for b in before], 0),
                                  rtol=1e-6)
    numpy.testing.assert_allclose(bn.avg_var, numpy.mean([b[1] for b in before], 0),
                                  rtol=1e-6)
    assert bn.avg_mean.dtype == numpy.float32 and int(bn.N) == before[comm.rank][2]
    # a model that differs between processes is named, on every process
    other = fastgrad.Sequential(L.BatchNormalization(3 + (comm.rank == 0)))
    errors = _everyone_raises(
        comm, lambda: chainermn.extensions.AllreducePersistent(other, comm)(), 'ValueError')
    assert 'avg_mean' in errors[0][1] or 'avg_var' in errors[0][1], errors
    return 'allreduce_persistent'


class _Scheduled(fastgrad.Chain):
    """Reports ``main/loss`` from a schedule, one value per iteration."""

    def __init__(self, schedule):
        super().__init__()
        with self.init_scope():
            self.w = fastgrad.Parameter(numpy.zeros(1, numpy.float32))
        self.schedule = schedule
        self.calls = 0

    def forward(self, x):
        value = self.schedule[min(self.calls, len(self.schedule) - 1)]
        self.calls += 1
        loss = F.sum(self.w * 0.0) + numpy.float32(value)
        fastgrad.report({'loss': loss}, self)
        return loss


def _trainer(comm, model, stop_trigger, multi_node=True):
    it = iterators.SerialIterator(numpy.zeros((1, 1), numpy.float32), 1)
    opt = optimizers.SGD(lr=0.0)
    if multi_node:
        opt = chainermn.create_multi_node_optimizer(opt, comm)
    opt.setup(model)
    updater = training.StandardUpdater(it, opt, loss_func=model)
    return training.Trainer(updater, stop_trigger, out=tempfile.mkdtemp())


def check_observation_aggregator(comm):
    schedule = [float(10 * comm.rank + i) for i in range(8)]
    model = _Scheduled(schedule)
    trainer = _trainer(comm, model, (6, 'iteration'))
    seen = []
    trainer.extend(chainermn.extensions.ObservationAggregator(
        comm, 'main/loss', 'main/loss_all', comm_trigger=(2, 'iteration')))
    trainer.extend(lambda t: seen.append((t.updater.iteration,
                                          float(t.observation['main/loss'].array),
                                          t.observation.get('main/loss_all'))),
                   trigger=(1, 'iteration'), priority=training.extension.PRIORITY_READER)
    trainer.run()
    everyone = comm.allgather_obj(seen)
    for i in range(6):
        it = everyone[0][i][0]
        agg = [e[i][2] for e in everyone]
        if it % 2:
            assert agg == [None] * comm.size, agg
        else:      # the mean over processes of this and the previous iteration
            want = numpy.mean([[e[i - 1][1], e[i][1]] for e in everyone])
            assert all(abs(float(a) - want) < 1e-6 for a in agg), (agg, want)
    # a custom aggregator gets one list per process
    model = _Scheduled([float(comm.rank)] * 4)
    trainer = _trainer(comm, model, (3, 'iteration'))
    trainer.extend(chainermn.extensions.ObservationAggregator(
        comm, 'main/loss', 'main/max', comm_trigger=(3, 'iteration'),
        aggregator=lambda hs: (len(hs), max(max(h) for h in hs))))
    got = []
    trainer.extend(lambda t: got.append(t.observation.get('main/max')),
                   priority=training.extension.PRIORITY_READER)
    trainer.run()
    assert got[-1] == (comm.size, float(comm.size - 1)) and got[0] is None, got
    return 'observation_aggregator'


def check_early_stopping(comm):
    # rank 0 alone keeps improving, the others alone would stop at epoch 3;
    # the mean (10, <10, <10, worse, worse) stops every process at epoch 5
    if comm.rank == 0:
        schedule = [10.0 - i for i in range(20)]
    else:
        schedule = [10.0, 10.0, 10.0] + [14.0] * 17
    model = _Scheduled(schedule)
    trigger = chainermn.extensions.MultiNodeEarlyStoppingTrigger(
        comm, check_trigger=(1, 'epoch'), monitor='main/loss', patience=2,
        max_trigger=(15, 'epoch'))
    trainer = _trainer(comm, model, trigger)
    trainer.run()
    stops = comm.allgather_obj(trainer.updater.iteration)
    assert stops == [5] * comm.size, stops
    assert trigger.get_training_length() == (15, 'epoch')
    # the same schedule with the single-process trigger: each rank on its own
    # (no multi-node optimizer: the ranks stop at different iterations)
    model = _Scheduled(schedule)
    trainer = _trainer(comm, model, training.triggers.EarlyStoppingTrigger(
        monitor='main/loss', patience=2, max_trigger=(15, 'epoch')), multi_node=False)
    trainer.run()
    alone = comm.allgather_obj(trainer.updater.iteration)
    assert alone == [15] + [3] * (comm.size - 1), alone
    return 'multi_node_early_stopping_trigger'


def main():
    chainermn.global_except_hook.add_hook()     # a failed check ends the job
    comm = chainermn.create_communicator('naive')
    ok = [check(comm) for check in (check_multi_node_evaluator, check_generic_evaluator,
                                    check_allreduce_persistent, check_observation_aggregator,
                                    check_early_stopping)]
    comm.mpi_comm.barrier()
    if comm.rank == 0:
        for name in ok:
            print('OK', name)
    sys.stdout.flush()


if __name__ == '__main__':
    main()
