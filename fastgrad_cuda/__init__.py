"""fastgrad_cuda: GPU kernels for fastgrad's linear layer (CuPy RawModule).

``gemm.cu`` (package data) holds one tiled GEMM kernel family for the three
products of the linear layer (y = x.W^T + b with an optional fused relu,
gx = gy.W, gW = gy^T.x), a split-K reduction and a column sum for gb.
``fastgrad_cuda.plan`` plans the launches (pure Python), ``fastgrad_cuda.launch``
compiles and launches, and ``fastgrad_cuda.linear`` exposes the checked entry
points that ``F.linear`` / ``L.Linear`` use for CuPy float32/float64 arrays
(through ``fastgrad/_gemm.py``, which reads fastgrad's config flags:
``fastgrad.config.linear_use_cublas = True`` routes the same layer to
cupy.matmul (cuBLAS) instead).  This package imports nothing of fastgrad.  ``gemm_mma.cu`` (package data too) holds the
tensor-core GEMMs for sm_80+ (mma.sync: TF32 for float32, FP64 for float64):
TF32 is opt-in (``fastgrad.config.linear_allow_tf32``), FP64 runs by default for
large products on sm_90+, where it was validated (``fastgrad.config.linear_fp64_mma``).  ``tools/compile_check.py`` compiles every
kernel instance with nvcc (and NVRTC when available) and reports registers
and spills without a GPU.

Importing this package never imports CuPy.
"""


def is_available():
    """True when CuPy imports and at least one CUDA device is visible."""
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False
