"""Datasets split among processes (``chainermn.datasets``)."""
from fastgrad.chainermn.datasets.empty_dataset import create_empty_dataset  # NOQA
from fastgrad.chainermn.datasets.scatter import (  # NOQA
    DataSizeError, get_epoch_trigger, get_n_iterations_for_one_epoch, scatter_dataset,
    scatter_index)
