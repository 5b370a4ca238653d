"""Updaters (``chainer.training.updaters``)."""
from fastgrad.training.updaters.standard_updater import StandardUpdater  # NOQA
from fastgrad.training.updaters.parallel_updater import ParallelUpdater  # NOQA
from fastgrad.training.updaters.multiprocess_parallel_updater import (  # NOQA
    MultiprocessParallelUpdater)
