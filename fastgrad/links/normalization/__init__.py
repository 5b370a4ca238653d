"""normalization links (exports listed here are gathered into fastgrad.links)."""
from fastgrad.links.normalization.batch_normalization import BatchNormalization  # NOQA
from fastgrad.links.normalization.batch_renormalization import BatchRenormalization  # NOQA
from fastgrad.links.normalization.decorrelated_batch_normalization import (  # NOQA
    DecorrelatedBatchNormalization)
from fastgrad.links.normalization.group_normalization import GroupNormalization  # NOQA
from fastgrad.links.normalization.layer_normalization import LayerNormalization  # NOQA
