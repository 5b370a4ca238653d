"""n_step_lstm / n_step_bilstm: stacked LSTMs over variable-length sequences."""
from fastgrad.functions.rnn.n_step_rnn import _check_kwargs, _n_step


def n_step_lstm(n_layers, dropout_ratio, hx, cx, ws, bs, xs, **kwargs):
    """Stacked uni-directional LSTM over variable-length sequences.

    Per layer, with ``W_0..W_3`` on the input and ``W_4..W_7`` on ``h``::

        i = sigmoid(W_0 x_t + W_4 h_{t-1} + b_0 + b_4)
        f = sigmoid(W_1 x_t + W_5 h_{t-1} + b_1 + b_5)
        a = tanh(W_2 x_t + W_6 h_{t-1} + b_2 + b_6)
        o = sigmoid(W_3 x_t + W_7 h_{t-1} + b_3 + b_7)
        c_t = f c_{t-1} + i a,  h_t = o tanh(c_t)

    Layer ``k > 0`` reads layer ``k - 1``'s outputs through dropout.  Each
    layer runs all its time steps in one op (see ``n_step_rnn.py``).

    Args:
        n_layers (int): number of layers ``S``.
        dropout_ratio (float): dropout ratio on the inputs of layers ``1..S-1``.
        hx: initial hidden states, ``(S, B, N)``.
        cx: initial cell states, ``(S, B, N)``.
        ws (list of lists): ``ws[k]`` holds the eight matrices of layer ``k``:
            ``W_0..W_3`` are ``(N, I)`` in layer 0 and ``(N, N)`` after,
            ``W_4..W_7`` are ``(N, N)``.
        bs (list of lists): ``bs[k]`` holds the eight ``(N,)`` biases.
        xs (list): the input of each time step, ``xs[t]`` of shape
            ``(B_t, I)`` with ``B_t`` non-increasing (sort the sequences by
            length, longest first, and use :func:`transpose_sequence`).

    Returns:
        tuple: ``(hy, cy, ys)``: the final hidden and cell states (shape of
        ``hx``; each sequence's state after its last step) and the last
        layer's output of every step, ``ys[t]`` of shape ``(B_t, N)``.

    >>> S, B, N, I = 2, 3, 4, 5
    >>> hx = np.zeros((S, B, N), np.float32)
    >>> ws = [[np.ones((N, I if k == 0 and j < 4 else N), np.float32) * .1
    ...        for j in range(8)] for k in range(S)]
    >>> bs = [[np.zeros(N, np.float32) for j in range(8)] for k in range(S)]
    >>> xs = [np.ones((B, I), np.float32), np.ones((2, I), np.float32)]
    >>> hy, cy, ys = F.n_step_lstm(S, 0.0, hx, hx, ws, bs, xs)
    >>> hy.shape, [y.shape for y in ys]
    ((2, 3, 4), [(3, 4), (2, 4)])
    """
    _check_kwargs('n_step_lstm', kwargs)
    return _n_step('n_step_lstm', 'lstm', n_layers, dropout_ratio, hx, cx, ws, bs, xs, False)


def n_step_bilstm(n_layers, dropout_ratio, hx, cx, ws, bs, xs, **kwargs):
    """Stacked bi-directional LSTM over variable-length sequences.

    As :func:`n_step_lstm`, with a forward and a backward LSTM per layer
    whose outputs are concatenated (``2N`` features) as the next layer's
    input.

    Args:
        n_layers (int): number of layers ``S``.
        dropout_ratio (float): dropout ratio on the inputs of layers ``1..S-1``.
        hx: initial hidden states, ``(2S, B, N)``; ``hx[2k + d]`` for layer
            ``k``, direction ``d`` (0 forward, 1 backward).
        cx: initial cell states, same shape.
        ws (list of lists): ``ws[2k + d]``: eight matrices; ``W_0..W_3`` are
            ``(N, I)`` in layer 0 and ``(N, 2N)`` after.
        bs (list of lists): ``bs[2k + d]``: eight ``(N,)`` biases.
        xs (list): the input of each time step (see :func:`n_step_lstm`).

    Returns:
        tuple: ``(hy, cy, ys)`` with ``ys[t]`` of shape ``(B_t, 2N)``.

    >>> xs = [np.ones((2, 2), np.float32), np.ones((1, 2), np.float32)]
    >>> W, U = np.zeros((3, 2), np.float32), np.zeros((3, 3), np.float32)
    >>> b = np.zeros(3, np.float32)
    >>> ws, bs = [[W] * 4 + [U] * 4] * 2, [[b] * 8] * 2
    >>> hx = cx = np.zeros((2, 2, 3), np.float32)
    >>> hy, cy, ys = F.n_step_bilstm(1, 0., hx, cx, ws, bs, xs)
    >>> hy.shape, cy.shape, [y.shape for y in ys]
    ((2, 2, 3), (2, 2, 3), [(2, 6), (1, 6)])
    """
    _check_kwargs('n_step_bilstm', kwargs)
    return _n_step('n_step_bilstm', 'lstm', n_layers, dropout_ratio, hx, cx, ws, bs, xs, True)
