"""Differentiable communication between processes (``chainermn.functions``):
multi-node batch normalization and the point-to-point and collective
functions for model parallelism."""
from fastgrad.chainermn.functions.batch_normalization import (  # NOQA
    multi_node_batch_normalization)
from fastgrad.chainermn.functions.collective_communication import (  # NOQA
    allgather, alltoall, bcast, gather, scatter)
from fastgrad.chainermn.functions.point_to_point_communication import recv, send  # NOQA
from fastgrad.chainermn.functions.pseudo_connect import pseudo_connect  # NOQA
