"""``chainermn.communicators.flat_communicator`` under the alias."""
from fastgrad.chainermn.communicators import FlatCommunicator  # NOQA
