"""NStepLSTM / NStepBiLSTM links (weights ``w0..w7``, ``b0..b7`` per layer, as Chainer)."""
from fastgrad.functions.rnn.n_step_lstm import n_step_bilstm, n_step_lstm
from fastgrad.links.rnn.n_step_rnn import NStepRNNBase


class NStepLSTMBase(NStepRNNBase):
    """Base of the NStep LSTM links: eight weights per layer and direction."""
    n_weights = 8

    @property
    def n_cells(self):
        return 2

    def forward(self, hx, cx, xs, **kwargs):
        """``(hy, cy, ys)`` for the initial states ``hx``, ``cx`` (None:
        zeros) and the sequences ``xs`` (a list of ``(L_i, in_size)``
        arrays, any order); ``ys[i]`` is ``(L_i, out_size * directions)``."""
        (hy, cy), ys = self._call([hx, cx], xs, **kwargs)
        return hy, cy, ys


class NStepLSTM(NStepLSTMBase):
    """Stacked uni-directional LSTM over sequences (Chainer's ``L.NStepLSTM``).

    ``NStepLSTM(n_layers, in_size, out_size, dropout, *, initialW=None,
    initial_bias=None)``; ``hy, cy, ys = lstm(hx, cx, xs)``.

    >>> lstm = L.NStepLSTM(2, 3, 4, 0.0)
    >>> xs = [np.ones((5, 3), np.float32), np.ones((2, 3), np.float32)]
    >>> hy, cy, ys = lstm(None, None, xs)
    >>> hy.shape, [y.shape for y in ys]
    ((2, 2, 4), [(5, 4), (2, 4)])
    """

    def rnn(self, *args):
        return n_step_lstm(*args)


class NStepBiLSTM(NStepLSTMBase):
    """Stacked bi-directional LSTM over sequences (Chainer's ``L.NStepBiLSTM``).

    ``NStepBiLSTM(n_layers, in_size, out_size, dropout)``;
    ``hy, cy, ys = lstm(hx, cx, xs)`` with ``ys[i]`` of ``2 * out_size``
    features.

    >>> lstm = L.NStepBiLSTM(1, 4, 5, dropout=0.)
    >>> xs = [np.ones((3, 4), np.float32), np.ones((1, 4), np.float32)]
    >>> hy, cy, ys = lstm(None, None, xs)
    >>> hy.shape, cy.shape, [y.shape for y in ys]
    ((2, 2, 5), (2, 2, 5), [(3, 10), (1, 10)])
    """
    use_bi_direction = True

    def rnn(self, *args):
        return n_step_bilstm(*args)
