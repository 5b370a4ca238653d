"""``chainermn.communicators.mpi_communicator_base`` under the alias: the
MPI base class (fastgrad's CommunicatorBase is already the MPI one)."""
from fastgrad.chainermn.communicators import CommunicatorBase

MpiCommunicatorBase = CommunicatorBase
