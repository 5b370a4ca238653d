"""Training loop (``chainer.training``): Trainer, updaters, triggers and
extensions."""
from fastgrad.training import extension  # NOQA
from fastgrad.training import extensions  # NOQA
from fastgrad.training import trainer  # NOQA
from fastgrad.training import triggers  # NOQA
from fastgrad.training import updater  # NOQA
from fastgrad.training import updaters  # NOQA
from fastgrad.training import util  # NOQA

from fastgrad.training.extension import (  # NOQA
    PRIORITY_EDITOR, PRIORITY_READER, PRIORITY_WRITER, Extension, make_extension)
from fastgrad.training.trainer import Trainer  # NOQA
from fastgrad.training.updater import Updater  # NOQA
from fastgrad.training.updaters import ParallelUpdater, StandardUpdater  # NOQA
from fastgrad.training.util import get_trigger  # NOQA
