"""Run under ``mpiexec -n 2`` by test_compat_names.py: recv_obj without a
tag takes a message of any tag; with a tag, only that tag."""
from mpi4py import MPI

import fastgrad.chainermn as mn

comm = mn.create_communicator('naive')
if comm.rank == 0:
    comm.send_obj('first', dest=1, tag=7)
    comm.send_obj('second', dest=1, tag=3)
else:
    status = MPI.Status()
    assert comm.recv_obj(0, status=status) == 'first'
    assert status.Get_tag() == 7, status.Get_tag()
    assert comm.recv_obj(0, tag=3) == 'second'
comm.mpi_comm.barrier()
print('OK', comm.rank)
