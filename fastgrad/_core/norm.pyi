# Type stubs for the compiled normalization loops (norm.pyx): batch and group
# normalization on C-contiguous float32/float64 NumPy arrays of one dtype, GIL released.
# Checked against the built extension in CI: python -m mypy.stubtest fastgrad._core.norm
from typing import Any, TypeAlias

import numpy

_FloatArray: TypeAlias = numpy.ndarray[Any, numpy.dtype[numpy.float32 | numpy.float64]]

def bn_forward(
    x: _FloatArray, gamma: _FloatArray, beta: _FloatArray, eps: float,
) -> tuple[_FloatArray, _FloatArray, _FloatArray, _FloatArray]: ...
def bn_backward(
    x: _FloatArray, gy: _FloatArray, gamma: _FloatArray, mean: _FloatArray,
    inv_std: _FloatArray, need_gx: bool,
) -> tuple[_FloatArray | None, _FloatArray, _FloatArray]: ...
def bn_fixed_forward(
    x: _FloatArray, gamma: _FloatArray, beta: _FloatArray, mean: _FloatArray,
    var: _FloatArray, eps: float,
) -> _FloatArray: ...
def gn_forward(
    x: _FloatArray, gamma: _FloatArray, beta: _FloatArray, groups: int, eps: float,
) -> tuple[_FloatArray, _FloatArray, _FloatArray]: ...
def gn_backward(
    x: _FloatArray, gy: _FloatArray, gamma: _FloatArray, mean: _FloatArray,
    inv_std: _FloatArray, groups: int, need_gx: bool,
) -> tuple[_FloatArray | None, _FloatArray, _FloatArray]: ...
