"""Run under ``mpiexec -n 2``: model parallelism with chainermn.functions and
MultiNodeChainList must give the gradients (and SGD steps) of the whole model
in one process; the collective functions must match NumPy forward and
backward.  Prints one ``OK <check>`` line per passed check on rank 0."""
import sys

import numpy

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import chainermn, optimizers
from fastgrad.chainermn import functions as mnf

TOL = dict(rtol=1e-12, atol=1e-12)


def linear(n_in, n_out, seed):
    rng = numpy.random.RandomState(seed)
    with fastgrad.using_config('dtype', numpy.float64):
        return L.Linear(n_in, n_out, initialW=rng.randn(n_out, n_in) * 0.5,
                        initial_bias=rng.randn(n_out) * 0.1)


def data():
    rng = numpy.random.RandomState(0)
    return rng.randn(6, 4), rng.randint(0, 3, 6).astype(numpy.int32)


def reference(x, t):
    """The whole model in this process: l1 -> tanh -> l2 -> loss."""
    l1, l2 = linear(4, 5, 1), linear(5, 3, 2)
    F.softmax_cross_entropy(l2(F.tanh(l1(x))), t).backward()
    return l1, l2


def check_two_stages(comm):
    x, t = data()
    r1, r2 = reference(x, t)
    if comm.rank == 0:
        l1 = linear(4, 5, 1)
        delegate = mnf.send(F.tanh(l1(x)), comm, rank=1)
        assert delegate.shape == (0,)
        delegate.backward()
        for p, q in ((l1.W, r1.W), (l1.b, r1.b)):
            numpy.testing.assert_allclose(p.grad, q.grad, **TOL)
    else:
        l2 = linear(5, 3, 2)
        h = mnf.recv(comm, rank=0)
        F.softmax_cross_entropy(l2(h), t).backward()
        for p, q in ((l2.W, r2.W), (l2.b, r2.b)):
            numpy.testing.assert_allclose(p.grad, q.grad, **TOL)
    return 'two stages'


def check_round_trip(comm):
    """rank 0: l1, send; rank 1: recv, l2, send back; rank 0: recv with the
    delegate variable, loss.  A tuple goes each way."""
    x, t = data()
    r1, r2 = reference(x, t)
    if comm.rank == 0:
        l1 = linear(4, 5, 1)
        h = F.tanh(l1(x))
        delegate = mnf.send((h, h * 2.0), comm, rank=1, tag=3)
        y, = mnf.recv(comm, rank=1, delegate_variable=delegate, tag=4, force_tuple=True)
        F.softmax_cross_entropy(y, t).backward()
        numpy.testing.assert_allclose(l1.W.grad, r1.W.grad, **TOL)
    else:
        l2 = linear(5, 3, 2)
        h, h2 = mnf.recv(comm, rank=0, tag=3)
        numpy.testing.assert_allclose(h2.array, 2.0 * h.array, **TOL)
        delegate = mnf.send(l2(h + 0.0 * h2), comm, rank=0, tag=4)
        delegate.backward()
        numpy.testing.assert_allclose(l2.W.grad, r2.W.grad, **TOL)
    return 'round trip'


def check_pseudo_connect(comm):
    """Two sends from one process: the second is connected to the first's
    delegate, and one backward from it runs both."""
    x, _ = data()
    if comm.rank == 0:
        a = fastgrad.Variable(x.copy())
        d1 = mnf.send(a * 2.0, comm, rank=1, tag=1)
        b, = mnf.pseudo_connect(d1, a * 3.0)
        d2 = mnf.send(b, comm, rank=1, tag=2)
        d2.backward()
        # rank 1's loss: sum(y1) + 2 * sum(y2)  ->  2 * 1 + 3 * 2
        numpy.testing.assert_allclose(a.grad, numpy.full_like(x, 8.0), **TOL)
    else:
        y1 = mnf.recv(comm, rank=0, tag=1)
        y2 = mnf.recv(comm, rank=0, tag=2)
        (F.sum(y1) + 2.0 * F.sum(y2)).backward()
    return 'pseudo_connect'


def weights(seed, shape):
    return numpy.random.RandomState(seed).randn(*shape)


