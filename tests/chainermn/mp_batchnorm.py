"""Run under ``mpiexec -n N``: MultiNodeBatchNormalization on each rank's part
of a batch must equal BatchNormalization on the whole batch (output,
gradients, running statistics).  ``uneven`` gives the ranks different batch
sizes.  Prints one ``OK <check>`` line per passed check on rank 0."""
import copy
import sys

import numpy

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import chainermn

TOL = dict(rtol=1e-10, atol=1e-10)


def shards(size, uneven):
    sizes = [2 + 3 * r for r in range(size)] if uneven else [4] * size
    bounds = numpy.cumsum([0] + sizes)
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


def check_link(comm, uneven):
    """The link against L.BatchNormalization on the concatenated batch."""
    rank, size = comm.rank, comm.size
    parts = shards(size, uneven)
    n = parts[-1].stop
    rng = numpy.random.RandomState(0)            # the same data on every rank
    x = rng.randn(n, 3, 2) * 2.0 + 5.0
    gy = [rng.randn(n, 3, 2) for _ in range(2)]
    with fastgrad.using_config('dtype', numpy.float64):
        ref = L.BatchNormalization(3, decay=0.8)
    ref.gamma.array[...] = rng.rand(3) + 0.5
    ref.beta.array[...] = rng.randn(3)
    ref.avg_mean[...] = rng.randn(3)
    ref.avg_var[...] = rng.rand(3) + 1.0
    mn = chainermn.links.create_mnbn_model(ref, comm)
    assert isinstance(mn, chainermn.links.MultiNodeBatchNormalization)
    assert mn.avg_var.dtype == numpy.float64 and mn.decay == 0.8
    me = parts[rank]
    for step in range(2):
        xr = fastgrad.Variable(x.copy())
        y_ref = ref(xr)
        y_ref.grad = gy[step]
        ref.cleargrads()
        y_ref.backward()
        xm = fastgrad.Variable(x[me].copy())
        y = mn(xm)
        y.grad = gy[step][me]
        mn.cleargrads()
        y.backward()
        numpy.testing.assert_allclose(y.array, y_ref.array[me], **TOL)
        numpy.testing.assert_allclose(xm.grad, xr.grad[me], **TOL)
        # gamma / beta: the mean over ranks of the full-batch gradient
        numpy.testing.assert_allclose(mn.gamma.grad * size, ref.gamma.grad, **TOL)
        numpy.testing.assert_allclose(mn.beta.grad * size, ref.beta.grad, **TOL)
        numpy.testing.assert_allclose(mn.avg_mean, ref.avg_mean, **TOL)
        numpy.testing.assert_allclose(mn.avg_var, ref.avg_var, **TOL)
    # the check means something: per-rank BatchNormalization differs
    ghost = copy.deepcopy(ref)
    y_ghost = ghost(x[me])
    y_mn = mn(x[me])
    ref(x)                                       # (keeps the running statistics equal)
    assert not numpy.allclose(y_ghost.array, y_mn.array)
    # test mode: the running statistics, no communication
    with fastgrad.using_config('train', False):
        numpy.testing.assert_allclose(mn(x[me]).array, ref(x).array[me], **TOL)
    # fine-tuning: a plain average of the global batches
    mn.start_finetuning()
    ref.start_finetuning()
    for _ in range(2):
        mn(x[me], finetune=True)
        ref(x, finetune=True)
    assert mn.N == ref.N == 2
    numpy.testing.assert_allclose(mn.avg_var, ref.avg_var, **TOL)
    # a recomputation pass (checkpointing) leaves the statistics alone
    before = mn.avg_mean.copy(), mn.avg_var.copy()
    with fastgrad.using_config('in_recomputing', True):
        mn(x[me])
    numpy.testing.assert_array_equal(mn.avg_mean, before[0])
    numpy.testing.assert_array_equal(mn.avg_var, before[1])
    return 'link uneven' if uneven else 'link'


