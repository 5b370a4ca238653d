"""Data-parallel training over MPI (``chainermn`` under the alias): one
process per core, GPU or machine; ``mpiexec -n N python -m fastgrad run
train.py``.  Needs mpi4py and an MPI (``pip install "fastgrad[mpi]"``)."""
from fastgrad.chainermn import functions, global_except_hook, links  # NOQA
from fastgrad.chainermn.communicators import (  # NOQA
    CommunicatorBase, create_communicator)
from fastgrad.chainermn.datasets import (  # NOQA
    DataSizeError, create_empty_dataset, get_n_iterations_for_one_epoch, scatter_dataset,
    scatter_index)
from fastgrad.chainermn.evaluator import create_multi_node_evaluator  # NOQA
from fastgrad.chainermn.links import MultiNodeChainList  # NOQA
from fastgrad.chainermn.optimizers import create_multi_node_optimizer  # NOQA
from fastgrad.chainermn import datasets, extensions, iterators, nccl, testing  # NOQA
from fastgrad.chainermn.extensions import create_multi_node_checkpointer  # NOQA

global_except_hook._add_hook_if_enabled()
