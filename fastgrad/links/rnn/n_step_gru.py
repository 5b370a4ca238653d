"""NStepGRU / NStepBiGRU links (weights ``w0..w5``, ``b0..b5`` per layer, as Chainer)."""
from fastgrad.functions.rnn.n_step_gru import n_step_bigru, n_step_gru
from fastgrad.links.rnn.n_step_rnn import NStepRNNBase


class NStepGRUBase(NStepRNNBase):
    """Base of the NStep GRU links: six weights per layer and direction."""
    n_weights = 6


class NStepGRU(NStepGRUBase):
    """Stacked uni-directional GRU over sequences (Chainer's ``L.NStepGRU``).

    ``NStepGRU(n_layers, in_size, out_size, dropout)``; ``hy, ys = gru(hx, xs)``.

    >>> gru = L.NStepGRU(2, 4, 5, dropout=0.)
    >>> xs = [np.ones((3, 4), np.float32), np.ones((1, 4), np.float32)]
    >>> hy, ys = gru(None, xs)
    >>> hy.shape, [y.shape for y in ys]
    ((2, 2, 5), [(3, 5), (1, 5)])
    """

    def rnn(self, *args):
        return n_step_gru(*args)


class NStepBiGRU(NStepGRUBase):
    """Stacked bi-directional GRU over sequences (Chainer's ``L.NStepBiGRU``).

    ``NStepBiGRU(n_layers, in_size, out_size, dropout)``; ``hy, ys = gru(hx, xs)``
    with ``ys[i]`` of ``2 * out_size`` features.

    >>> gru = L.NStepBiGRU(2, 4, 5, dropout=0.)
    >>> xs = [np.ones((3, 4), np.float32), np.ones((1, 4), np.float32)]
    >>> hy, ys = gru(None, xs)
    >>> hy.shape, [y.shape for y in ys]  # 2 layers x 2 directions
    ((4, 2, 5), [(3, 10), (1, 10)])
    """
    use_bi_direction = True

    def rnn(self, *args):
        return n_step_bigru(*args)
