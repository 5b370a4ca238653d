"""The ``pure_nccl`` communicator: gradients and parameters of CuPy models
are reduced and broadcast GPU to GPU through NCCL (``cupy.cuda.nccl``).

The NCCL communicator is created on first use, not in the constructor,
because NCCL binds it to the CUDA device current at that moment: a program
selects its device (``cupy.cuda.Device(comm.intra_rank).use()``) after
``create_communicator``.  Rank 0 makes the unique id and MPI broadcasts it.
The array and object collectives (``send``, ``bcast``, ``allgather_obj``...)
are the MPI ones of the base class, staged through host memory.
"""
import socket

import numpy

from fastgrad.chainermn.communicators import CommunicatorBase


def _nccl_module():
    """``(cupy, cupy.cuda.nccl)``, or a RuntimeError saying what is missing."""
    try:
        import cupy
    except ImportError as e:
        raise RuntimeError(
            "create_communicator: 'pure_nccl' needs CuPy built with NCCL and a CUDA "
            "device, but CuPy is not installed ({}); use 'flat' or 'non_cuda_aware' "
            "(they reduce through host memory)".format(e))
    try:
        n_devices = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:
        raise RuntimeError("create_communicator: 'pure_nccl' needs a CUDA device, but "
                           "CuPy found none ({}: {})".format(type(e).__name__, e))
    if n_devices < 1:
        raise RuntimeError("create_communicator: 'pure_nccl' needs a CUDA device, but "
                           "CuPy found none")
    try:
        from cupy.cuda import nccl
    except ImportError as e:
        nccl, error = None, e
    else:
        error = None
    if nccl is None or not getattr(nccl, 'available', True):
        raise RuntimeError("create_communicator: 'pure_nccl' needs NCCL, but this CuPy "
                           "has no NCCL support{}; install NCCL (e.g. pip install "
                           "nvidia-nccl-cu12) or use 'flat'".format(
                               '' if error is None else ' ({})'.format(error)))
    return cupy, nccl


def _check_wire_dtype(allreduce_grad_dtype):
    if allreduce_grad_dtype is None:
        return None
    dtype = numpy.dtype(allreduce_grad_dtype)
    if dtype.kind != 'f':
        raise ValueError('create_communicator: allreduce_grad_dtype must be float16, '
                         'float32, float64 or None, got {}'.format(dtype))
    return dtype


