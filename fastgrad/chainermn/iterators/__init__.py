"""Iterators that keep processes in step (``chainermn.iterators``)."""
from fastgrad.chainermn.iterators.multi_node_iterator import create_multi_node_iterator  # NOQA
from fastgrad.chainermn.iterators.synchronized_iterator import create_synchronized_iterator  # NOQA
