"""Differentiable collective communication (ChainerMN's ``bcast``,
``gather``, ``allgather``, ``scatter`` and ``alltoall``).  Each backward is
the adjoint collective: bcast <-> gather-and-sum at the root, gather <->
scatter, allgather <-> alltoall-and-sum, alltoall <-> alltoall.

FunctionNodes with explicit MPI calls, not recipe ops: the backward is a
message exchange with the other processes (see point_to_point_communication).
Every process must call the same function in the same order, forward and
backward.
"""
import numpy

from fastgrad import backend, configuration
from fastgrad._core.graph import FunctionNode, Variable
from fastgrad.chainermn.functions import _wire


class _Collective(FunctionNode):

    def __init__(self, comm, root=0):
        self.comm = comm
        self.root = root

    def _remember(self, inputs):
        self._xp = backend.get_array_module(*inputs) if inputs else numpy
        self._in_specs = [(x.shape, x.dtype) for x in inputs]

    def _input_zeros(self):
        return tuple(self._xp.zeros(shape, dtype) for shape, dtype in self._in_specs)

    def _on_device(self, arrays, dtype=None):
        like = self._xp.empty(0)
        return tuple(_wire.from_wire(numpy.asarray(a), like, dtype) for a in arrays)


def _grads(grad_outputs, specs, xp):
    """Raw output gradients; None (an output that got none) becomes zeros."""
    out = []
    for g, (shape, dtype) in zip(grad_outputs, specs):
        g = _wire.raw(g)
        out.append(xp.zeros(shape, dtype) if g is None else g)
    return out


class AllGather(_Collective):
    """Every process gets every process's ``x``."""

    def forward(self, inputs):
        x, = inputs
        self._remember(inputs)
        ys = self._on_device(self.comm.allgather(x))
        self._out_specs = [(y.shape, y.dtype) for y in ys]
        return ys

    def backward(self, indexes, grad_outputs):
        # y_j on every process is x_j: the gradient of x_j is the sum over
        # processes of their gradients of y_j, which alltoall brings here.
        gys = _grads(grad_outputs, self._out_specs, self._xp)
        received = self._on_device(self.comm.alltoall(tuple(gys)))
        shape, dtype = self._in_specs[0]
        gx = self._xp.zeros(shape, dtype)
        for g in received:
            gx += g
        return gx,


class AllToAll(_Collective):
    """Process i's ``xs[j]`` goes to process j as its ``ys[i]``."""

    def forward(self, inputs):
        if len(inputs) != self.comm.size:
            raise ValueError('alltoall: needs one input per process ({}), got {}'
                             .format(self.comm.size, len(inputs)))
        self._remember(inputs)
        ys = self._on_device(self.comm.alltoall(tuple(inputs)))
        self._out_specs = [(y.shape, y.dtype) for y in ys]
        return ys

    def backward(self, indexes, grad_outputs):
        gys = _grads(grad_outputs, self._out_specs, self._xp)
        gxs = self._on_device(self.comm.alltoall(tuple(gys)))
        return tuple(g.astype(dt, copy=False) for g, (_, dt) in zip(gxs, self._in_specs))


class Bcast(_Collective):
    """The root's ``x`` to every process (the others pass a dummy)."""

    def forward(self, inputs):
        self._remember(inputs)
        x = inputs[0] if self.comm.rank == self.root else None
        y = numpy.asarray(self.comm.bcast(x, self.root))
        y, = self._on_device((y,))
        self._out_spec = (y.shape, y.dtype)
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = _grads(grad_outputs, [self._out_spec], self._xp)
        gys = self.comm.gather(gy, self.root)
        if self.comm.rank != self.root:
            return None,
        shape, dtype = self._in_specs[0]
        gx = self._xp.zeros(shape, dtype)
        for g in self._on_device(gys):
            gx += g
        return gx,


class Gather(_Collective):
    """Every process's ``x`` to the root; the others get an empty delegate."""

    def forward(self, inputs):
        self._remember(inputs)
        ys = self.comm.gather(inputs[0], self.root)
        if self.comm.rank == self.root:
            ys = self._on_device(ys)
            self._out_specs = [(y.shape, y.dtype) for y in ys]
            return ys
        self._out_specs = None
        return self._xp.empty((0,), inputs[0].dtype),

    def backward(self, indexes, grad_outputs):
        if self.comm.rank == self.root:
            gys = tuple(_grads(grad_outputs, self._out_specs, self._xp))
        else:
            gys = None
        gx = numpy.asarray(self.comm.scatter(gys, self.root))
        return self._on_device((gx,), self._in_specs[0][1])


