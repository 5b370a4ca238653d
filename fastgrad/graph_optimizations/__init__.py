"""Chainer's static-graph decorators (``chainer.graph_optimizations``).

fastgrad runs a static chain define-by-run on every call: the results are
those of the undecorated code, and what Chainer's schedule replay would save
(re-recording the graph of a model whose graph never changes) is not done
yet.  The decorators check what Chainer checks, so a program written for
Chainer's static graphs runs unchanged.
"""
from fastgrad.graph_optimizations.static_graph import static_graph  # NOQA
from fastgrad.graph_optimizations.static_graph_utilities import static_code  # NOQA
