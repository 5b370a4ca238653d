"""Communicators on mpi4py (ChainerMN's ``create_communicator``).

``naive``: one MPI all-reduce per parameter; ``flat`` (and
``non_cuda_aware``): the gradients of each dtype packed into one contiguous
buffer and reduced in one call; ``dummy``: no communication.  GPU arrays are
staged through host memory; ``pure_nccl`` needs CuPy with NCCL.
"""
import contextlib

import numpy

from fastgrad import backend
from fastgrad.chainermn.communicators import _communication_utility


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError('chainermn needs mpi4py and an MPI (pip install '
                           '"fastgrad[mpi]" installs mpi4py and MPICH): {}'.format(e))
    return MPI


def _has_mpi_type(dtype):
    """Whether mpi4py maps ``dtype`` to an MPI datatype (Open MPI has no
    float16; MPICH has)."""
    from mpi4py.util import dtlib
    try:
        dtlib.from_numpy_dtype(dtype)
    except Exception:
        return False
    return True


_half = {}


def _half_sum_spec(MPI, buf):
    """A buffer spec and op that sum float16 ``buf`` where MPI has no float16:
    2-byte elements (so MPI never splits a value) added by a user op."""
    if not _half:
        def add(inbuf, outbuf, datatype):
            out = numpy.frombuffer(outbuf, numpy.float16)
            out += numpy.frombuffer(inbuf, numpy.float16)
        _half['type'] = MPI.BYTE.Create_contiguous(2).Commit()
        _half['op'] = MPI.Op.Create(add, commute=True)
    return [buf, buf.size, _half['type']], _half['op']


def _allreduce_sum_inplace(mpi_comm, buf):
    MPI = _mpi()
    if buf.dtype == numpy.float16 and not _has_mpi_type(buf.dtype):
        spec, op = _half_sum_spec(MPI, buf)
        mpi_comm.Allreduce(MPI.IN_PLACE, spec, op=op)
    else:
        mpi_comm.Allreduce(MPI.IN_PLACE, buf)


