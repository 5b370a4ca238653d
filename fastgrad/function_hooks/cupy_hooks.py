"""Hooks that only make sense with CuPy: memory profiling and CUDA profiler
ranges.  Without CuPy their constructors raise Chainer's CUDA error."""
import sys

from fastgrad.function_hook import FunctionHook


class CupyMemoryProfileHook(FunctionHook):
    """Records the CuPy memory pool's used and acquired bytes per function.

    >>> from fastgrad.backends import cuda
    >>> from fastgrad.function_hooks import CupyMemoryProfileHook
    >>> if cuda.available:   # needs CuPy and a GPU
    ...     with CupyMemoryProfileHook() as hook:
    ...         y = F.relu(cuda.to_gpu(np.ones(2, dtype=np.float32)))
    ...     assert hook.summary()['ReLU']['occurrence'] == 1
    >>> CupyMemoryProfileHook.name
    'CupyMemoryProfileHook'
    """

    name = 'CupyMemoryProfileHook'

    def __init__(self):
        from fastgrad.backends import cuda
        cuda.check_cuda_available()
        import cupy
        self._pool = cupy.get_default_memory_pool()
        self.call_history = []
        self._stack = []

    def _start(self):
        self._stack.append((self._pool.used_bytes(), self._pool.total_bytes()))

    def _stop(self, function):
        used0, total0 = self._stack.pop()
        self.call_history.append((function._impl_name, self._pool.used_bytes() - used0,
                                  self._pool.total_bytes() - total0))

    def forward_preprocess(self, function, in_data):
        self._start()

    def forward_postprocess(self, function, in_data):
        self._stop(function)

    def backward_preprocess(self, function, in_data, out_grad):
        self._start()

    def backward_postprocess(self, function, in_data, out_grad):
        self._stop(function)

    def total_used_bytes(self):
        return sum(u for _, u, _ in self.call_history)

    def total_acquired_bytes(self):
        return sum(a for _, _, a in self.call_history)

    def summary(self):
        out = {}
        for name, used, acquired in self.call_history:
            r = out.setdefault(name, {'used_bytes': 0, 'acquired_bytes': 0,
                                      'occurrence': 0})
            r['used_bytes'] += used
            r['acquired_bytes'] += acquired
            r['occurrence'] += 1
        return out

    def print_report(self, unit='auto', file=sys.stdout):
        file.write('FunctionName  UsedBytes  AcquiredBytes  Occurrence\n')
        for name, r in self.summary().items():
            file.write('{}  {}  {}  {}\n'.format(name, r['used_bytes'],
                                                 r['acquired_bytes'], r['occurrence']))


class CUDAProfileHook(FunctionHook):
    """Marks each function call as an NVTX range for the CUDA profiler.

    >>> from fastgrad.backends import cuda
    >>> from fastgrad.function_hooks import CUDAProfileHook
    >>> if cuda.available:   # needs CuPy and a GPU
    ...     with CUDAProfileHook():
    ...         y = F.relu(cuda.to_gpu(np.ones(2, dtype=np.float32)))
    >>> CUDAProfileHook.name
    'CUDAProfileHook'
    """

    name = 'CUDAProfileHook'

    def __init__(self):
        from fastgrad.backends import cuda
        cuda.check_cuda_available()
        import cupy
        self._nvtx = cupy.cuda.nvtx

    def forward_preprocess(self, function, in_data):
        self._nvtx.RangePush(function.label + '.forward')

    def forward_postprocess(self, function, in_data):
        self._nvtx.RangePop()

    def backward_preprocess(self, function, in_data, out_grad):
        self._nvtx.RangePush(function.label + '.backward')

    def backward_postprocess(self, function, in_data, out_grad):
        self._nvtx.RangePop()
