# Type stubs for the compiled activations (activation.pyx): ReLU on C-contiguous
# float32/float64 NumPy arrays of one dtype, GIL released.
# Checked against the built extension in CI: python -m mypy.stubtest fastgrad._core.activation
from typing import Any, TypeAlias

import numpy

_FloatArray: TypeAlias = numpy.ndarray[Any, numpy.dtype[numpy.float32 | numpy.float64]]

def relu_forward(x: _FloatArray) -> _FloatArray: ...
def relu_backward(y: _FloatArray, gy: _FloatArray) -> _FloatArray: ...
