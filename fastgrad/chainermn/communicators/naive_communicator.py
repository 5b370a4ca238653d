"""``chainermn.communicators.naive_communicator`` under the alias."""
from fastgrad.chainermn.communicators import NaiveCommunicator  # NOQA
