"""model links (exports listed here are gathered into fastgrad.links)."""
from fastgrad.links.model.classifier import Classifier  # NOQA
