"""loss links (exports listed here are gathered into fastgrad.links)."""
from fastgrad.links.loss.crf1d import CRF1d  # NOQA
