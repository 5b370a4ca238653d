"""Updaters (``chainer.training.updaters``)."""
from fastgrad.training.updaters.standard_updater import StandardUpdater  # NOQA
