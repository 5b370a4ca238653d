"""Function hooks (``chainer.function_hooks``): TimerHook, PrintHook and the
CuPy-only CupyMemoryProfileHook and CUDAProfileHook."""
from fastgrad.function_hooks.cupy_hooks import CUDAProfileHook  # NOQA
from fastgrad.function_hooks.cupy_hooks import CupyMemoryProfileHook  # NOQA
from fastgrad.function_hooks.debug_print import PrintHook  # NOQA
from fastgrad.function_hooks.timer import TimerHook  # NOQA
