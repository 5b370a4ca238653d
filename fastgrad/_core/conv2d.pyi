# Type stubs for the compiled 2-D convolution loops (conv2d.pyx): im2col, col2im and
# the depthwise convolution on C-contiguous float32/float64 NumPy arrays of one dtype.
# Checked against the built extension in CI: python -m mypy.stubtest fastgrad._core.conv2d
from typing import Any, TypeAlias

import numpy

_FloatArray: TypeAlias = numpy.ndarray[Any, numpy.dtype[numpy.float32 | numpy.float64]]

def im2col(
    x: _FloatArray, kh: int, kw: int, sy: int, sx: int, ph: int, pw: int, oh: int, ow: int,
    dy: int = ..., dx: int = ..., out: _FloatArray | None = ..., batch_major: bool = ...,
) -> _FloatArray: ...
def col2im(
    col: _FloatArray, sy: int, sx: int, ph: int, pw: int, h: int, w: int,
    dy: int = ..., dx: int = ..., out: _FloatArray | None = ..., batch_major: bool = ...,
) -> _FloatArray: ...
def depthwise_forward(
    x: _FloatArray, W: _FloatArray, b: _FloatArray | None, sy: int, sx: int, ph: int, pw: int,
    oh: int, ow: int, dy: int = ..., dx: int = ...,
) -> _FloatArray: ...
def depthwise_grad_x(
    gy: _FloatArray, W: _FloatArray, sy: int, sx: int, ph: int, pw: int, h: int, w: int,
    dy: int = ..., dx: int = ...,
) -> _FloatArray: ...
def depthwise_grad_W(
    x: _FloatArray, gy: _FloatArray, kh: int, kw: int, sy: int, sx: int, ph: int, pw: int,
    dy: int = ..., dx: int = ...,
) -> _FloatArray: ...
