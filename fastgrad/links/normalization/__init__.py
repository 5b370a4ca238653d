"""normalization links (exports listed here are gathered into fastgrad.links)."""
from fastgrad.links.normalization.batch_normalization import BatchNormalization  # NOQA
from fastgrad.links.normalization.layer_normalization import LayerNormalization  # NOQA
