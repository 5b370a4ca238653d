"""Differentiable point-to-point communication (ChainerMN's ``send`` and
``recv``): the backward of a send is a receive of the gradient from the same
peer, and the backward of a receive sends the gradient back.

These are FunctionNodes with explicit MPI calls rather than recipe ops: their
"gradient" is a message exchange with another process, which the array and
Variable namespaces of the recipe cannot express, and it is not itself
differentiable (as in ChainerMN, double backprop through them is not
supported: the gradients they return are constants).
"""
import numpy

from fastgrad import backend
from fastgrad._core.graph import FunctionNode, Variable
from fastgrad.chainermn.functions import _wire


class _PeerFunction(FunctionNode):
    """A FunctionNode that talks to one peer process under one tag."""

    def __init__(self, comm, peer_rank, peer_tag):
        self.comm = comm
        self.peer_rank = peer_rank
        self.peer_tag = peer_tag

    @property
    def label(self):
        return '{} (peer_rank: {})'.format(type(self).__name__, self.peer_rank)


class Send(_PeerFunction):
    """Send the inputs (all but the last, a dummy) to ``peer_rank``; the one
    output is an empty delegate variable."""

    def forward(self, inputs):
        xs = inputs[:-1]
        self._dtypes = [x.dtype for x in xs]
        self._like = backend.get_device_from_array(xs[0]).xp.empty((0,), numpy.float32)
        self.comm.send(xs[0] if len(xs) == 1 else tuple(xs), self.peer_rank, self.peer_tag)
        return self._like,

    def backward(self, indexes, grad_outputs):
        grads = self.comm.recv(self.peer_rank, self.peer_tag)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(self._dtypes):
            raise ValueError('{}: received {} gradients for {} sent '
                             'arrays'.format(self.label, len(grads), len(self._dtypes)))
        out = [_wire.from_wire(g, self._like, dt) for g, dt in zip(grads, self._dtypes)]
        out.append(self._like)
        return tuple(out)


class Recv(_PeerFunction):
    """Receive arrays from ``peer_rank``; the input is a dummy or a delegate
    variable, which keeps this function on the backward path."""

    def forward(self, inputs):
        data = self.comm.recv(self.peer_rank, self.peer_tag)
        if not isinstance(data, tuple):
            data = (data,)
        ys = tuple(_wire.from_wire(d, inputs[0]) for d in data)
        self._xp = backend.get_array_module(inputs[0])
        self._input_specs = [(x.shape, x.dtype) for x in inputs]
        self._shapes = [(y.shape, y.dtype) for y in ys]
        return ys

    def backward(self, indexes, grad_outputs):
        gys = []
        for g, (shape, dtype) in zip(grad_outputs, self._shapes):
            g = _wire.raw(g)
            gys.append(numpy.zeros(shape, dtype) if g is None else g)
        self.comm.send(tuple(gys), self.peer_rank, self.peer_tag)
        return tuple(self._xp.zeros(shape, dtype) for shape, dtype in self._input_specs)


def send(x, communicator, rank, tag=0):
    """Send ``x`` (a Variable or a tuple of them) to process ``rank``; returns
    a delegate variable (empty, holding only the graph).

    Backprop from the delegate variable (``delegate.backward()``) receives the
    gradient of ``x`` from ``rank`` (where :func:`recv` sent it back) and
    continues into the graph that made ``x``.  Pass the delegate to the next
    :func:`recv` or to :func:`pseudo_connect` when one process has several
    unconnected pieces of graph.

    Args:
        x (~fastgrad.Variable or tuple): What to send.
        communicator: A ChainerMN communicator.
        rank (int): The process to send to (not this one).
        tag (int): The MPI message tag.

    Returns:
        ~fastgrad.Variable: The delegate variable.
    """
    _wire.check_rank('send', communicator, rank)
    xs = tuple(x) if isinstance(x, (tuple, list)) else (x,)
    if not xs:
        raise ValueError('send: nothing to send (x is an empty sequence)')
    # A dummy input that requires grad keeps Send on the backward path even
    # when x does not: otherwise the peer's gradient would never be received.
    dummy = Variable(_wire.empty_like_device(_wire.raw(xs[0])))
    dummy.name = 'dummy_var'
    y, = Send(communicator, rank, tag).apply(xs + (dummy,))
    return _wire.delegate(y)


def recv(communicator, rank, delegate_variable=None, tag=0, force_tuple=False):
    """Receive what :func:`send` on process ``rank`` sent; backprop sends the
    gradient back to it.

    When this process sent something earlier, pass the delegate variable that
    :func:`send` returned as ``delegate_variable``: the graph then stays
    connected and backprop reaches that send after this receive.

    Args:
        communicator: A ChainerMN communicator.
        rank (int): The process to receive from (not this one).
        delegate_variable (~fastgrad.Variable): The delegate of an earlier
            piece of graph on this process, or None.
        tag (int): The MPI message tag.
        force_tuple (bool): Return a tuple even for one received array.

    Returns:
        ~fastgrad.Variable or tuple: What was received.
    """
    _wire.check_rank('recv', communicator, rank)
    if delegate_variable is None:
        dummy = Variable(numpy.empty((0,), numpy.float32))
        dummy.name = 'dummy_var'
        inputs = (dummy,)
    else:
        if not isinstance(delegate_variable, Variable):
            raise TypeError('recv: delegate_variable must be a Variable or None, got {}'
                            .format(type(delegate_variable).__name__))
        delegate_variable.name = 'delegate_variable'
        inputs = (delegate_variable,)
    ys = Recv(communicator, rank, tag).apply(inputs)
    if len(ys) == 1 and not force_tuple:
        return ys[0]
    return ys
