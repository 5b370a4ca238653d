"""``ConcatWithAsyncTransfer``: ``concat_examples`` whose host-to-GPU copy runs
on a separate CUDA stream, so the copy of the next batch overlaps the compute
of the current one.  On the CPU it is exactly ``concat_examples``."""
import numpy

from fastgrad import backend
from fastgrad.dataset import convert


class ConcatWithAsyncTransfer(object):
    """Converter that concatenates a batch and copies it to a GPU asynchronously.

    Args:
        stream (cupy.cuda.Stream): the copy stream (a non-blocking one is
            made on first use).
        compute_stream (cupy.cuda.Stream): the stream that uses the batch; it
            waits for the copy (the current stream by default).

    >>> conv = fastgrad.dataset.ConcatWithAsyncTransfer()
    >>> x, t = conv([(np.zeros(2, np.float32), 0), (np.ones(2, np.float32), 1)])
    >>> x.shape, t
    ((2, 2), array([0, 1]))
    """

    def __init__(self, stream=None, compute_stream=None):
        self._stream = stream
        self.compute_stream = compute_stream

    def __call__(self, batch, device=None, padding=None):
        host = convert.concat_examples(batch, None, padding)
        if device is None or not isinstance(convert._get_device(device),
                                            backend.GpuDevice):
            return host
        cp = backend.import_cupy()
        with cp.cuda.Device(convert._get_device(device).device_id):
            if self._stream is None:
                self._stream = cp.cuda.Stream(non_blocking=True)
            with self._stream:
                out = _map(host, lambda a: _to_gpu_async(cp, a, self._stream))
            done = self._stream.record()
            (self.compute_stream or cp.cuda.get_current_stream()).wait_event(done)
        return out


def _map(data, fn):
    if isinstance(data, tuple):
        return tuple(fn(a) for a in data)
    if isinstance(data, dict):
        return {k: fn(a) for k, a in data.items()}
    return fn(data)


def _to_gpu_async(cp, array, stream):
    # Pinned host memory makes the copy truly asynchronous.
    pinned = cp.cuda.alloc_pinned_memory(array.nbytes)
    staged = numpy.frombuffer(pinned, array.dtype, array.size).reshape(array.shape)
    staged[...] = array
    out = cp.empty(array.shape, array.dtype)
    out.set(staged, stream=stream)
    return out
