"""Run under ``mpiexec -n 2`` or ``-n 3``: chainermn's iterators and
dataset splitting.  Prints one ``OK <check>`` line per passed check on rank
0; a failed check aborts the job (global_except_hook)."""
import sys

import numpy

import fastgrad
from fastgrad import chainermn, iterators, serializers


def _examples(n):
    rng = numpy.random.RandomState(0)
    return [(rng.randn(3).astype(numpy.float32), numpy.int32(i % 7)) for i in range(n)]


def _record(it, n):
    out = []
    for _ in range(n):
        batch = it.next()
        out.append((batch, it.epoch, it.epoch_detail, it.previous_epoch_detail,
                    it.is_new_epoch, it.current_position))
    return out


def _same(a, b):
    """Equal records, arrays compared with their dtypes."""
    if isinstance(a, numpy.ndarray) or isinstance(b, numpy.ndarray) or \
            isinstance(a, numpy.generic):
        return (type(a) is type(b) and numpy.asarray(a).dtype == numpy.asarray(b).dtype
                and numpy.array_equal(a, b))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return a == b


def _save(it):
    s = serializers.DictionarySerializer()
    it.serialize(s)
    return s.target


def check_multi_node_iterator(comm):
    rank = comm.rank
    data = _examples(10)
    master = 1 if comm.size > 1 else 0

    def make():
        return iterators.SerialIterator(data, 4, shuffle=True) if rank == master else None
    numpy.random.seed(rank)         # the master's order must win everywhere
    it = chainermn.iterators.create_multi_node_iterator(make(), comm, rank_master=master)
    assert (it.batch_size, it.repeat) == (4, True) if rank != master else True
    first = _record(it, 3)
    state = _save(it)
    # every process saves the master's order (a plain iterator can load it)
    orders = comm.allgather_obj(state['order'].tolist())
    assert all(o == orders[master] for o in orders) and sorted(orders[0]) == list(range(10))
    after = _record(it, 5)
    everyone = comm.allgather_obj(first + after)
    assert all(_same(everyone[master], e) for e in everyone), 'batches differ'
    epochs = [r[1] for r in everyone[0]]
    assert epochs == [0, 0, 1, 1, 2, 2, 2, 3], epochs          # 10 examples, batch 4
    assert [r[4] for r in everyone[0]][:3] == [False, False, True]
    assert abs(everyone[0][3][2] - 1.6) < 1e-12 and abs(everyone[0][3][3] - 1.2) < 1e-12
    # resume: a fresh iterator loaded from the state continues identically
    numpy.random.seed(100 + rank)
    it2 = chainermn.iterators.create_multi_node_iterator(make(), comm, rank_master=master)
    it2.serialize(serializers.NpzDeserializer(state))
    assert it2.epoch == 1 and abs(it2.epoch_detail - 1.2) < 1e-12
    assert _same(_record(it2, 5), after), 'resumed batches differ'
    # a non-repeating iterator ends on every process together; reset restarts it
    it3 = chainermn.iterators.create_multi_node_iterator(
        iterators.SerialIterator(data, 4, repeat=False, shuffle=False) if rank == master
        else None, comm, rank_master=master)
    sizes = [len(b) for b in it3]
    it3.reset()
    again = [len(b) for b in it3]
    assert comm.allgather_obj((sizes, again)) == [([4, 4, 2], [4, 4, 2])] * comm.size
    assert it3.epoch == 1 and it3.is_new_epoch
    # an error on the master is raised on every process (nobody waits)
    bad = [1, 2, 3]

    class Broken(object):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            if i == 2:
                raise IndexError('example 2 is broken')
            return bad[i]
    it4 = chainermn.iterators.create_multi_node_iterator(
        iterators.SerialIterator(Broken(), 2, shuffle=False) if rank == master else None,
        comm, rank_master=master)
    it4.next()
    try:
        it4.next()
        raised = None
    except Exception as e:
        raised = str(e)
    assert raised is not None and 'example 2 is broken' in raised, raised
    return 'multi_node_iterator'


