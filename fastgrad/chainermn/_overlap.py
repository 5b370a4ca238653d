"""Machinery of the asynchronous multi-node optimizers (``double_buffering``
and ``overlap``): packed gradient buckets, a communication thread that sums
them over the processes while Python keeps computing, and the function hook
that hands each parameter's gradient to its bucket as soon as backward has
finished it.

The communication thread calls blocking ``Allreduce`` on a duplicate of the
communicator's MPI communicator (mpi4py releases the GIL inside MPI calls, and
initializes MPI with ``MPI_THREAD_MULTIPLE``), so the user's own collectives on
the original communicator never interleave with the gradient reductions.
Every process starts the reductions of the buckets in the same order (bucket
0, 1, ...), whatever order its backward finished them in.
"""
import queue
import threading

import numpy

from fastgrad import backend, configuration
from fastgrad.chainermn.communicators import _allreduce_sum_inplace
from fastgrad.function_hook import FunctionHook


def _host(x):
    return numpy.asarray(backend.CpuDevice().send(x))


class Reducer(object):
    """Sums 1-d host buffers over the processes, in place, on its own thread.

    ``submit`` queues a buffer and returns at once; ``wait`` blocks until every
    queued buffer is reduced (and re-raises an error of the thread).
    """

    def __init__(self, communicator):
        from fastgrad.chainermn.communicators import DummyCommunicator
        self.size = communicator.size
        self.wire_dtype = communicator.allreduce_grad_dtype
        self._comm = None
        if self.size > 1 and not isinstance(communicator, DummyCommunicator):
            self._comm = communicator.mpi_comm.Dup()
        self._queue = queue.Queue()
        self._cond = threading.Condition()
        self._pending = 0
        self._error = None
        self._thread = None

    def _allreduce(self, buf):
        if self.wire_dtype is not None and self.wire_dtype != buf.dtype:
            wire = buf.astype(self.wire_dtype)
            _allreduce_sum_inplace(self._comm, wire)
            buf[...] = wire
        else:
            _allreduce_sum_inplace(self._comm, buf)

    def _loop(self):
        while True:
            buf = self._queue.get()
            if buf is None:
                return
            try:
                if self._error is None:
                    self._allreduce(buf)
            except BaseException as e:     # handed to the waiting thread
                self._error = e
            with self._cond:
                self._pending -= 1
                self._cond.notify_all()

    def submit(self, buf):
        if self._comm is None:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, daemon=True,
                                            name='chainermn-allreduce')
            self._thread.start()
        with self._cond:
            self._pending += 1
        self._queue.put(buf)

    def wait(self):
        with self._cond:
            while self._pending:
                self._cond.wait()
        if self._error is not None:
            e, self._error = self._error, None
            raise RuntimeError('multi-node optimizer: the background all-reduce of '
                               'the gradients failed: {}'.format(e)) from e

    def allreduce_now(self, buf):
        """Reduce ``buf`` on the calling thread (after :meth:`wait`)."""
        self.wait()
        if self._comm is not None:
            self._allreduce(buf)

    def any_true(self, flags):
        """Elementwise OR of a boolean vector over the processes."""
        self.wait()
        if self._comm is None or not len(flags):
            return flags
        from mpi4py import MPI
        out = numpy.asarray(flags, dtype=numpy.int32)
        self._comm.Allreduce(MPI.IN_PLACE, out, op=MPI.MAX)
        return out.astype(bool)

    def close(self):
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None
        if self._comm is not None:
            self._comm.Free()
            self._comm = None


class Bucket(object):
    __slots__ = ('dtype', 'members', 'buffer', 'launched')

    def __init__(self, dtype):
        self.dtype = dtype
        self.members = []          # indexes into Layout.params
        self.buffer = None
        self.launched = False


