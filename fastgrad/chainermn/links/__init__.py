"""Links for multi-process models (``chainermn.links``)."""
from fastgrad.chainermn.links.batch_normalization import MultiNodeBatchNormalization  # NOQA
from fastgrad.chainermn.links.create_mnbn_model import create_mnbn_model  # NOQA
from fastgrad.chainermn.links.multi_node_chain_list import MultiNodeChainList  # NOQA
from fastgrad.chainermn.links.n_step_rnn import create_multi_node_n_step_rnn  # NOQA
