"""create_multi_node_n_step_rnn: an NStep RNN whose initial states come from
one process and whose final states go to another."""
from fastgrad import link as _link
from fastgrad.chainermn.functions import pseudo_connect, recv, send
from fastgrad.links.rnn.n_step_rnn import NStepRNNBase


class _MultiNodeNStepRNN(_link.Chain):

    def __init__(self, link, communicator, rank_in, rank_out):
        if not isinstance(link, NStepRNNBase):
            raise ValueError('create_multi_node_n_step_rnn: link must be an NStep RNN '
                             '(NStepLSTM, NStepGRU, NStepRNNTanh, ... or their Bi '
                             'versions), got {}'.format(type(link).__name__))
        super().__init__()
        with self.init_scope():
            self.actual_rnn = link
        self.communicator = communicator
        self.rank_in = rank_in
        self.rank_out = rank_out
        self.n_cells = link.n_cells

    def forward(self, *inputs):
        if self.rank_in is None:
            cells = (None,) * self.n_cells
        else:
            cells = tuple(recv(self.communicator, self.rank_in)
                          for _ in range(self.n_cells))
        outputs = self.actual_rnn(*(cells + inputs))
        states = outputs[:-1]
        delegate = None
        if self.rank_out is not None:
            state = states[0]
            for i in range(self.n_cells):
                delegate = send(state, self.communicator, self.rank_out)
                if i + 1 < self.n_cells:
                    # the next send's backward runs before this one's
                    state, = pseudo_connect(delegate, states[i + 1])
        return tuple(outputs) + (delegate,)


def create_multi_node_n_step_rnn(actual_link, communicator, rank_in=None, rank_out=None):
    """Wrap an NStep RNN link for model parallelism: it receives its initial
    hidden (and cell) states from process ``rank_in`` (None: zeros), runs,
    and sends its final states to process ``rank_out`` (None: nowhere).

    The returned link gives the RNN's outputs plus a delegate variable (None
    when ``rank_out`` is None); when ``rank_out`` is set, backprop from it
    (or pass it to :func:`~fastgrad.chainermn.functions.pseudo_connect`).

    Args:
        actual_link: An NStep RNN link (``NStepLSTM``, ``NStepGRU``,
            ``NStepRNNTanh``, ``NStepRNNReLU`` or a ``Bi`` version).
        communicator: A ChainerMN communicator.
        rank_in (int or None): Where the initial states come from.
        rank_out (int or None): Where the final states go.

    Returns:
        ~fastgrad.Chain: The wrapped link.
    """
    return _MultiNodeNStepRNN(actual_link, communicator, rank_in, rank_out)
