"""``chainermn.communicators.non_cuda_aware_communicator`` under the alias."""
from fastgrad.chainermn.communicators import NonCudaAwareCommunicator  # NOQA