def check_synchronized_iterator(comm):
    rank = comm.rank
    data = list(range(23))
    numpy.random.seed(rank)                 # different global RNGs...
    plain = iterators.SerialIterator(data, 5, shuffle=True)
    orders = comm.allgather_obj([plain.next() for _ in range(6)])
    if comm.size > 1:
        assert orders[0] != orders[1], 'the control run should differ'
    it = chainermn.iterators.create_synchronized_iterator(
        iterators.SerialIterator(data, 5, shuffle=True), comm)
    first = [it.next() for _ in range(7)]
    state = _save(it)
    after = [it.next() for _ in range(9)]
    everyone = comm.allgather_obj(first + after)
    assert all(e == everyone[0] for e in everyone), '...but the same batches'
    assert sorted(sum(everyone[0][:5], [])[:23]) == data     # a permutation per epoch
    it2 = chainermn.iterators.create_synchronized_iterator(
        iterators.SerialIterator(data, 5, shuffle=True), comm)
    it2.serialize(serializers.NpzDeserializer(state))
    assert [it2.next() for _ in range(9)] == after
    try:
        chainermn.iterators.create_synchronized_iterator(object(), comm)
        raise AssertionError('no error without an order_sampler')
    except ValueError as e:
        assert 'order_sampler' in str(e)
    return 'synchronized_iterator'


def check_scatter(comm):
    rank, size = comm.rank, comm.size
    for n in (10, 11, 2, 0):
        for equal in (True, False):
            ds = chainermn.scatter_dataset(list(range(n)) if rank == 0 else None, comm,
                                           shuffle=True, seed=3, force_equal_length=equal)
            shards = comm.allgather_obj(list(ds))
            lengths = [len(s) for s in shards]
            if equal:
                assert lengths == [-(-n // size)] * size, (n, lengths)
                assert sorted(set(sum(shards, []))) == list(range(n))
            else:
                assert max(lengths) - min(lengths) <= 1 and sum(lengths) == n, lengths
                assert sorted(sum(shards, [])) == list(range(n))
    # ChainerMN's split of 10 samples (its _scatter_index formula)
    table = {2: ([(0, 5), (5, 10)], [(0, 5), (5, 10)]),
             3: ([(0, 4), (3, 7), (6, 10)], [(0, 4), (4, 7), (7, 10)])}
    if size in table:
        for equal, want in zip((True, False), table[size]):
            got = comm.allgather_obj(chainermn.scatter_index(10, comm,
                                                             force_equal_length=equal))
            assert got == want, (equal, got)
    # the same seed gives the same split; another seed another one; small chunks
    a = list(chainermn.scatter_dataset(list(range(50)), comm, shuffle=True, seed=1))
    b = list(chainermn.scatter_dataset(list(range(50)), comm, shuffle=True, seed=1,
                                       max_buf_len=7))
    c = list(chainermn.scatter_dataset(list(range(50)), comm, shuffle=True, seed=2))
    assert a == b and a != c
    assert list(chainermn.scatter_dataset(list(range(50)), comm)) == \
        list(range(50))[rank * 50 // size:rank * 50 // size + -(-50 // size)]
    # a root other than 0, with arrays
    root = size - 1
    x = numpy.arange(12, dtype=numpy.float16).reshape(6, 2) * (rank + 1)
    ds = chainermn.scatter_dataset(x, comm, root=root)
    assert ds[0].dtype == numpy.float16 and float(ds[0][0]) == (
        rank * 6 // size) * 2 * (root + 1)
    # errors, raised on every rank
    errors = []
    for call in (lambda: chainermn.scatter_dataset([1, 2], comm, max_buf_len=0),
                 lambda: chainermn.scatter_dataset([lambda: 0] if rank == 0 else None, comm),
                 lambda: chainermn.scatter_dataset(None, comm),
                 lambda: chainermn.scatter_dataset([1], comm, root=size)):
        try:
            call()
            errors.append(None)
        except Exception as e:
            errors.append(type(e).__name__)
    assert errors == ['DataSizeError', 'DataSizeError', 'ValueError', 'ValueError'], errors
    assert issubclass(chainermn.DataSizeError, RuntimeError)
    assert chainermn.create_empty_dataset(numpy.zeros((4, 2))) == [(), (), (), ()]
    return 'scatter_dataset'


def main():
    chainermn.global_except_hook.add_hook()     # a failed check ends the job
    fastgrad.disable_experimental_feature_warning = True
    comm = chainermn.create_communicator('naive')
    ok = [check(comm) for check in (check_multi_node_iterator,
                                    check_synchronized_iterator, check_scatter)]
    comm.mpi_comm.barrier()
    if comm.rank == 0:
        for name in ok:
            print('OK', name)
    sys.stdout.flush()


if __name__ == '__main__':
    main()