class CommunicatorBase(object):
    """Communication among the processes of one job (see module docstring)."""

    def __init__(self, mpi_comm, allreduce_grad_dtype=None, batched_copy=True):
        object.__setattr__(self, '_configs', {})
        object.__setattr__(self, '_within_config_scope', False)
        self.mpi_comm = mpi_comm
        with self.config_scope():
            self.allreduce_grad_dtype = (None if allreduce_grad_dtype is None
                                         else numpy.dtype(allreduce_grad_dtype))
            self.batched_copy = bool(batched_copy)
        self._init_topology()

    # -- configuration ------------------------------------------------------------
    _CONFIG_NAMES = ('allreduce_grad_dtype', 'batched_copy')

    @contextlib.contextmanager
    def config_scope(self):
        """Attributes set inside this scope are also recorded as
        configurations (what :meth:`get_config` returns)."""
        old = self._within_config_scope
        object.__setattr__(self, '_within_config_scope', True)
        try:
            yield
        finally:
            object.__setattr__(self, '_within_config_scope', old)

    def __setattr__(self, name, value):
        if getattr(self, '_within_config_scope', False):
            self._configs[name] = value
        object.__setattr__(self, name, value)

    @property
    def within_config_scope(self):
        return self._within_config_scope

    def set_config(self, name, value=True, **kwargs):
        """Set a configuration: ``'batched_copy'`` (bool; fastgrad packs
        gradients the same way either way) or ``'allreduce_grad_dtype'``
        (the dtype gradients travel in, None for their own); another name
        raises ValueError."""
        if name == 'batched_copy':
            value = bool(value)
        elif name == 'allreduce_grad_dtype':
            value = None if value is None else numpy.dtype(value)
        else:
            raise ValueError('set_config: unknown configuration {!r}; {} has {}'.format(
                name, type(self).__name__, ', '.join(self._CONFIG_NAMES)))
        with self.config_scope():
            setattr(self, name, value)

    def get_config(self, name=None):
        """The value of configuration ``name``, or a dict of all of them
        when ``name`` is None."""
        if name is None:
            return dict(self._configs)
        if name not in self._configs:
            raise ValueError('get_config: unknown configuration {!r}; {} has {}'.format(
                name, type(self).__name__, ', '.join(self._CONFIG_NAMES)))
        return self._configs[name]

    # -- topology -----------------------------------------------------------
    def _init_topology(self):
        (_, self._intra_rank, self._intra_size, self._inter_rank,
         self._inter_size) = _communication_utility.init_ranks(self.mpi_comm)

    @property
    def rank(self):
        return self.mpi_comm.Get_rank()

    @property
    def size(self):
        return self.mpi_comm.Get_size()

    @property
    def intra_rank(self):
        return self._intra_rank

    @property
    def intra_size(self):
        return self._intra_size

    @property
    def inter_rank(self):
        return self._inter_rank

    @property
    def inter_size(self):
        return self._inter_size

    def split(self, color, key):
        """A communicator over the processes that passed the same color."""
        return type(self)(self.mpi_comm.Split(color, key), self.allreduce_grad_dtype)

    def finalize(self):
        pass

    # -- Python objects -----------------------------------------------------------
    def send_obj(self, obj, dest, tag=0):
        self.mpi_comm.send(obj, dest=dest, tag=tag)

    def recv_obj(self, source, status=None, tag=None):
        """Receive a Python object from ``source``; with ``tag`` None (the
        default) a message of any tag, as in ChainerMN."""
        return self.mpi_comm.recv(source=source, tag=_mpi().ANY_TAG if tag is None else tag,
                                  status=status)

    def bcast_obj(self, obj, max_buf_len=None, root=0):
        return self.mpi_comm.bcast(obj, root=root)

    def gather_obj(self, obj, root=0):
        return self.mpi_comm.gather(obj, root=root)

    def allgather_obj(self, obj):
        return self.mpi_comm.allgather(obj)

    def allreduce_obj(self, obj):
        return self.mpi_comm.allreduce(obj)

    def scatter_obj(self, objs, root=0):
        return self.mpi_comm.scatter(objs, root=root)

    # -- arrays ---------------------------------------------------------------------
    @staticmethod
    def _host(x):
        return numpy.ascontiguousarray(backend.CpuDevice().send(getattr(x, 'array', x)))

    def _like(self, out, template):
        return backend.get_device_from_array(template).send(out)

    def send(self, data, dest, tag=0):
        """Send an array (or a tuple of arrays) to ``dest``."""
        arrays = data if isinstance(data, (tuple, list)) else (data,)
        host = [self._host(a) for a in arrays]
        self.mpi_comm.send(([(a.shape, a.dtype.str) for a in host],
                            isinstance(data, (tuple, list))), dest=dest, tag=tag)
        for a in host:
            self.mpi_comm.Send(a, dest=dest, tag=tag)

    def recv(self, source, tag=0):
        """Receive what :meth:`send` sent; arrays come back as NumPy arrays."""
        meta, is_tuple = self.mpi_comm.recv(source=source, tag=tag)
        out = []
        for shape, dtype in meta:
            buf = numpy.empty(shape, dtype)
            self.mpi_comm.Recv(buf, source=source, tag=tag)
            out.append(buf)
        return tuple(out) if is_tuple else out[0]

    def bcast(self, x, root=0):
        meta = self.mpi_comm.bcast(None if self.rank != root else
                                   (x.shape, x.dtype.str), root=root)
        buf = self._host(x) if self.rank == root else numpy.empty(meta[0], meta[1])
        self.mpi_comm.Bcast(buf, root=root)
        return buf

    def allreduce(self, x):
        """Elementwise sum over the processes."""
        send = self._host(x)
        recv = numpy.empty_like(send)
        self.mpi_comm.Allreduce(send, recv)
        return self._like(recv, getattr(x, 'array', x))

    def gather(self, x, root=0):
        xs = self.mpi_comm.gather(self._host(x), root=root)
        return None if xs is None else tuple(xs)

    def allgather(self, x):
        return tuple(self.mpi_comm.allgather(self._host(x)))

    def scatter(self, xs, root=0):
        return self.mpi_comm.scatter(
            None if xs is None else [self._host(x) for x in xs], root=root)

    def alltoall(self, xs):
        if len(xs) != self.size:
            raise ValueError('alltoall: needs one array per process ({}), got {}'
                             .format(self.size, len(xs)))
        return tuple(self.mpi_comm.alltoall([self._host(x) for x in xs]))

    # -- models ---------------------------------------------------------------------
    def bcast_data(self, model):
        """Copy rank 0's parameters (and persistent arrays) to every process.
        Shapes are checked first: a mismatch names the parameter."""
        params = sorted(model.namedparams())
        layout = [(name, None if p.array is None else tuple(p.array.shape))
                  for name, p in params]
        root_layout = self.mpi_comm.bcast(layout, root=0)
        if root_layout != layout:
            mine, theirs = dict(layout), dict(root_layout)
            bad = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
            raise ValueError('bcast_data: the model of rank {} differs from rank 0 at '
                             '{}: {} here, {} on rank 0'.format(
                                 self.rank, bad[0], mine.get(bad[0]), theirs.get(bad[0])))
        for _, p in params:
            if p.array is not None:
                buf = self._host(p.array)
                self.mpi_comm.Bcast(buf, root=0)
                if buf is not p.array:
                    backend.copyto(p.array, buf)

    def multi_node_mean_grad(self, model, zero_fill=False):
        """Replace every gradient by its mean over the processes."""
        raise NotImplementedError

    @staticmethod
    def _ensure_finite_in_debug(arrays):
        """In debug mode (:func:`fastgrad.set_debug`), a NaN or inf in a
        reduced gradient raises ValueError, as ChainerMN's does."""
        import fastgrad
        if not fastgrad.is_debug():
            return
        for a in arrays:
            if not backend.get_array_module(a).isfinite(a).all():
                raise ValueError('multi_node_mean_grad: parameters diverged after the '
                                 'all-reduce (a gradient has NaN or inf)')

    def allreduce_grad(self, model, zero_fill=False):
        """ChainerMN's older name of :meth:`multi_node_mean_grad`."""
        self.multi_node_mean_grad(model, zero_fill)

    def _grads(self, model, zero_fill):
        params = []
        for name, p in sorted(model.namedparams()):
            if p.array is None:
                continue
            if p.grad is None:
                if not zero_fill:
                    continue
                p.grad = p.xp.zeros_like(p.array)
            params.append(p)
        return params


