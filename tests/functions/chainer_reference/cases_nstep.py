"""n-step RNN cases compared with Chainer 7.8.1 (see cases.py for the format).

Each case is a function of the flat inputs ``hx, [cx], xs..., then per layer
and direction its weights and biases``; the outputs (hy, [cy], ys...) are
flattened and concatenated into one Variable."""
import numpy

LAYERS, IN, UNITS, BATCHES = 2, 3, 2, (3, 2, 2, 1)


def _flat_case(F, fn, n_w, cell, dirs, activation=None):
    rng = numpy.random.RandomState(n_w * 10 + dirs + (activation == 'relu'))
    hx = rng.uniform(-1, 1, (LAYERS * dirs, BATCHES[0], UNITS))
    inputs = [hx] + ([rng.uniform(-1, 1, hx.shape)] if cell else [])
    inputs += [rng.uniform(-1, 1, (b, IN)) for b in BATCHES]
    for layer in range(LAYERS):
        for _ in range(dirs):
            w_in = IN if layer == 0 else UNITS * dirs
            inputs += [rng.uniform(-1, 1, (UNITS, w_in if j < n_w // 2 else UNITS))
                       for j in range(n_w)]
            inputs += [rng.uniform(-1, 1, (UNITS,)) for _ in range(n_w)]
    k = 2 if cell else 1
    n_x = len(BATCHES)

    def f(*a):
        hx = a[0]
        xs = list(a[k:k + n_x])
        rest = a[k + n_x:]
        ws = [list(rest[i:i + n_w]) for i in range(0, len(rest), 2 * n_w)]
        bs = [list(rest[i + n_w:i + 2 * n_w]) for i in range(0, len(rest), 2 * n_w)]
        if cell:
            hy, cy, ys = fn(LAYERS, 0.0, hx, a[1], ws, bs, xs)
            outs = [hy, cy] + list(ys)
        else:
            extra = {} if activation is None else {'activation': activation}
            hy, ys = fn(LAYERS, 0.0, hx, ws, bs, xs, **extra)
            outs = [hy] + list(ys)
        return F.concat([F.reshape(o, (-1,)) for o in outs], axis=0)
    return f, inputs, len(inputs), {'rtol': 1e-10}


def _transpose_case(F):
    rng = numpy.random.RandomState(5)
    inputs = [rng.randn(n, 2) for n in (4, 2, 2, 1)]

    def f(*xs):
        return F.concat([F.reshape(y, (-1,)) for y in F.transpose_sequence(xs)], axis=0)
    return f, inputs, len(inputs)


def cases(F):
    return {
        'n_step_lstm': _flat_case(F, F.n_step_lstm, 8, True, 1),
        'n_step_bilstm': _flat_case(F, F.n_step_bilstm, 8, True, 2),
        'n_step_gru': _flat_case(F, F.n_step_gru, 6, False, 1),
        'n_step_bigru': _flat_case(F, F.n_step_bigru, 6, False, 2),
        'n_step_rnn_tanh': _flat_case(F, F.n_step_rnn, 2, False, 1, 'tanh'),
        'n_step_rnn_relu': _flat_case(F, F.n_step_rnn, 2, False, 1, 'relu'),
        'n_step_birnn_tanh': _flat_case(F, F.n_step_birnn, 2, False, 2, 'tanh'),
        'n_step_birnn_relu': _flat_case(F, F.n_step_birnn, 2, False, 2, 'relu'),
        'transpose_sequence': _transpose_case(F),
    }
