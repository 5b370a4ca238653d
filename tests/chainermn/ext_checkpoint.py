"""Run under ``mpiexec -n 2`` or ``-n 3``: ``ext_checkpoint.py save DIR``
trains 6 iterations saving multi-node checkpoints (every iteration) and
multi-node snapshots (every 2), as a job that then died would leave them;
``ext_checkpoint.py load DIR`` (after the test removed rank 1's newest files)
resumes and checks that every process loaded the newest iteration all of
them have.  Prints ``OK <check>`` lines on rank 0; a failed check aborts
the job (global_except_hook)."""
import os
import sys
import warnings

import numpy

import fastgrad
import fastgrad.links as L
from fastgrad import chainermn, iterators, optimizers, training
from fastgrad.training import extensions


def _setup(comm, folder, seed):
    W = numpy.random.RandomState(seed).randn(3, 4).astype(numpy.float32)
    model = L.Classifier(L.Linear(4, 3, initialW=W, initial_bias=0.0))
    rng = numpy.random.RandomState(5)
    full = fastgrad.datasets.TupleDataset(rng.randn(24, 4).astype(numpy.float32),
                                          rng.randint(0, 3, 24).astype(numpy.int32))
    shard = chainermn.scatter_dataset(full if comm.rank == 0 else None, comm, shuffle=True,
                                      seed=0)
    opt = chainermn.create_multi_node_optimizer(optimizers.MomentumSGD(lr=0.1), comm)
    opt.setup(model)
    updater = training.StandardUpdater(iterators.SerialIterator(shard, 4), opt)
    trainer = training.Trainer(updater, (8, 'iteration'), out=folder)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        checkpointer = chainermn.create_multi_node_checkpointer(
            'run', comm, cp_interval=3, gc_interval=2)
    snapshot = chainermn.extensions.multi_node_snapshot(
        comm, extensions.snapshot(autoload=True), [0])      # sets {0}, {1, ...}
    return model, opt, trainer, checkpointer, snapshot


def _params(model):
    return {name: p.array.copy() for name, p in sorted(model.namedparams())}


def _mine(folder, rank):
    return sorted(int(f.rsplit('.', 1)[1]) for f in os.listdir(folder)
                  if f.startswith('run.{}.'.format(rank)))


def save(comm, folder):
    model, opt, trainer, checkpointer, snapshot = _setup(comm, folder, 0)
    os.makedirs(folder, exist_ok=True)
    reference = {}
    for _ in range(6):
        trainer.updater.update()
        it = trainer.updater.iteration
        checkpointer(trainer)
        if it % 2 == 0:
            snapshot(trainer)
        for name, a in _params(model).items():
            reference['{}{}'.format(it, name)] = a
    numpy.savez(os.path.join(folder, 'reference.{}.npz'.format(comm.rank)), **reference)
    # 5 saves reach cp_interval + gc_interval: the newest 3 were kept, then one more
    assert _mine(folder, comm.rank) == [3, 4, 5, 6], _mine(folder, comm.rank)
    snaps = sorted(f for f in os.listdir(folder)          # the folder is shared here
                   if f.startswith('snapshot_iter_') and f.endswith('.{}'.format(comm.rank)))
    want = {0: ['snapshot_iter_2.0', 'snapshot_iter_4.0', 'snapshot_iter_6.0'],
            1: ['snapshot_iter_2.1', 'snapshot_iter_4.1', 'snapshot_iter_6.1']}
    assert snaps == want[comm.rank] if comm.rank in want else snaps == [], snaps
    assert snapshot.is_master == (comm.rank < 2)
    assert 'avg=' in checkpointer.get_stats()
    return ['checkpoint save']


def load(comm, folder):
    reference = numpy.load(os.path.join(folder, 'reference.{}.npz'.format(comm.rank)))
    # the checkpointer: rank 1 lost iteration 6, so everyone resumes at 5
    model, opt, trainer, checkpointer, snapshot = _setup(comm, folder, 1 + comm.rank)
    got = checkpointer.maybe_load(trainer, opt)
    assert comm.allgather_obj((got, trainer.updater.iteration)) == [(5, 5)] * comm.size
    for name, a in _params(model).items():
        numpy.testing.assert_array_equal(a, reference['5' + name], err_msg=name)
    n = len(trainer.updater.get_iterator('main').dataset)
    assert abs(trainer.updater.epoch_detail - 5 * 4 / n) < 1e-12
    # the multi-node snapshot: rank 1 (master of {1, ...}) lost iteration 6 -> 4
    model, opt, trainer, checkpointer2, snapshot = _setup(comm, folder, 7 + comm.rank)
    snapshot.initialize(trainer)
    assert comm.allgather_obj(trainer.updater.iteration) == [4] * comm.size
    for name, a in _params(model).items():
        numpy.testing.assert_array_equal(a, reference['4' + name], err_msg=name)
    # training goes on from there; the finished run removes the checkpoints
    model, opt, trainer, checkpointer, snapshot = _setup(comm, folder, 0)
    assert checkpointer.maybe_load(trainer, opt) == 5
    trainer.extend(checkpointer, trigger=(1, 'iteration'))
    trainer.run()
    assert trainer.updater.iteration == 8 and _mine(folder, comm.rank) == []
    # nothing to resume from: nothing loaded
    model, opt, trainer, checkpointer, snapshot = _setup(comm, folder, 0)
    assert checkpointer.maybe_load(trainer) is None and trainer.updater.iteration == 0
    return ['checkpoint resume', 'multi_node_snapshot resume']


def main(mode, folder):
    chainermn.global_except_hook.add_hook()     # a failed check ends the job
    comm = chainermn.create_communicator('naive')
    ok = {'save': save, 'load': load}[mode](comm, folder)
    comm.mpi_comm.barrier()
    if comm.rank == 0:
        for name in ok:
            print('OK', name)
    sys.stdout.flush()


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
