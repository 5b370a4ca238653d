"""Run under ``mpiexec -n 2``: data-parallel training must reproduce
single-process training on the full batch; collectives must round-trip.
Prints one ``OK <check>`` line per passed check on rank 0."""
import sys

import numpy

import fastgrad
import fastgrad.links as L
from fastgrad import chainermn, optimizers


def model():
    W = numpy.random.RandomState(1).randn(3, 5) * 0.3      # the same on every rank
    with fastgrad.using_config('dtype', numpy.float64):
        return L.Classifier(L.Linear(5, 3, initialW=W, initial_bias=0.1))


def data():
    rng = numpy.random.RandomState(0)
    x = rng.randn(16, 5)
    return x, rng.randint(0, 3, 16).astype(numpy.int32)


def main(name):
    chainermn.global_except_hook.add_hook()     # a failed check ends the job
    comm = chainermn.create_communicator(name)
    rank, size = comm.rank, comm.size
    x, t = data()
    ok = []
    for make_opt in (lambda: optimizers.SGD(lr=0.1), lambda: optimizers.MomentumSGD(lr=0.1),
                     lambda: optimizers.Adam(alpha=0.01)):
        ref = model()
        ref_opt = make_opt().setup(ref)
        mn = model()
        if rank == 0:
            mn.copyparams(ref)                      # rank 0 holds the start point
        else:
            for p in mn.params():
                p.array[...] = 123.0                # overwritten by the first bcast
        mn_opt = chainermn.create_multi_node_optimizer(make_opt(), comm).setup(mn)
        shard = slice(rank * 16 // size, (rank + 1) * 16 // size)
        mn_opt.update(mn, x[shard], t[shard])       # first update: bcast only
        for _ in range(3):
            ref_opt.update(ref, x, t)
            mn_opt.update(mn, x[shard], t[shard])
        for (n1, p1), (n2, p2) in zip(sorted(ref.namedparams()), sorted(mn.namedparams())):
            numpy.testing.assert_allclose(p1.array, p2.array, rtol=1e-12, atol=1e-12,
                                          err_msg=n1)
        ok.append(type(ref_opt).__name__)
    # collectives
    v = numpy.full(3, float(rank + 1))
    numpy.testing.assert_array_equal(comm.allreduce(v), numpy.full(3, size * (size + 1) / 2))
    gathered = comm.allgather(v)
    assert [float(g[0]) for g in gathered] == [float(r + 1) for r in range(size)]
    assert comm.bcast_obj({'r': rank}) == {'r': 0}
    if rank == 0:
        comm.send(numpy.arange(4.0), dest=1)
    elif rank == 1:
        assert comm.recv(source=0).tolist() == [0, 1, 2, 3]
    ds = chainermn.scatter_dataset(list(range(10)) if rank == 0 else None, comm,
                                   shuffle=True, seed=0)
    every = comm.allgather_obj(list(ds))
    assert sorted(sum(every, [])) == list(range(10)) and len(set(map(len, every))) == 1
    # a model that differs between ranks is named at the first bcast
    bad = L.Linear(3, 2 + rank)
    try:
        comm.bcast_data(bad)
        differs = False
    except ValueError as e:
        differs = 'W' in str(e)
    assert comm.allgather_obj(differs) == [False] + [True] * (size - 1)
    ok.append('collectives')
    if rank == 0:
        for name_ in ok:
            print('OK', name_)
    sys.stdout.flush()


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'flat')
