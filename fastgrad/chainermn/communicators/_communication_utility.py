"""Helpers of the MPI communicators: the process topology and broadcasting
a pickled object larger than one MPI message can carry."""
import pickle
import socket

import numpy

INT_MAX = 2 ** 31 - 1   # the largest count one MPI call accepts


def init_ranks(mpi_comm):
    """``[rank, intra_rank, intra_size, inter_rank, inter_size]`` of this
    process: intra = among the processes of its host, inter = among hosts
    (hosts numbered in the order their first process appears)."""
    hosts = mpi_comm.allgather(socket.gethostname())
    rank = mpi_comm.Get_rank()
    me = hosts[rank]
    order = sorted(set(hosts), key=hosts.index)
    intra_rank = [i for i, h in enumerate(hosts) if h == me].index(rank)
    return [rank, intra_rank, hosts.count(me), order.index(me), len(order)]


def chunked_bcast_obj(obj, mpi_comm, max_buf_len=256 * 1024 * 1024, root=0):
    """Broadcast ``obj`` from ``root`` as a pickle sent in pieces of at most
    ``max_buf_len`` bytes (``0 < max_buf_len < INT_MAX``, else
    AssertionError, as in ChainerMN); every process returns the object."""
    assert 0 < max_buf_len < INT_MAX, \
        'chunked_bcast_obj: max_buf_len must be in (0, {}), got {}'.format(INT_MAX, max_buf_len)
    if mpi_comm.Get_rank() == root:
        data = numpy.frombuffer(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL),
                                numpy.uint8)
        n = mpi_comm.bcast(data.size, root=root)
    else:
        n = mpi_comm.bcast(None, root=root)
        data = numpy.empty(n, numpy.uint8)
    for start in range(0, n, max_buf_len):
        mpi_comm.Bcast(data[start:start + max_buf_len], root=root)
    return obj if mpi_comm.Get_rank() == root else pickle.loads(data.tobytes())
