"""``chainer.utils.collections_abc``: the standard library's abstract base
classes (Chainer's Python 2 shim)."""
from collections.abc import *  # NOQA
