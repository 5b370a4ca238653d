"""``create_multi_node_evaluator`` (kept at this path; the code is in
:mod:`fastgrad.chainermn.extensions.multi_node_evaluator`)."""
from fastgrad.chainermn.extensions.multi_node_evaluator import (  # NOQA
    GenericMultiNodeEvaluator, create_multi_node_evaluator)
