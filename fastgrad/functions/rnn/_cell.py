"""Helpers shared by the LSTM-like cells (lstm, slstm, tree_lstm)."""


def interleaved_gates(x):
    """a, i, f, o as Chainer's ``lstm``/``slstm`` lay them out: gate ``k`` of
    unit ``u`` is ``x[:, 4 * u + k]`` (``x.reshape(N, C // 4, 4, ...)[:, :, k]``)."""
    r = x.reshape((x.shape[0], x.shape[1] // 4, 4) + x.shape[2:])
    return r[:, :, 0], r[:, :, 1], r[:, :, 2], r[:, :, 3]


def sigmoid(x, xp):
    """The logistic function in its tanh form: no overflow for large ``|x|``."""
    y = xp.tanh(x * 0.5)
    y *= 0.5
    y += 0.5
    return y
