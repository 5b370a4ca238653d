"""Run under ``mpiexec -n N`` (N dividing 12): the asynchronous multi-node
optimizers against single-process references on the full batch.

``double_buffering``: update t applies the mean gradients of step t-1 (the
first update broadcasts, the second only starts a reduction), reproduced in
one process by applying the previous step's full-batch gradients.
``overlap``: buckets reduced during backward give the plain path's numbers.
The model uses one link twice (a shared parameter) and has a link that gets
no gradient.  Prints ``OK <mode> <optimizer> <path>`` lines on rank 0."""
import sys

import numpy

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import chainermn, optimizers

N_DATA = 12


class Net(fastgrad.Chain):

    def __init__(self):
        super(Net, self).__init__()
        rng = numpy.random.RandomState(1)              # the same on every rank
        with fastgrad.using_config('dtype', numpy.float64), self.init_scope():
            self.l1 = L.Linear(5, 6, initialW=rng.randn(6, 5) * 0.4, initial_bias=0.1)
            self.l2 = L.Linear(6, 6, initialW=rng.randn(6, 6) * 0.4, initial_bias=-0.1)
            self.l3 = L.Linear(6, 3, initialW=rng.randn(3, 6) * 0.4, initial_bias=0.0)
            self.unused = L.Linear(2, 2, initialW=rng.randn(2, 2), initial_bias=0.5)

    def forward(self, x):
        h = F.tanh(self.l1(x))
        h = F.tanh(self.l2(h))
        h = F.tanh(self.l2(h))                         # l2 used twice
        return self.l3(h)


def data():
    rng = numpy.random.RandomState(0)
    return rng.randn(N_DATA, 5), rng.randint(0, 3, N_DATA).astype(numpy.int32)


OPTIMIZERS = (('SGD', lambda: optimizers.SGD(lr=0.1)),
              ('MomentumSGD', lambda: optimizers.MomentumSGD(lr=0.1)),
              ('Adam', lambda: optimizers.Adam(alpha=0.01)))


def full_batch_grads(model, x, t):
    model.cleargrads()
    model(x, t).backward()
    return {n: (None if p.grad is None else p.grad.copy()) for n, p in model.namedparams()}


def reference(make_opt, steps, mode):
    """Single-process training on the full batch with the multi-node
    optimizer's semantics (the first update only broadcasts)."""
    x, t = data()
    ref = L.Classifier(Net())
    opt = make_opt().setup(ref)
    previous = None
    for step in range(1, steps + 1):
        grads = full_batch_grads(ref, x, t)
        if step == 1:
            continue
        if mode == 'double_buffering':
            grads, previous = previous, grads
            if grads is None:
                continue
        for n, p in ref.namedparams():
            g = grads[n]
            p.grad = numpy.zeros_like(p.array) if g is None else g   # zero_fill
        opt.update()
    return ref


def multi_node(comm, make_opt, steps, mode, path, bucket_size):
    x, t = data()
    rank, size = comm.rank, comm.size
    mn = L.Classifier(Net())
    if rank != 0:
        for p in mn.params():
            p.array[...] = 123.0                        # overwritten by the first bcast
    kw = {'double_buffering': True} if mode == 'double_buffering' else {
        'overlap': True, 'bucket_size': bucket_size}
    opt = chainermn.create_multi_node_optimizer(make_opt(), comm, **kw).setup(mn)
    shard = slice(rank * N_DATA // size, (rank + 1) * N_DATA // size)
    for _ in range(steps):
        if path == 'lossfun':
            opt.update(mn, x[shard], t[shard])
        else:                                           # the user's own backward
            mn.cleargrads()
            mn(x[shard], t[shard]).backward()
            opt.update()
    return mn, opt


def main(mode, path):
    chainermn.global_except_hook.add_hook()           # a failed check ends the job
    comm = chainermn.create_communicator('flat')
    steps = 6
    for name, make_opt in OPTIMIZERS:
        ref = reference(make_opt, steps, mode)
        # bucket_size 200 bytes: several buckets, some params alone in theirs
        mn, opt = multi_node(comm, make_opt, steps, mode, path, 200)
        for (n1, p1), (n2, p2) in zip(sorted(ref.namedparams()), sorted(mn.namedparams())):
            assert n1 == n2
            numpy.testing.assert_allclose(p2.array, p1.array, rtol=1e-12, atol=1e-12,
                                          err_msg='{} {}'.format(name, n1))
        # the unused link moved nowhere, the others did
        start = L.Classifier(Net())
        assert (mn.predictor.unused.W.array == start.predictor.unused.W.array).all()
        assert not (mn.predictor.l1.W.array == start.predictor.l1.W.array).all()
        if mode == 'overlap':
            stats = comm.allgather_obj(opt.overlap_stats)
            # 5 steps after the broadcast; buckets go out during backward
            assert all(s['during_backward'] > 0 and s['redone'] == 0 for s in stats), stats
            comm.mpi_comm.barrier()
        opt.close()
        if comm.rank == 0:
            print('OK', mode, name, path)
    sys.stdout.flush()


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
