# Type stubs for the compiled 2-D convolution loops (conv2d.pyx): im2col and
# col2im on C-contiguous float32/float64 NumPy arrays of one dtype, GIL released.
# Checked against the built extension in CI: python -m mypy.stubtest fastgrad._core.conv2d
from typing import Any, TypeAlias

import numpy

_FloatArray: TypeAlias = numpy.ndarray[Any, numpy.dtype[numpy.float32 | numpy.float64]]

def im2col(
    x: _FloatArray, kh: int, kw: int, sy: int, sx: int, ph: int, pw: int, oh: int, ow: int,
    dy: int = ..., dx: int = ..., out: _FloatArray | None = ...,
) -> _FloatArray: ...
def col2im(
    col: _FloatArray, sy: int, sx: int, ph: int, pw: int, h: int, w: int,
    dy: int = ..., dx: int = ..., out: _FloatArray | None = ...,
) -> _FloatArray: ...
