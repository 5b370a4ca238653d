"""``chainermn.communicators.pure_nccl_communicator`` under the alias (the
class needs CuPy with NCCL when it is made, not when it is imported)."""
from fastgrad.chainermn._nccl import PureNcclCommunicator  # NOQA