class NaiveCommunicator(CommunicatorBase):
    """One all-reduce call per parameter."""

    def multi_node_mean_grad(self, model, zero_fill=False):
        for p in self._grads(model, zero_fill):
            g = self._host(p.grad)
            out = numpy.empty_like(g)
            self.mpi_comm.Allreduce(g, out)
            out /= self.size
            self._ensure_finite_in_debug((out,))
            backend.copyto(p.grad, out)


class FlatCommunicator(CommunicatorBase):
    """The gradients of each dtype packed into one buffer, one call per dtype
    (optionally sent as ``allreduce_grad_dtype``, e.g. float16).

    Packing divides by the number of processes on the way (one pass over the
    gradients), the all-reduce sums in place, and each NumPy ``.grad`` then
    becomes a view of the summed buffer (no copy back): a gradient array
    kept from one step is overwritten by the next call on the same model.
    """

    def _buffer(self, key, wire, total):
        """The packing buffer of one model's gradients of one dtype, kept
        between calls (the gradients are views of it after the call)."""
        cache = self.__dict__.setdefault('_flat_buffers', {})
        buf = cache.get(key)
        if buf is None or buf.dtype != wire or buf.size != total:
            buf = cache[key] = numpy.empty(total, wire)
        return buf

    def multi_node_mean_grad(self, model, zero_fill=False):
        groups = {}
        for p in self._grads(model, zero_fill):
            groups.setdefault(p.grad.dtype.str, []).append(p)
        for key in sorted(groups):
            params = groups[key]
            dtype = numpy.dtype(key)
            wire = self.allreduce_grad_dtype or dtype
            buf = self._buffer((id(model), key), wire, sum(p.grad.size for p in params))
            offset = 0
            for p in params:            # pack g / size: one pass per gradient
                n = p.grad.size
                numpy.divide(self._host(p.grad), self.size, casting='unsafe',
                             out=buf[offset:offset + n].reshape(p.grad.shape))
                offset += n
            _allreduce_sum_inplace(self.mpi_comm, buf)
            self._ensure_finite_in_debug((buf,))
            mean = buf if wire == dtype else buf.astype(dtype)
            offset = 0
            for p in params:            # unpack: .grad becomes a view of the mean
                n = p.grad.size
                view = mean[offset:offset + n].reshape(p.grad.shape)
                offset += n
                if isinstance(p.grad, numpy.ndarray):
                    p.grad = view
                else:
                    backend.copyto(p.grad, view)


class NonCudaAwareCommunicator(FlatCommunicator):
    """The flat communicator under Chainer's name for an MPI without CUDA
    support: fastgrad always stages GPU arrays through host memory."""


class DummyCommunicator(FlatCommunicator):
    """Communicates nothing: gradients stay as they are (for profiling the
    rest of a multi-node program)."""

    def multi_node_mean_grad(self, model, zero_fill=False):
        self._grads(model, zero_fill)


def create_communicator(communicator_name='pure_nccl', mpi_comm=None,
                        allreduce_grad_dtype=None, batched_copy=True):
    """A communicator over ``mpi_comm`` (MPI.COMM_WORLD by default).  Names:
    'naive', 'flat', 'non_cuda_aware' (= flat on host memory), 'dummy',
    and 'pure_nccl' / 'hierarchical' / 'two_dimensional' / 'single_node',
    which need CuPy with NCCL."""
    MPI = _mpi()
    if mpi_comm is None:
        mpi_comm = MPI.COMM_WORLD
    table = {'naive': NaiveCommunicator, 'flat': FlatCommunicator,
             'non_cuda_aware': NonCudaAwareCommunicator, 'dummy': DummyCommunicator}
    if communicator_name in table:
        return table[communicator_name](mpi_comm, allreduce_grad_dtype, batched_copy)
    if communicator_name == 'pure_nccl':
        from fastgrad.chainermn._nccl import PureNcclCommunicator
        return PureNcclCommunicator(mpi_comm, allreduce_grad_dtype, batched_copy)
    if communicator_name in ('hierarchical', 'two_dimensional', 'single_node'):
        from fastgrad.backends import cuda
        cuda.check_cuda_available()
        raise NotImplementedError(
            "create_communicator: '{}' (NCCL) is not implemented in fastgrad yet; use "
            "'flat' (GPU arrays are reduced through host memory)".format(communicator_name))
    raise ValueError('create_communicator: unknown communicator name {!r}'.format(
        communicator_name))


