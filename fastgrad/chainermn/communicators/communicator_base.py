"""``chainermn.communicators.communicator_base`` under the alias."""
from fastgrad.chainermn.communicators import CommunicatorBase  # NOQA
