"""loss links (exports listed here are gathered into fastgrad.links)."""
from fastgrad.links.loss.crf1d import CRF1d  # NOQA
from fastgrad.links.loss.black_out import BlackOut  # NOQA
from fastgrad.links.loss.negative_sampling import NegativeSampling  # NOQA
from fastgrad.links.loss.hierarchical_softmax import BinaryHierarchicalSoftmax  # NOQA
