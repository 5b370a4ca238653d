"""``chainer.function_node``: the FunctionNode base class (compiled core)."""
from fastgrad._core.graph import FunctionNode  # NOQA