class Net(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        rng = numpy.random.RandomState(1)
        with self.init_scope():
            self.l1 = L.Linear(4, 5, initialW=rng.randn(5, 4) * 0.5)
            self.bn1 = L.BatchNormalization(5)
            self.seq = fastgrad.Sequential(L.Linear(5, 5, initialW=rng.randn(5, 5) * 0.5),
                                           L.BatchNormalization(5, use_beta=False), F.relu)
            self.l2 = L.Linear(5, 3, initialW=rng.randn(3, 5) * 0.5)

    def forward(self, x):
        return self.l2(self.seq(F.tanh(self.bn1(self.l1(x)))))


def check_model(comm):
    """create_mnbn_model on a nested model, data-parallel with the mean loss
    and multi_node_mean_grad, equals the full-batch model (ChainerMN's test)."""
    rank, size = comm.rank, comm.size
    rng = numpy.random.RandomState(2)
    x = rng.randn(4 * size, 4)
    t = rng.randint(0, 3, 4 * size).astype(numpy.int32)
    with fastgrad.using_config('dtype', numpy.float64):
        ref = L.Classifier(Net())
    before = [p.array.copy() for _, p in sorted(ref.namedparams())]
    mn = chainermn.links.create_mnbn_model(ref, comm)
    kinds = sorted(type(lk).__name__ for lk in mn.links())
    assert kinds.count('MultiNodeBatchNormalization') == 2, kinds
    assert kinds.count('BatchNormalization') == 0, kinds
    assert not hasattr(mn.predictor.seq[1], 'beta') or mn.predictor.seq[1].beta is None
    ref.cleargrads()
    ref(x, t).backward()
    me = slice(4 * rank, 4 * rank + 4)
    mn.cleargrads()
    mn(x[me], t[me]).backward()
    comm.multi_node_mean_grad(mn)
    names = [name for name, _ in sorted(ref.namedparams())]
    assert names == [name for name, _ in sorted(mn.namedparams())]
    for (name, p), (_, q) in zip(sorted(ref.namedparams()), sorted(mn.namedparams())):
        numpy.testing.assert_allclose(q.grad, p.grad, err_msg=name, **TOL)
    # the original model is untouched by the conversion
    for a, (_, p) in zip(before, sorted(ref.namedparams())):
        numpy.testing.assert_array_equal(a, p.array)
    # a copy shares the communicator
    cp = mn.copy(mode='copy')
    assert cp.predictor.bn1.comm is comm
    return 'model'


def check_errors(comm):
    for backend in ('nccl', 'dummy'):
        try:
            chainermn.links.MultiNodeBatchNormalization(3, comm,
                                                        communication_backend=backend)
        except ValueError as e:
            assert 'MultiNodeBatchNormalization' in str(e)
        else:
            raise AssertionError('communication_backend={} was accepted'.format(backend))
    chainermn.links.MultiNodeBatchNormalization(3, comm, communication_backend='mpi')
    bn = chainermn.links.MultiNodeBatchNormalization(3, comm)
    y = bn(fastgrad.Variable(numpy.random.RandomState(comm.rank).randn(3, 3)
                             .astype(numpy.float32)))
    try:
        fastgrad.grad([F.sum(y * y)], [bn.gamma], enable_double_backprop=True)
    except NotImplementedError as e:
        assert 'double backprop' in str(e)
    else:
        raise AssertionError('double backprop was accepted')
    return 'errors'


def main(mode):
    chainermn.global_except_hook.add_hook()     # a failed check ends the job
    comm = chainermn.create_communicator('flat')
    done = [check_link(comm, mode == 'uneven')]
    if mode != 'uneven':
        done += [check_model(comm), check_errors(comm)]
    comm.mpi_comm.barrier()
    if comm.rank == 0:
        for name in done:
            print('OK', name)
    sys.stdout.flush()


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'even')
