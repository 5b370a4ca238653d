"""``chainermn.communicators.dummy_communicator`` under the alias."""
from fastgrad.chainermn.communicators import DummyCommunicator  # NOQA
