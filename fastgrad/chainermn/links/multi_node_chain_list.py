"""MultiNodeChainList: a model split over processes, its pieces joined by
differentiable send and receive."""
import collections

from fastgrad import link as _link
from fastgrad.chainermn.functions import pseudo_connect, recv, send


def _ranks(value, what):
    if value is None:
        return None
    if isinstance(value, int):
        return [value]
    try:
        ranks = list(value)
    except TypeError:
        raise TypeError('MultiNodeChainList.add_link: {} must be None, an int or a list '
                        'of ints, got {!r}'.format(what, value)) from None
    if not all(isinstance(r, int) for r in ranks):
        raise TypeError('MultiNodeChainList.add_link: {} must be None, an int or a list '
                        'of ints, got {!r}'.format(what, value))
    return ranks


class MultiNodeChainList(_link.ChainList):
    """A ChainList whose links are the pieces of a model on this process,
    each receiving its inputs from other processes and sending its outputs
    on (ChainerMN's model-parallel container).

    ``add_link(link, rank_in, rank_out)`` registers a piece: ``rank_in``
    (None, a rank or a list of ranks) says where its inputs come from (None:
    the arguments of the call), ``rank_out`` where its outputs go (None: they
    are the model's output; at most one piece may have that).  The call runs
    the pieces in the order added, receiving and sending with
    :func:`~fastgrad.chainermn.functions.recv` and
    :func:`~fastgrad.chainermn.functions.send`, and threads delegate
    variables through them (:func:`~fastgrad.chainermn.functions.pseudo_connect`)
    so that one ``backward()`` from the returned variable runs the pieces'
    backward in the reverse order, exchanging gradients with the peers.  A
    process with no output returns the last delegate variable; call
    ``backward()`` on it.  A rank may be this process's own: the value is
    passed on in memory.

    Args:
        comm: A ChainerMN communicator.
    """

    def __init__(self, comm):
        super().__init__()
        self._comm = comm
        self._rank_inouts = []

    def add_link(self, link, rank_in=None, rank_out=None):
        """Register ``link`` with the ranks it receives from and sends to.

        Args:
            link (~fastgrad.Link): The piece of the model.
            rank_in (int, list of int or None): Where the inputs come from
                (None: the model's inputs).
            rank_out (int, list of int or None): Where the outputs go (None:
                they are the model's output).
        """
        rank_in = _ranks(rank_in, 'rank_in')
        rank_out = _ranks(rank_out, 'rank_out')
        if rank_out is None and any(out is None for _, out in self._rank_inouts):
            raise ValueError('MultiNodeChainList.add_link: only one link may have '
                             'rank_out=None (the model output)')
        super().add_link(link)
        self._rank_inouts.append((rank_in, rank_out))

    def forward(self, *inputs):
        comm = self._comm
        local = collections.deque()          # values sent to this process itself
        delegate = None
        y = None
        for i, (f, (rank_in, rank_out)) in enumerate(zip(self._children, self._rank_inouts)):
            if rank_in is None:
                if i == 0:
                    x = f(*inputs)
                else:
                    # keep the earlier pieces on the backward path
                    x = f(*pseudo_connect(delegate, *inputs))
            else:
                xs = []
                for source in rank_in:
                    if source == comm.rank:
                        if not local:
                            raise ValueError('MultiNodeChainList: link {} receives from '
                                             'its own rank, which sent nothing before it'
                                             .format(i))
                        v = local.popleft()
                        if delegate is not None:
                            v, = pseudo_connect(delegate, v)
                    else:
                        v = recv(comm, source, delegate_variable=delegate)
                    xs.append(v)
                    # the next receive's backward comes after this one's
                    delegate = v
                # each edge is backpropagated once: the received values carry it
                delegate = None
                x = f(*xs)
            if rank_out is None:
                y = x
                delegate = y
                continue
            for k, dest in enumerate(rank_out):
                if dest == comm.rank:
                    if delegate is not None:
                        x, = pseudo_connect(delegate, x)
                    local.append(x)
                    delegate = x
                else:
                    if k > 0 and delegate is not None:
                        # several sends: their backward runs in reverse order
                        x, = pseudo_connect(delegate, x)
                    delegate = send(x, comm, dest)
        if local:
            raise ValueError('MultiNodeChainList: {} value(s) sent to this process itself '
                             'were never received; check that rank_in and rank_out match'
                             .format(len(local)))
        if y is None:
            return delegate
        if y is delegate:
            return y
        y, = pseudo_connect(delegate, y)
        return y