def check_collectives(comm):
    rank, size = comm.rank, comm.size

    def part(r):
        return numpy.arange(6.0).reshape(2, 3) + 10 * r

    def loss(ys, tag):
        return sum(F.sum(y * weights(100 * tag + 10 * rank + j, y.shape))
                   for j, y in enumerate(ys))

    # allgather: y_j = x_j everywhere; grad x_r = sum_s w[s, r]
    x = fastgrad.Variable(part(rank))
    ys = mnf.allgather(comm, x)
    for j, y in enumerate(ys):
        numpy.testing.assert_array_equal(y.array, part(j))
    loss(ys, 1).backward()
    want = sum(weights(100 + 10 * s + rank, (2, 3)) for s in range(size))
    numpy.testing.assert_allclose(x.grad, want, **TOL)

    # alltoall: process r's xs[j] is process j's ys[r]
    xs = [fastgrad.Variable(part(rank) + j) for j in range(size)]
    ys = mnf.alltoall(comm, xs)
    for i, y in enumerate(ys):
        numpy.testing.assert_array_equal(y.array, part(i) + rank)
    loss(ys, 2).backward()
    for j, xv in enumerate(xs):
        numpy.testing.assert_allclose(xv.grad, weights(200 + 10 * j + rank, (2, 3)), **TOL)

    # bcast from root 1: the root's gradient is the sum of everyone's
    root = size - 1
    x = fastgrad.Variable(part(7))
    y = mnf.bcast(comm, x if rank == root else None, root=root)
    numpy.testing.assert_array_equal(y.array, part(7))
    loss([y], 3).backward()
    if rank == root:
        want = sum(weights(300 + 10 * s, (2, 3)) for s in range(size))
        numpy.testing.assert_allclose(x.grad, want, **TOL)

    # gather to root 0: backprop scatters the root's gradients
    x = fastgrad.Variable(part(rank))
    out = mnf.gather(comm, x, root=0)
    if rank == 0:
        for j, y in enumerate(out):
            numpy.testing.assert_array_equal(y.array, part(j))
        loss(out, 4).backward()
    else:
        assert out.shape == (0,)
        out.backward()
    numpy.testing.assert_allclose(x.grad, weights(400 + rank, (2, 3)), **TOL)

    # scatter from root 0: backprop gathers the gradients on the root
    xs = [fastgrad.Variable(part(j) * 0.5) for j in range(size)]
    y = mnf.scatter(comm, xs if rank == 0 else None, root=0)
    numpy.testing.assert_array_equal(y.array, part(rank) * 0.5)
    loss([y], 5).backward()
    if rank == 0:
        for j, xv in enumerate(xs):
            numpy.testing.assert_allclose(xv.grad, weights(500 + 10 * j, (2, 3)), **TOL)

    # float32 keeps its dtype both ways
    x = fastgrad.Variable(part(rank).astype(numpy.float32))
    ys = mnf.allgather(comm, x)
    assert all(y.dtype == numpy.float32 for y in ys)
    F.sum(F.stack(ys)).backward()
    assert x.grad.dtype == numpy.float32
    numpy.testing.assert_array_equal(x.grad, numpy.full((2, 3), size, numpy.float32))
    return 'collectives'


