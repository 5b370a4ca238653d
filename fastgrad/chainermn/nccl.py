"""CuPy's NCCL bindings under ChainerMN's names (``chainermn.nccl``);
``_available`` says whether CuPy with NCCL could be imported."""
try:
    from cupy.cuda.nccl import (  # NOQA
        NCCL_FLOAT, NCCL_FLOAT16, NCCL_FLOAT32, NCCL_FLOAT64, NCCL_SUM, NcclCommunicator,
        NcclError, get_build_version, get_unique_id, get_version)
    _available = True
except Exception:
    _available = False
