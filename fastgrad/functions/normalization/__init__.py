"""normalization functions (exports listed here are gathered into fastgrad.functions)."""
from fastgrad.functions.normalization.batch_normalization import batch_normalization  # NOQA
from fastgrad.functions.normalization.decorrelated_batch_normalization import (  # NOQA
    decorrelated_batch_normalization, fixed_decorrelated_batch_normalization)
from fastgrad.functions.normalization.fixed_batch_normalization import (  # NOQA
    fixed_batch_normalization)
from fastgrad.functions.normalization.group_normalization import group_normalization  # NOQA
from fastgrad.functions.normalization.l2_normalization import normalize  # NOQA
from fastgrad.functions.normalization.layer_normalization import layer_normalization  # NOQA
from fastgrad.functions.normalization.local_response_normalization import (  # NOQA
    local_response_normalization)