class Scatter(_Collective):
    """The root's ``xs[i]`` to process i (the others pass a dummy)."""

    def forward(self, inputs):
        self._remember(inputs)
        if self.comm.rank == self.root:
            if len(inputs) != self.comm.size:
                raise ValueError('scatter: the root needs one input per process ({}), '
                                 'got {}'.format(self.comm.size, len(inputs)))
            y = self.comm.scatter(tuple(inputs), self.root)
        else:
            y = self.comm.scatter(None, self.root)
        y, = self._on_device((numpy.asarray(y),))
        self._out_spec = (y.shape, y.dtype)
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = _grads(grad_outputs, [self._out_spec], self._xp)
        gxs = self.comm.gather(gy, self.root)
        if self.comm.rank == self.root:
            return tuple(g.astype(dt, copy=False) for g, (_, dt)
                         in zip(self._on_device(gxs), self._in_specs))
        return self._input_zeros()


def _dummy(like=None):
    xp = numpy if like is None else backend.get_array_module(_wire.raw(like))
    v = Variable(xp.empty((0,), configuration.config.dtype))
    v.name = 'dummy_var'
    return v


def allgather(comm, x):
    """Gather ``x`` of every process on every process (differentiable: the
    gradient of ``x`` is the sum of all processes' gradients of their copy).

    Args:
        comm: A ChainerMN communicator.
        x (~fastgrad.Variable): This process's part.

    Returns:
        tuple of ~fastgrad.Variable: One per process, in rank order.
    """
    return AllGather(comm).apply((x,))


def alltoall(comm, xs):
    """Send ``xs[j]`` to process j and receive one array from each process
    (differentiable: gradients go back the same way).

    Args:
        comm: A ChainerMN communicator.
        xs (list of ~fastgrad.Variable): One per process.

    Returns:
        tuple of ~fastgrad.Variable: The one from process i at index i.
    """
    if len(xs) != comm.size:
        raise ValueError('alltoall: the length of xs must be the communicator size '
                         '({}), got {}'.format(comm.size, len(xs)))
    return AllToAll(comm).apply(tuple(xs))


def bcast(comm, x, root=0):
    """Broadcast ``x`` from ``root`` (differentiable: the root's gradient is
    the sum of every process's gradient of the copy it got).

    Args:
        comm: A ChainerMN communicator.
        x (~fastgrad.Variable): What to broadcast (read on the root only).
        root (int): The rank that sends.

    Returns:
        ~fastgrad.Variable: The root's ``x``, on every process.
    """
    if comm.rank == root:
        y, = Bcast(comm, root).apply((x,))
    else:
        y, = Bcast(comm, root).apply((_dummy(x),))
    return y


def gather(comm, x, root=0):
    """Gather ``x`` of every process on ``root`` (differentiable: backprop
    scatters the root's gradients back).

    Args:
        comm: A ChainerMN communicator.
        x (~fastgrad.Variable): This process's part.
        root (int): The rank that receives.

    Returns:
        tuple of ~fastgrad.Variable on the root (one per process); elsewhere a
        delegate variable (empty), from which ``backward()`` takes part in the
        scatter of the gradients.
    """
    ys = Gather(comm, root).apply((x,))
    if comm.rank == root:
        return ys
    return _wire.delegate(ys[0])


def scatter(comm, xs, root=0):
    """Send ``xs[i]`` from ``root`` to process i (differentiable: backprop
    gathers the gradients on the root).

    Args:
        comm: A ChainerMN communicator.
        xs (list of ~fastgrad.Variable): One per process on the root; ignored
            (may be None) elsewhere.
        root (int): The rank that sends.

    Returns:
        ~fastgrad.Variable: This process's part.
    """
    if comm.rank == root:
        if xs is None or len(xs) != comm.size:
            raise ValueError('scatter: the root needs one array per process ({}), got {}'
                             .format(comm.size, None if xs is None else len(xs)))
        y, = Scatter(comm, root).apply(tuple(xs))
    else:
        y, = Scatter(comm, root).apply((_dummy(),))
    return y
