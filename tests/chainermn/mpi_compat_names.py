"""Run under ``mpiexec -n 2`` by test_compat_names.py: chunked_bcast_obj
sends an object in pieces, init_ranks describes the two processes."""
import numpy
from mpi4py import MPI

from fastgrad.chainermn.communicators import _communication_utility as cu

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
obj = {'a': numpy.arange(1000), 'b': 'x' * 77} if rank == 0 else None
for chunk in (1, 7, 4096, cu.INT_MAX - 1):
    got = cu.chunked_bcast_obj(obj, comm, chunk, 0)
    assert numpy.array_equal(got['a'], numpy.arange(1000)) and got['b'] == 'x' * 77, chunk
for bad in (0, -1, cu.INT_MAX):
    try:
        cu.chunked_bcast_obj(obj, comm, bad, 0)
    except AssertionError:
        pass
    else:
        raise SystemExit('max_buf_len {} was accepted'.format(bad))
ranks = cu.init_ranks(comm)
# one host: the intra ranks are the ranks, one inter rank
assert ranks == [rank, rank, 2, 0, 1], ranks
print('OK', rank)
