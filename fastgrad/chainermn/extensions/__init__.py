"""Trainer extensions for jobs of several processes (``chainermn.extensions``)."""
from fastgrad.chainermn.extensions.allreduce_persistent import AllreducePersistent  # NOQA
from fastgrad.chainermn.extensions.checkpoint import create_multi_node_checkpointer  # NOQA
from fastgrad.chainermn.extensions.multi_node_evaluator import (  # NOQA
    GenericMultiNodeEvaluator, create_multi_node_evaluator)
from fastgrad.chainermn.extensions._multi_node_snapshot import multi_node_snapshot  # NOQA
from fastgrad.chainermn.extensions.observation_aggregator import ObservationAggregator  # NOQA
from fastgrad.chainermn.extensions.multi_node_early_stopping_trigger import (  # NOQA
    MultiNodeEarlyStoppingTrigger)
