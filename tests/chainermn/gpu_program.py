"""Run under ``mpiexec -n 2`` with CuPy and a CUDA device (one GPU may host
both ranks): GPU models through a communicator (``pure_nccl``, or an MPI one
staging through host memory).  Prints one ``OK <check>`` line per passed
check on rank 0.  Usage: ``gpu_program.py NAME``."""
import sys

import cupy
import numpy

import fastgrad
import fastgrad.links as L
from fastgrad import chainermn, optimizers

SEED = 7


def mixed_model():
    """float32 and float64 parameters, and one link left without gradients."""
    model = fastgrad.Chain()
    with model.init_scope():
        model.a = L.Linear(5, 4)
        with fastgrad.using_config('dtype', numpy.float64):
            model.b = L.Linear(4, 3)
        model.unused = L.Linear(2, 2)
    return model


def rank_grads(model, rank):
    """The gradients rank ``rank`` contributes (the same on every process)."""
    out = {}
    for i, (name, p) in enumerate(sorted(model.namedparams())):
        if not name.startswith('/unused'):
            rng = numpy.random.RandomState(SEED + 100 * rank + i)
            out[name] = rng.randn(*p.array.shape).astype(p.array.dtype)
    return out


def check_mean_grad(name, comm, wire=None):
    c = comm if wire is None else chainermn.create_communicator(
        name, allreduce_grad_dtype=wire)
    model = mixed_model()
    model.to_gpu()
    model.cleargrads()
    mine = rank_grads(model, comm.rank)
    for pname, p in model.namedparams():
        if pname in mine:
            p.grad = cupy.asarray(mine[pname])
    c.multi_node_mean_grad(model)
    every = [rank_grads(model, r) for r in range(comm.size)]
    for pname, p in sorted(model.namedparams()):
        if pname not in mine:
            assert p.grad is None, pname           # zero_fill=False leaves it alone
            continue
        assert isinstance(p.grad, cupy.ndarray) and p.grad.dtype == mine[pname].dtype
        expect = numpy.mean([e[pname] for e in every], axis=0)
        tol = 2e-3 if wire == 'float16' else (1e-6 if p.grad.dtype == numpy.float32
                                              else 1e-12)
        numpy.testing.assert_allclose(cupy.asnumpy(p.grad), expect, rtol=tol, atol=tol,
                                      err_msg=pname)
    c.multi_node_mean_grad(model, zero_fill=True)
    assert all(float(abs(p.grad).max()) == 0.0 for p in model.unused.params())
    if c is not comm:
        c.finalize()


def check_bcast_data(comm):
    model = mixed_model()
    if comm.rank != 0:
        for p in model.params():
            p.array[...] = 123.0
    model.to_gpu()
    comm.bcast_data(model)
    host = {n: cupy.asnumpy(p.array) for n, p in model.namedparams()}
    root = comm.bcast_obj(host)
    for n in host:
        numpy.testing.assert_array_equal(host[n], root[n], err_msg=n)
    assert not any((a == 123.0).all() for a in host.values())


def classifier():
    W = numpy.random.RandomState(1).randn(3, 5) * 0.3
    with fastgrad.using_config('dtype', numpy.float64):
        model = L.Classifier(L.Linear(5, 3, initialW=W, initial_bias=0.1))
    model.to_gpu()
    return model


def check_data_parallel(comm):
    rng = numpy.random.RandomState(0)
    x = cupy.asarray(rng.randn(16, 5))
    t = cupy.asarray(rng.randint(0, 3, 16).astype(numpy.int32))
    shard = slice(comm.rank * 16 // comm.size, (comm.rank + 1) * 16 // comm.size)
    done = []
    for make_opt in (lambda: optimizers.SGD(lr=0.1), lambda: optimizers.MomentumSGD(lr=0.1),
                     lambda: optimizers.Adam(alpha=0.01)):
        ref = classifier()
        ref_opt = make_opt().setup(ref)
        mn = classifier()
        if comm.rank != 0:
            for p in mn.params():
                p.array[...] = 123.0                # overwritten by the first bcast
        mn_opt = chainermn.create_multi_node_optimizer(make_opt(), comm).setup(mn)
        mn_opt.update(mn, x[shard], t[shard])       # first update: bcast only
        for _ in range(3):
            ref_opt.update(ref, x, t)
            mn_opt.update(mn, x[shard], t[shard])
        for (n1, p1), (_, p2) in zip(sorted(ref.namedparams()), sorted(mn.namedparams())):
            assert isinstance(p2.array, cupy.ndarray), n1
            numpy.testing.assert_allclose(cupy.asnumpy(p1.array), cupy.asnumpy(p2.array),
                                          rtol=1e-10, atol=1e-12, err_msg=n1)
        done.append(type(ref_opt).__name__)
    return done


def check_array_collectives(comm):
    v = cupy.full(3, float(comm.rank + 1))
    total = comm.allreduce(v)
    assert isinstance(total, cupy.ndarray)
    numpy.testing.assert_array_equal(cupy.asnumpy(total),
                                     numpy.full(3, comm.size * (comm.size + 1) / 2))
    got = comm.bcast(cupy.arange(4.0) if comm.rank == 0 else None)
    assert numpy.asarray(cupy.asnumpy(got)).tolist() == [0, 1, 2, 3]
    gathered = comm.allgather(v)
    assert [float(g[0]) for g in gathered] == [float(r + 1) for r in range(comm.size)]
    if comm.size == 1:
        return
    if comm.rank == 0:
        comm.send(cupy.arange(4.0), dest=1)
    elif comm.rank == 1:
        assert cupy.asnumpy(cupy.asarray(comm.recv(source=0))).tolist() == [0, 1, 2, 3]


def main(name):
    chainermn.global_except_hook.add_hook()     # a failed check ends the job
    comm = chainermn.create_communicator(name)
    cupy.cuda.Device(comm.intra_rank % cupy.cuda.runtime.getDeviceCount()).use()
    ok = []
    check_mean_grad(name, comm)
    ok.append('mean_grad')
    check_mean_grad(name, comm, wire='float16')
    ok.append('mean_grad_float16')
    check_bcast_data(comm)
    ok.append('bcast_data')
    ok += check_data_parallel(comm)
    check_array_collectives(comm)
    ok.append('collectives')
    comm.finalize()
    if comm.rank == 0:
        for check in ok:
            print('OK', check)
    sys.stdout.flush()


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'pure_nccl')
