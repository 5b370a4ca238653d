"""n_step_gru / n_step_bigru: stacked GRUs over variable-length sequences."""
from fastgrad.functions.rnn.n_step_rnn import _check_kwargs, _n_step


def n_step_gru(n_layers, dropout_ratio, hx, ws, bs, xs, **kwargs):
    """Stacked uni-directional GRU over variable-length sequences.

    Per layer, with ``W_0..W_2`` on the input and ``W_3..W_5`` on ``h``::

        r = sigmoid(W_0 x_t + b_0 + W_3 h_{t-1} + b_3)
        z = sigmoid(W_1 x_t + b_1 + W_4 h_{t-1} + b_4)
        n = tanh(W_2 x_t + b_2 + r (W_5 h_{t-1} + b_5))
        h_t = (1 - z) n + z h_{t-1}

    Args:
        n_layers (int): number of layers ``S``.
        dropout_ratio (float): dropout ratio on the inputs of layers ``1..S-1``.
        hx: initial hidden states, ``(S, B, N)``.
        ws (list of lists): ``ws[k]`` holds the six matrices of layer ``k``:
            ``W_0..W_2`` are ``(N, I)`` in layer 0 and ``(N, N)`` after,
            ``W_3..W_5`` are ``(N, N)``.
        bs (list of lists): ``bs[k]`` holds the six ``(N,)`` biases.
        xs (list): the input of each time step, ``xs[t]`` of shape
            ``(B_t, I)`` with ``B_t`` non-increasing.

    Returns:
        tuple: ``(hy, ys)``: the final hidden states and the last layer's
        output of every step, ``ys[t]`` of shape ``(B_t, N)``.

    >>> xs = [np.ones((2, 2), np.float32), np.ones((1, 2), np.float32)]
    >>> W, U = np.zeros((3, 2), np.float32), np.zeros((3, 3), np.float32)
    >>> b = np.zeros(3, np.float32)
    >>> ws, bs = [[W, W, W, U, U, U]], [[b, b, np.ones(3, np.float32), b, b, b]]
    >>> hy, ys = F.n_step_gru(1, 0., np.zeros((1, 2, 3), np.float32), ws, bs, xs)
    >>> np.round(hy.array[0, :, 0], 4)  # z = 0.5, n = tanh(1)
    array([0.5712, 0.3808], dtype=float32)
    """
    _check_kwargs('n_step_gru', kwargs)
    hy, _, ys = _n_step('n_step_gru', 'gru', n_layers, dropout_ratio, hx, None, ws, bs, xs,
                        False)
    return hy, ys


def n_step_bigru(n_layers, dropout_ratio, hx, ws, bs, xs, **kwargs):
    """Stacked bi-directional GRU over variable-length sequences.

    As :func:`n_step_gru`, with a forward and a backward GRU per layer whose
    outputs are concatenated (``2N`` features) as the next layer's input.

    Args:
        n_layers (int): number of layers ``S``.
        dropout_ratio (float): dropout ratio on the inputs of layers ``1..S-1``.
        hx: initial hidden states, ``(2S, B, N)``; ``hx[2k + d]`` for layer
            ``k``, direction ``d`` (0 forward, 1 backward).
        ws (list of lists): ``ws[2k + d]``: six matrices; ``W_0..W_2`` are
            ``(N, I)`` in layer 0 and ``(N, 2N)`` after.
        bs (list of lists): ``bs[2k + d]``: six ``(N,)`` biases.
        xs (list): the input of each time step (see :func:`n_step_gru`).

    Returns:
        tuple: ``(hy, ys)`` with ``ys[t]`` of shape ``(B_t, 2N)``.

    >>> xs = [np.ones((2, 2), np.float32), np.ones((1, 2), np.float32)]
    >>> W, U = np.zeros((3, 2), np.float32), np.zeros((3, 3), np.float32)
    >>> b = np.zeros(3, np.float32)
    >>> ws, bs = [[W, W, W, U, U, U]] * 2, [[b] * 6] * 2
    >>> hy, ys = F.n_step_bigru(1, 0., np.zeros((2, 2, 3), np.float32), ws, bs, xs)
    >>> hy.shape, [y.shape for y in ys]
    ((2, 2, 3), [(2, 6), (1, 6)])
    """
    _check_kwargs('n_step_bigru', kwargs)
    hy, _, ys = _n_step('n_step_bigru', 'gru', n_layers, dropout_ratio, hx, None, ws, bs, xs,
                        True)
    return hy, ys
