"""fastgrad_cuda: GPU kernels for fastgrad's linear layer (CuPy RawModule).

Importing this package never imports CuPy.  The hand-written GEMM kernels are
not written yet (tracked as their own issue); until then ``F.linear`` on CuPy
arrays runs on CuPy's own matmul (cuBLAS).
"""


def is_available():
    """True when CuPy imports and at least one CUDA device is visible."""
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False
