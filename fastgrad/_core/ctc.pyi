# Type stubs for the compiled CTC recursions (ctc.pyx), GIL released.
# Checked against the built extension in CI: python -m mypy.stubtest fastgrad._core.ctc
from typing import Any, TypeAlias

import numpy

_FloatArray: TypeAlias = numpy.ndarray[Any, numpy.dtype[numpy.float32 | numpy.float64]]
_Int64Array: TypeAlias = numpy.ndarray[Any, numpy.dtype[numpy.int64]]

def ctc(
    logy: _FloatArray, path: _Int64Array, path_length: _Int64Array, t_len: _Int64Array,
    blank: int, want_grad: bool,
) -> tuple[numpy.ndarray[Any, numpy.dtype[numpy.float64]], _FloatArray | None]: ...