class PureNcclCommunicator(CommunicatorBase):
    """Gradient all-reduce and ``bcast_data`` through NCCL; one NCCL call per
    gradient dtype, on a packed buffer, on the current CUDA stream.

    With ``allreduce_grad_dtype`` (e.g. float16) the packed buffer, and so the
    bytes on the wire, have that dtype; the mean is cast back to each
    gradient's dtype.
    """

    def __init__(self, mpi_comm, allreduce_grad_dtype=None, batched_copy=True):
        wire = _check_wire_dtype(allreduce_grad_dtype)
        self._cupy, self._nccl = _nccl_module()
        super(PureNcclCommunicator, self).__init__(mpi_comm, wire, batched_copy)
        self.batched_copy = batched_copy
        self.nccl_comm = None
        self._buffers = {}

    # -- NCCL ---------------------------------------------------------------------
    def _check_devices(self):
        """NCCL refuses two ranks of one communicator on the same GPU ("Duplicate
        GPU detected"); say so in plain words, on every rank at once."""
        try:
            bus = self._cupy.cuda.Device().pci_bus_id
        except Exception:           # an old CuPy: let NCCL check
            bus = None
        where = self.mpi_comm.allgather(None if bus is None else
                                        (socket.gethostname(), bus))
        mine = where[self.rank]
        if mine is not None:
            same = [r for r, w in enumerate(where) if w == mine]
            if len(same) > 1:
                raise RuntimeError(
                    "pure_nccl: ranks {} use the same GPU ({} on {}); NCCL needs one "
                    "GPU per rank: select cupy.cuda.Device(comm.intra_rank).use() "
                    "with at least as many GPUs as ranks per host, or use "
                    "'non_cuda_aware' or 'flat'".format(same, mine[1], mine[0]))

    def _init_comms(self):
        if self.nccl_comm is None:
            self._check_devices()
            uid = self._nccl.get_unique_id() if self.rank == 0 else None
            uid = self.mpi_comm.bcast(uid, root=0)
            self.nccl_comm = self._nccl.NcclCommunicator(self.size, uid, self.rank)
        return self.nccl_comm

    def _nccl_type(self, dtype):
        names = {'float16': 'NCCL_FLOAT16', 'float32': 'NCCL_FLOAT32',
                 'float64': 'NCCL_FLOAT64', 'int32': 'NCCL_INT32',
                 'int64': 'NCCL_INT64', 'uint8': 'NCCL_UINT8', 'int8': 'NCCL_INT8'}
        name = names.get(numpy.dtype(dtype).name)
        if name is None:
            raise TypeError('pure_nccl: NCCL cannot reduce arrays of dtype {}'.format(dtype))
        return getattr(self._nccl, name)

    def finalize(self):
        """Wait for pending work and destroy the NCCL communicator."""
        if self.nccl_comm is not None:
            self._cupy.cuda.get_current_stream().synchronize()
            self.mpi_comm.barrier()
            self.nccl_comm.destroy()
            self.nccl_comm = None

    def split(self, color, key):
        """A communicator (with its own NCCL communicator) over the processes
        that passed the same color."""
        return type(self)(self.mpi_comm.Split(color, key), self.allreduce_grad_dtype,
                          self.batched_copy)

    def _buffer(self, key, dtype, total):
        buf = self._buffers.get(key)
        if buf is None or buf.dtype != dtype or buf.size != total:
            buf = self._buffers[key] = self._cupy.empty(total, dtype)
        return buf

    def _on_gpu(self, arrays, what):
        for name, a in arrays:
            if not isinstance(a, self._cupy.ndarray):
                raise TypeError(
                    "pure_nccl: {} of parameter {} is a {} array; NCCL reduces GPU "
                    "(CuPy) arrays only: call model.to_gpu() or use the 'flat' "
                    "communicator".format(what, name, type(a).__module__.split('.')[0]))

    def _pack(self, buf, arrays):
        cp = self._cupy
        offset = 0
        for a in arrays:
            n = a.size
            cp.copyto(buf[offset:offset + n].reshape(a.shape), a, casting='unsafe')
            offset += n

    def _unpack(self, buf, arrays):
        cp = self._cupy
        offset = 0
        for a in arrays:
            n = a.size
            cp.copyto(a, buf[offset:offset + n].reshape(a.shape), casting='unsafe')
            offset += n

    # -- models -------------------------------------------------------------------
    def bcast_data(self, model):
        """Copy rank 0's parameters to every process (NCCL broadcast of one
        packed buffer per dtype).  Shapes are checked first over MPI: a
        mismatch names the parameter."""
        named = [(name, p) for name, p in sorted(model.namedparams())
                 if p.array is not None]
        layout = [(name, tuple(p.array.shape), p.array.dtype.str) for name, p in named]
        root_layout = self.mpi_comm.bcast(layout, root=0)
        if root_layout != layout:
            mine = {n: (s, d) for n, s, d in layout}
            theirs = {n: (s, d) for n, s, d in root_layout}
            bad = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
            raise ValueError('bcast_data: the model of rank {} differs from rank 0 at '
                             '{}: (shape, dtype) {} here, {} on rank 0'.format(
                                 self.rank, bad[0], mine.get(bad[0]), theirs.get(bad[0])))
        self._on_gpu([(name, p.array) for name, p in named], 'the data')
        groups = {}
        for _, p in named:
            groups.setdefault(p.array.dtype.str, []).append(p.array)
        if not groups:
            return
        comm = self._init_comms()
        stream = self._cupy.cuda.get_current_stream()
        for key in sorted(groups):
            arrays = groups[key]
            buf = self._buffer(('data', key), numpy.dtype(key), sum(a.size for a in arrays))
            self._pack(buf, arrays)
            comm.bcast(buf.data.ptr, buf.size, self._nccl_type(buf.dtype), 0, stream.ptr)
            self._unpack(buf, arrays)

    def multi_node_mean_grad(self, model, zero_fill=False):
        """Replace every gradient by its mean over the processes: per gradient
        dtype, pack into one GPU buffer (of ``allreduce_grad_dtype`` if set),
        NCCL all-reduce (sum) in place, divide by the number of processes,
        unpack."""
        params = self._grads(model, zero_fill)
        names = {id(p): name for name, p in model.namedparams()}
        self._on_gpu([(names[id(p)], p.grad) for p in params], 'the gradient')
        groups = {}
        for p in params:
            groups.setdefault(p.grad.dtype.str, []).append(p.grad)
        if not groups:
            return
        comm = self._init_comms()
        stream = self._cupy.cuda.get_current_stream()
        for key in sorted(groups):
            grads = groups[key]
            wire = self.allreduce_grad_dtype or numpy.dtype(key)
            if wire.kind != 'f':
                raise TypeError('pure_nccl: multi_node_mean_grad averages floating '
                                'point gradients, got dtype {}'.format(wire))
            buf = self._buffer(('grad', key), wire, sum(g.size for g in grads))
            self._pack(buf, grads)
            comm.allReduce(buf.data.ptr, buf.data.ptr, buf.size, self._nccl_type(wire),
                           self._nccl.NCCL_SUM, stream.ptr)
            buf *= buf.dtype.type(1.0 / self.size)
            self._unpack(buf, grads)
