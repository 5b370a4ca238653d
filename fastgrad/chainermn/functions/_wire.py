"""What the communication functions share: arrays go over MPI as host NumPy
arrays (float16 widened to float32, which MPI has no type for) and come back
on the device and in the dtype of the side that receives them."""
import numpy

from fastgrad import backend
from fastgrad._core.graph import Variable


def raw(x):
    return x.array if isinstance(x, Variable) else x


def to_wire(a):
    """A host array MPI can carry (float16 goes as float32)."""
    a = backend.CpuDevice().send(raw(a))
    if a.dtype == numpy.float16:
        a = a.astype(numpy.float32)
    return numpy.ascontiguousarray(a)


def from_wire(a, like=None, dtype=None):
    """``a`` on the device of ``like`` (an array; host if None), as ``dtype``."""
    if dtype is not None and a.dtype != dtype:
        a = a.astype(dtype)
    if like is not None and backend.is_cupy_array(like):
        a = backend.get_device_from_array(like).send(a)
    return a


def empty_like_device(like, dtype=numpy.float32):
    """A 0-size array (a delegate variable's data) on the device of ``like``."""
    xp = backend.get_array_module(like) if like is not None else numpy
    return xp.empty((0,), dtype=dtype)


def delegate(v):
    """Mark ``v`` (a 0-size output) as a delegate variable: it is named so and
    carries an empty gradient, so ``v.backward()`` starts backprop from it (a
    0-size output would otherwise need its grad set first)."""
    v.name = 'delegate_variable'
    v.grad = v.xp.empty(v.shape, dtype=v.dtype)
    return v


def zeros_for_missing(grads, arrays):
    """The output gradients with None replaced by zeros shaped like the outputs
    (the peer waits for one gradient per array it sent)."""
    out = []
    for g, a in zip(grads, arrays):
        out.append(backend.get_array_module(a).zeros_like(a) if g is None else g)
    return tuple(out)


def check_rank(func, comm, rank):
    if not isinstance(rank, (int, numpy.integer)) or not 0 <= rank < comm.size:
        raise ValueError('{}: rank must be an int in [0, {}), got {!r}'.format(
            func, comm.size, rank))
    if rank == comm.rank:
        raise ValueError('{}: rank must differ from the communicator\'s own rank ({}); '
                         'sending to oneself would deadlock'.format(func, comm.rank))