class Layout(object):
    """The parameters of a model (sorted by name, as the communicators order
    them) split into buckets of at most ``bucket_bytes`` per dtype, in the
    reverse order, the order backward usually finishes them in."""

    def __init__(self, target, bucket_bytes):
        self.names, self.params = [], []
        for name, p in sorted(target.namedparams()):
            if p.array is not None:
                self.names.append(name)
                self.params.append(p)
        n = len(self.params)
        self.bucket_of = [0] * n
        self.offset = [0] * n
        self.buckets = []
        open_bucket = {}                           # dtype -> (bucket, bytes so far)
        for i in reversed(range(n)):
            p = self.params[i]
            dtype = numpy.dtype(p.array.dtype)
            b, used = open_bucket.get(dtype, (None, 0))
            nbytes = p.array.size * dtype.itemsize
            if b is None or (used and used + nbytes > bucket_bytes):
                b, used = Bucket(dtype), 0
                self.buckets.append(b)
            self.bucket_of[i] = len(self.buckets) - 1
            self.offset[i] = used // dtype.itemsize
            b.members.append(i)
            open_bucket[dtype] = (b, used + nbytes)
        for b in self.buckets:
            total = sum(self.params[i].array.size for i in b.members)
            b.buffer = numpy.empty(total, b.dtype)
        self.had_grad = [False] * n

    def slot(self, i):
        p = self.params[i]
        start = self.offset[i]
        return self.buckets[self.bucket_of[i]].buffer[start:start + p.array.size]

    def pack(self, b):
        """Copy the current gradients of bucket ``b`` into its buffer (zeros
        where a parameter has none)."""
        for i in self.buckets[b].members:
            g = self.params[i].grad
            s = self.slot(i)
            self.had_grad[i] = g is not None
            if g is None:
                s[...] = 0
            else:
                s[...] = _host(g).ravel()

    def unpack_mean(self, size, zero_fill):
        """Set every parameter's gradient to its bucket slot divided by
        ``size`` (None where this process had none and ``zero_fill`` is
        off)."""
        for i, p in enumerate(self.params):
            if not self.had_grad[i] and not zero_fill:
                p.grad = None
                continue
            mean = (self.slot(i) / size).reshape(p.array.shape)
            p.grad = backend.get_device_from_array(p.array).send(mean)


class GradTap(FunctionHook):
    """Counts, during forward, how many functions consume each parameter of a
    layout, and during backward adds up the gradient each of them returns for
    the parameter (``backward_gradients``, in the engine's order); when the
    last consumer has run, the parameter's gradient is final and the owner's
    ``_on_ready(i)`` is called."""

    name = 'MultiNodeOverlap'

    def __init__(self, owner):
        self.name = 'MultiNodeOverlap-{}'.format(id(self))
        self.owner = owner
        self.layout = None

    def arm(self, layout):
        """Start a new step over ``layout`` (None: stop)."""
        self.layout = layout
        if layout is None:
            return
        n = len(layout.params)
        self.by_array = {id(p.array): i for i, p in enumerate(layout.params)}
        self.by_node = {id(p.node): i for i, p in enumerate(layout.params)}
        self.count = [0] * n
        self.got = [0] * n               # gradients captured this step
        self.base = [None] * n           # the gradient a parameter had before
        self.ready = [False] * n
        self.untrusted = [False] * len(layout.buckets)
        self.started = False

    def _start_backward(self):
        """At the first backward of a step, a parameter no function of the
        forward consumed gets no gradient this step: ready at once."""
        self.started = True
        layout = self.layout
        for i, c in enumerate(self.count):
            if c == 0 and not self.ready[i]:
                old = layout.params[i].grad
                s = layout.slot(i)
                if old is None:
                    s[...] = 0
                else:
                    s[...] = _host(old).ravel()
                layout.had_grad[i] = old is not None
                self.ready[i] = True
                self.owner._on_ready(i)

    def forward_postprocess(self, function, in_data):
        if self.layout is None or not configuration.config.enable_backprop:
            return
        by_array = self.by_array
        for x in in_data:
            i = by_array.get(id(x))
            if i is not None:
                self.count[i] += 1
                if self.ready[i]:      # used again after its gradient left
                    self.untrusted[self.layout.bucket_of[i]] = True

    def backward_preprocess(self, function, in_data, out_grad):
        if self.layout is not None and not self.started:
            self._start_backward()

    def backward_gradients(self, function, indexes, grad_inputs):
        if self.layout is None or function.inputs is None:
            return
        by_node = self.by_node
        hits = [(k, by_node[id(node)]) for k, node in enumerate(function.inputs)
                if id(node) in by_node]
        if not hits:
            return
        gxs = {}
        for k, g in zip(indexes, grad_inputs):
            if g is not None:
                gxs[k] = getattr(g, 'array', g)      # a Variable under double backprop
        layout = self.layout
        for k, i in hits:
            b = layout.bucket_of[i]
            if self.ready[i] or self.count[i] <= 0 or layout.buckets[b].launched:
                # a consumer this step's forward did not show (or one after
                # the bucket left): the bucket is redone from .grad in update
                self.untrusted[b] = True
                continue
            g = gxs.get(k)
            if g is not None:
                s = layout.slot(i)
                if self.got[i] == 0:
                    old = layout.params[i].grad
                    if old is not None:
                        self.base[i] = _host(old).ravel().copy()
                    s[...] = _host(g).ravel()
                else:
                    s += _host(g).ravel()
                self.got[i] += 1
            self.count[i] -= 1
            if self.count[i] == 0:
                if self.base[i] is not None:
                    numpy.add(self.base[i], layout.slot(i), out=layout.slot(i))
                elif self.got[i] == 0:
                    layout.slot(i)[...] = 0
                layout.had_grad[i] = self.got[i] > 0 or self.base[i] is not None
                self.ready[i] = True
                self.owner._on_ready(i)