class Stage0(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = linear(4, 5, 1)

    def forward(self, x):
        return F.tanh(self.l1(x))


class Stage1(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l2 = linear(5, 5, 2)

    def forward(self, h):
        return F.relu(self.l2(h))


class Stage2(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l3 = linear(5, 3, 3)

    def forward(self, h):
        return self.l3(h)


def check_chain_list(comm):
    """SGD steps of a model split 0 -> 1 -> 0 by MultiNodeChainList equal the
    whole model's (the loss is on rank 0; rank 1 backprops its delegate)."""
    x, t = data()
    whole = fastgrad.Sequential(Stage0(), Stage1(), Stage2())
    opt = optimizers.SGD(lr=0.1).setup(whole)
    model = chainermn.MultiNodeChainList(comm)
    if comm.rank == 0:
        model.add_link(Stage0(), rank_in=None, rank_out=1)
        model.add_link(Stage2(), rank_in=1, rank_out=None)
    else:
        model.add_link(Stage1(), rank_in=0, rank_out=0)
    mopt = optimizers.SGD(lr=0.1).setup(model)
    for _ in range(3):
        opt.update(lambda: F.softmax_cross_entropy(whole(x), t))
        model.cleargrads()
        if comm.rank == 0:
            F.softmax_cross_entropy(model(x), t).backward()
        else:
            delegate = model()
            assert delegate.shape == (0,)
            delegate.backward()
        mopt.update()
    mine = [0, 2] if comm.rank == 0 else [1]
    for k, i in enumerate(mine):
        for (name, p), (_, q) in zip(sorted(model[k].namedparams()),
                                     sorted(whole[i].namedparams())):
            numpy.testing.assert_allclose(p.array, q.array, err_msg=name, **TOL)
    try:
        model.add_link(Stage2(), rank_in=1, rank_out=None)
        model.add_link(Stage2(), rank_in=1, rank_out=None)
    except ValueError as e:
        assert 'rank_out=None' in str(e)
    else:
        raise AssertionError('two outputs were accepted')
    return 'MultiNodeChainList'


def check_self_send(comm):
    """A piece sending to its own rank passes the value in memory."""
    x, t = data()
    whole = fastgrad.Sequential(Stage0(), Stage1(), Stage2())
    F.softmax_cross_entropy(whole(x), t).backward()
    model = chainermn.MultiNodeChainList(comm)
    model.add_link(Stage0(), rank_in=None, rank_out=comm.rank)
    model.add_link(fastgrad.Sequential(Stage1(), Stage2()), rank_in=comm.rank,
                   rank_out=None)
    F.softmax_cross_entropy(model(x), t).backward()
    numpy.testing.assert_allclose(model[0].l1.W.grad, whole[0].l1.W.grad, **TOL)
    numpy.testing.assert_allclose(model[1][1].l3.W.grad, whole[2].l3.W.grad, **TOL)
    return 'self send'


def lstm(seed):
    with fastgrad.using_config('dtype', numpy.float64):
        link = L.NStepLSTM(1, 3, 4, 0.0)
    rng = numpy.random.RandomState(seed)
    for _, p in sorted(link.namedparams()):
        p.array[...] = rng.randn(*p.shape) * 0.5
    return link


def check_n_step_rnn(comm):
    """Stacked LSTMs split over two ranks: rank 0's final states are rank 1's
    initial states; gradients equal the single-process stack's."""
    rng = numpy.random.RandomState(5)
    xs0 = [rng.randn(n, 3) for n in (4, 3)]
    xs1 = [rng.randn(n, 3) for n in (4, 3)]
    a, b = lstm(1), lstm(2)
    hy, cy, _ = a(None, None, xs0)
    _, _, ys = b(hy, cy, xs1)
    sum(F.sum(y * y) for y in ys).backward()
    if comm.rank == 0:
        link = chainermn.links.create_multi_node_n_step_rnn(lstm(1), comm, rank_out=1)
        out = link(xs0)
        assert len(out) == 4
        out[-1].backward()
        ref = a
    else:
        link = chainermn.links.create_multi_node_n_step_rnn(lstm(2), comm, rank_in=0)
        _, _, ys, delegate = link(xs1)
        assert delegate is None
        sum(F.sum(y * y) for y in ys).backward()
        ref = b
    for (name, p), (_, q) in zip(sorted(link.actual_rnn.namedparams()),
                                 sorted(ref.namedparams())):
        numpy.testing.assert_allclose(p.grad, q.grad, err_msg=name, rtol=1e-10, atol=1e-12)
    try:
        chainermn.links.create_multi_node_n_step_rnn(L.Linear(2, 2), comm)
    except ValueError as e:
        assert 'NStep' in str(e)
    else:
        raise AssertionError('a Linear was accepted')
    return 'n_step_rnn'


def check_errors(comm):
    for call in (lambda: mnf.send(fastgrad.Variable(numpy.ones(2)), comm, comm.rank),
                 lambda: mnf.recv(comm, comm.rank),
                 lambda: mnf.alltoall(comm, [numpy.ones(2)] * (comm.size + 1))):
        try:
            call()
        except ValueError:
            pass
        else:
            raise AssertionError('accepted')
    return 'errors'


def main(mode):
    chainermn.global_except_hook.add_hook()     # a failed check ends the job
    comm = chainermn.create_communicator('naive')
    checks = (check_two_stages, check_round_trip, check_pseudo_connect,
              check_collectives, check_chain_list, check_self_send, check_n_step_rnn,
              check_errors)
    if mode == 'collectives':                  # any number of processes
        checks = (check_collectives, check_self_send)
    done = [check(comm) for check in checks]
    comm.mpi_comm.barrier()
    if comm.rank == 0:
        for name in done:
            print('OK', name)
    sys.stdout.flush()


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'all')
