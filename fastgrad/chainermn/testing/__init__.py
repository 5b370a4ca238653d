"""Helpers for ChainerMN tests (``chainermn.testing`` under the alias)."""
from fastgrad.chainermn.testing.device import get_device  # NOQA
