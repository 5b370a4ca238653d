"""F.n_step_lstm / bilstm / gru / bigru / rnn / birnn: forward against a NumPy
loop, gradients of every input (x, hx, cx, each weight and bias) in float64,
double backward, variable lengths, dropout, and bad input."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

# name -> (function, weights per direction, has a cell state, bidirectional, mode)
FUNCS = {
    'lstm': (F.n_step_lstm, 8, True, False, 'lstm'),
    'bilstm': (F.n_step_bilstm, 8, True, True, 'lstm'),
    'gru': (F.n_step_gru, 6, False, False, 'gru'),
    'bigru': (F.n_step_bigru, 6, False, True, 'gru'),
    'rnn_tanh': (F.n_step_rnn, 2, False, False, 'tanh'),
    'birnn_tanh': (F.n_step_birnn, 2, False, True, 'tanh'),
    'rnn_relu': (F.n_step_rnn, 2, False, False, 'relu'),
    'birnn_relu': (F.n_step_birnn, 2, False, True, 'relu'),
}


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _ref_cell(mode, x, h, c, w, b):
    if mode == 'lstm':
        g = [x @ w[j].T + b[j] + h @ w[4 + j].T + b[4 + j] for j in range(4)]
        c = _sigmoid(g[1]) * c + _sigmoid(g[0]) * numpy.tanh(g[2])
        return _sigmoid(g[3]) * numpy.tanh(c), c
    if mode == 'gru':
        r = _sigmoid(x @ w[0].T + b[0] + h @ w[3].T + b[3])
        z = _sigmoid(x @ w[1].T + b[1] + h @ w[4].T + b[4])
        n = numpy.tanh(x @ w[2].T + b[2] + r * (h @ w[5].T + b[5]))
        return (1 - z) * n + z * h, None
    pre = x @ w[0].T + b[0] + h @ w[1].T + b[1]
    return (numpy.tanh(pre) if mode == 'tanh' else numpy.maximum(pre, 0)), None


def _ref(mode, bi, n_layers, hx, cx, ws, bs, xs):
    """Step by step in NumPy: each sequence starts from hx and stops at its end."""
    dirs = 2 if bi else 1
    hy, cy = hx.copy(), None if cx is None else cx.copy()
    for layer in range(n_layers):
        outs = []
        for d in range(dirs):
            idx = layer * dirs + d
            h, c = hx[idx].copy(), None if cx is None else cx[idx].copy()
            ys = [None] * len(xs)
            order = range(len(xs))[::-1] if d else range(len(xs))
            for t in order:
                bt = len(xs[t])
                ht, ct = _ref_cell(mode, xs[t], h[:bt], None if c is None else c[:bt],
                                   ws[idx], bs[idx])
                h[:bt] = ht
                if c is not None:
                    c[:bt] = ct
                ys[t] = ht
            hy[idx] = h
            if c is not None:
                cy[idx] = c
            outs.append(ys)
        xs = [numpy.concatenate(p, axis=1) for p in zip(*outs)]
    return hy, cy, xs


def _make(name, n_layers=2, batches=(3, 2, 2, 1), in_size=3, n=4, hbatch=None,
          dtype=numpy.float64, seed=0):
    _, n_w, cell, bi, _ = FUNCS[name]
    rng = numpy.random.RandomState(seed)
    dirs = 2 if bi else 1
    hb = batches[0] if hbatch is None else hbatch
    hx = rng.uniform(-1, 1, (n_layers * dirs, hb, n)).astype(dtype)
    cx = rng.uniform(-1, 1, hx.shape).astype(dtype) if cell else None
    xs = [rng.uniform(-1, 1, (b, in_size)).astype(dtype) for b in batches]
    ws, bs = [], []
    for layer in range(n_layers):
        for _ in range(dirs):
            w_in = in_size if layer == 0 else n * dirs
            ws.append([rng.uniform(-1, 1, (n, w_in if j < n_w // 2 else n)).astype(dtype)
                       for j in range(n_w)])
            bs.append([rng.uniform(-1, 1, (n,)).astype(dtype) for _ in range(n_w)])
    return hx, cx, ws, bs, xs


def _call(name, n_layers, ratio, hx, cx, ws, bs, xs):
    fn, _, cell, _, mode = FUNCS[name]
    if cell:
        return fn(n_layers, ratio, hx, cx, ws, bs, xs)
    extra = {} if mode == 'gru' else {'activation': mode}
    hy, ys = fn(n_layers, ratio, hx, ws, bs, xs, **extra)
    return hy, None, ys


@pytest.mark.parametrize('name', sorted(FUNCS))
@pytest.mark.parametrize('batches', [(3, 2, 2, 1), (2, 2, 2), (1,), (4, 1)])
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_forward(name, batches, dtype):
    hx, cx, ws, bs, xs = _make(name, batches=batches, dtype=dtype)
    hy, cy, ys = _call(name, 2, 0.0, hx, cx, ws, bs, xs)
    cast = [numpy.asarray(a, numpy.float64) for a in (hx,)]
    rhy, rcy, rys = _ref(FUNCS[name][4], FUNCS[name][3], 2, cast[0],
                         None if cx is None else cx.astype(numpy.float64),
                         [[w.astype(numpy.float64) for w in l] for l in ws],
                         [[b.astype(numpy.float64) for b in l] for l in bs],
                         [x.astype(numpy.float64) for x in xs])
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == numpy.float32 else dict(rtol=1e-12, atol=1e-12)
    assert isinstance(ys, tuple) and len(ys) == len(xs)
    assert hy.dtype == dtype
    numpy.testing.assert_allclose(hy.array, rhy, **tol)
    if cx is not None:
        numpy.testing.assert_allclose(cy.array, rcy, **tol)
    for y, r in zip(ys, rys):
        assert y.dtype == dtype
        numpy.testing.assert_allclose(y.array, r, **tol)


@pytest.mark.parametrize('name', sorted(FUNCS))
def test_forward_hx_wider_than_first_step(name):
    # rows of hx beyond xs[0]'s batch have no steps: they pass through
    hx, cx, ws, bs, xs = _make(name, batches=(2, 1), hbatch=3)
    hy, cy, ys = _call(name, 2, 0.0, hx, cx, ws, bs, xs)
    numpy.testing.assert_array_equal(hy.array[:, 2], hx[:, 2])
    rhy, _, rys = _ref(FUNCS[name][4], FUNCS[name][3], 2, hx, cx, ws, bs, xs)
    numpy.testing.assert_allclose(hy.array, rhy, rtol=1e-12, atol=1e-12)


def _flat(name, n_layers, n_w, cell, n_x, ratio=0.0):
    """fn(*arrays) for gradient_check: (hx, [cx], xs..., ws..., bs...) -> outputs."""
    def fn(*args):
        k = 2 if cell else 1
        hx, cx = args[0], args[1] if cell else None
        xs = list(args[k:k + n_x])
        rest = args[k + n_x:]
        ws, bs = [], []
        for i in range(0, len(rest), 2 * n_w):
            ws.append(list(rest[i:i + n_w]))
            bs.append(list(rest[i + n_w:i + 2 * n_w]))
        hy, cy, ys = _call(name, n_layers, ratio, hx, cx, ws, bs, xs)
        return (hy,) + (() if cy is None else (cy,)) + tuple(ys)
    return fn


def _flat_inputs(hx, cx, ws, bs, xs):
    args = [hx] + ([] if cx is None else [cx]) + list(xs)
    for w, b in zip(ws, bs):
        args += list(w) + list(b)
    return args


@pytest.mark.parametrize('name', sorted(FUNCS))
@pytest.mark.parametrize('batches', [(3, 2, 2, 1), (2, 2)])
def test_backward(name, batches):
    _, n_w, cell, _, mode = FUNCS[name]
    hx, cx, ws, bs, xs = _make(name, batches=batches, in_size=2, n=3)
    args = _flat_inputs(hx, cx, ws, bs, xs)
    fn = _flat(name, 2, n_w, cell, len(xs))
    outs = fn(*args)
    rng = numpy.random.RandomState(1)
    gys = [rng.uniform(-1, 1, o.shape) for o in outs]
    check_backward(fn, tuple(args), tuple(gys), eps=1e-6, atol=1e-7, rtol=1e-6,
                   dtype=numpy.float64)


@pytest.mark.parametrize('name', sorted(FUNCS))
def test_backward_some_outputs_unused(name):
    # only ys (no gradient through hy / cy) and only hy
    _, n_w, cell, _, _ = FUNCS[name]
    hx, cx, ws, bs, xs = _make(name, n_layers=1, batches=(2, 1), in_size=2, n=2)
    args = _flat_inputs(hx, cx, ws, bs, xs)
    fn = _flat(name, 1, n_w, cell, len(xs))
    n_state = 2 if cell else 1

    def only_ys(*a):
        return fn(*a)[n_state:]

    def only_hy(*a):
        return fn(*a)[0]

    rng = numpy.random.RandomState(2)
    gys = [rng.uniform(-1, 1, o.shape) for o in only_ys(*args)]
    check_backward(only_ys, tuple(args), tuple(gys), eps=1e-6, atol=1e-7, rtol=1e-6)
    check_backward(only_hy, tuple(args), rng.uniform(-1, 1, hx.shape), eps=1e-6,
                   atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize('name', ['lstm', 'bigru', 'rnn_tanh', 'birnn_relu'])
def test_double_backward(name):
    _, n_w, cell, _, _ = FUNCS[name]
    hx, cx, ws, bs, xs = _make(name, n_layers=1, batches=(2, 1), in_size=2, n=2, seed=3)
    args = _flat_inputs(hx, cx, ws, bs, xs)
    fn = _flat(name, 1, n_w, cell, len(xs))
    rng = numpy.random.RandomState(4)
    outs = fn(*args)
    gys = tuple(rng.uniform(-1, 1, o.shape) for o in outs)
    ggs = tuple(rng.uniform(-1, 1, a.shape) for a in args)
    check_double_backward(fn, tuple(args), gys, ggs, eps=1e-5, atol=1e-6, rtol=1e-5)


def test_dropout_between_layers():
    hx, cx, ws, bs, xs = _make('lstm', n_layers=2, batches=(3, 2))
    with fastgrad.using_config('train', False):
        hy0, _, _ = F.n_step_lstm(2, 0.5, hx, cx, ws, bs, xs)
    ref = F.n_step_lstm(2, 0.0, hx, cx, ws, bs, xs)[0].array
    numpy.testing.assert_allclose(hy0.array, ref)
    # in training the second layer sees a different (dropped) input, the first does not
    numpy.random.seed(0)
    hy1, _, _ = F.n_step_lstm(2, 0.5, hx, cx, ws, bs, xs)
    numpy.testing.assert_allclose(hy1.array[0], ref[0])
    assert not numpy.allclose(hy1.array[1], ref[1])
    # the mask is the one of F.dropout: the same seed gives the same result
    numpy.random.seed(0)
    numpy.testing.assert_array_equal(F.n_step_lstm(2, 0.5, hx, cx, ws, bs, xs)[0].array,
                                     hy1.array)


def test_dropout_gradient():
    # with the mask fixed by the seed, the gradient is that of a fixed function
    _, n_w, cell, _, _ = FUNCS['lstm']
    hx, cx, ws, bs, xs = _make('lstm', n_layers=2, batches=(2, 1), in_size=2, n=2)
    args = _flat_inputs(hx, cx, ws, bs, xs)
    inner = _flat('lstm', 2, n_w, cell, len(xs), ratio=0.3)

    def fn(*a):
        numpy.random.seed(5)
        return inner(*a)
    rng = numpy.random.RandomState(6)
    gys = tuple(rng.uniform(-1, 1, o.shape) for o in fn(*args))
    check_backward(fn, tuple(args), gys, eps=1e-6, atol=1e-7, rtol=1e-6)


def test_variables_in_and_grads_out():
    hx, cx, ws, bs, xs = _make('lstm', n_layers=1, batches=(2, 1))
    xv = [Variable(x) for x in xs]
    wv = [[Variable(w) for w in l] for l in ws]
    hy, cy, ys = F.n_step_lstm(1, 0.0, Variable(hx), Variable(cx), wv, bs, xv)
    F.sum(hy).backward()
    assert all(x.grad is not None and x.grad.shape == x.shape for x in xv)
    assert all(w.grad is not None for w in wv[0])


@pytest.mark.parametrize('name', sorted(FUNCS))
def test_float16_forward(name):
    hx, cx, ws, bs, xs = _make(name, batches=(2, 1), dtype=numpy.float16)
    hy, cy, ys = _call(name, 2, 0.0, hx, cx, ws, bs, xs)
    assert hy.dtype == numpy.float16 and ys[0].dtype == numpy.float16
    d = numpy.float64
    rhy, _, rys = _ref(FUNCS[name][4], FUNCS[name][3], 2, hx.astype(d),
                       None if cx is None else cx.astype(d),
                       [[w.astype(d) for w in l] for l in ws],
                       [[b.astype(d) for b in l] for l in bs], [x.astype(d) for x in xs])
    numpy.testing.assert_allclose(hy.array.astype(d), rhy, rtol=2e-2, atol=2e-2)
    numpy.testing.assert_allclose(ys[0].array.astype(d), rys[0], rtol=2e-2, atol=2e-2)


# -- bad input

def test_error_input_size_mismatch():
    hx, cx, ws, bs, xs = _make('lstm', in_size=3)
    xs = [numpy.zeros((len(x), 4)) for x in xs]
    with pytest.raises(ValueError, match='Inconsistent input size.*4 != 3'):
        F.n_step_lstm(2, 0.0, hx, cx, ws, bs, xs)


def test_error_unsorted_batches():
    hx, cx, ws, bs, xs = _make('gru', batches=(2, 3))
    with pytest.raises(ValueError, match='n_step_gru: xs must be sorted'):
        F.n_step_gru(2, 0.0, hx, ws, bs, xs)


def test_error_wrong_number_of_layers():
    hx, cx, ws, bs, xs = _make('lstm', n_layers=2)
    with pytest.raises(ValueError, match='n_step_lstm: expected 1 lists'):
        F.n_step_lstm(1, 0.0, hx[:1], cx[:1], ws, bs, xs)
    with pytest.raises(ValueError, match='n_step_bilstm: expected 4 lists'):
        F.n_step_bilstm(2, 0.0, hx, cx, ws, bs, xs)


def test_error_wrong_number_of_weights():
    hx, cx, ws, bs, xs = _make('gru', n_layers=1)
    with pytest.raises(ValueError, match=r'n_step_rnn: ws\[0\] and bs\[0\] must hold 2'):
        F.n_step_rnn(1, 0.0, hx, ws, bs, xs)


def test_error_hx_shape():
    hx, cx, ws, bs, xs = _make('lstm', n_layers=2)
    with pytest.raises(InvalidType, match='hx.shape'):
        F.n_step_lstm(2, 0.0, hx[:1], cx, ws, bs, xs)
    with pytest.raises(InvalidType, match='cx.shape == hx.shape'):
        F.n_step_lstm(2, 0.0, hx, cx[:, :, :2], ws, bs, xs)
    with pytest.raises(InvalidType, match='NStepLSTMLayer'):
        F.n_step_lstm(2, 0.0, hx[:, :1], cx[:, :1], ws, bs, xs)


def test_error_weight_shape():
    hx, cx, ws, bs, xs = _make('lstm', n_layers=2)
    ws[1][5] = numpy.zeros((4, 3))
    with pytest.raises(InvalidType, match='NStepLSTMLayer'):
        F.n_step_lstm(2, 0.0, hx, cx, ws, bs, xs)
    hx, cx, ws, bs, xs = _make('lstm', n_layers=1)
    bs[0][2] = numpy.zeros(5)
    with pytest.raises(InvalidType, match='NStepLSTMLayer'):
        F.n_step_lstm(1, 0.0, hx, cx, ws, bs, xs)


def test_error_dtype_mismatch():
    hx, cx, ws, bs, xs = _make('gru', n_layers=1)
    with pytest.raises(InvalidType, match='NStepGRULayer'):
        F.n_step_gru(1, 0.0, hx.astype(numpy.float32), ws, bs, xs)


def test_error_arguments():
    hx, cx, ws, bs, xs = _make('rnn_tanh', n_layers=1)
    with pytest.raises(ValueError, match='Invalid activation'):
        F.n_step_rnn(1, 0.0, hx, ws, bs, xs, activation='sigmoid')
    with pytest.raises(ValueError, match='train argument is not supported'):
        F.n_step_rnn(1, 0.0, hx, ws, bs, xs, train=True)
    with pytest.raises(TypeError, match='unexpected keyword'):
        F.n_step_rnn(1, 0.0, hx, ws, bs, xs, foo=1)
    with pytest.raises(ValueError, match='at least one time step'):
        F.n_step_rnn(1, 0.0, hx, ws, bs, [])


@pytest.mark.parametrize('name', sorted(FUNCS))
@pytest.mark.parametrize('hbatch', [None, 3])
def test_double_backprop_path_matches_fast_path(name, hbatch):
    # the gradient written on Variables (double backprop) equals the fast one
    _, n_w, cell, _, _ = FUNCS[name]
    hx, cx, ws, bs, xs = _make(name, batches=(2, 2, 1), hbatch=hbatch, seed=7)
    args = [Variable(a) for a in _flat_inputs(hx, cx, ws, bs, xs)]
    fn = _flat(name, 2, n_w, cell, len(xs))
    rng = numpy.random.RandomState(8)
    outs = fn(*args)
    gys = [rng.uniform(-1, 1, o.shape) for o in outs]
    fast = fastgrad.grad(list(outs), args, gys)
    slow = fastgrad.grad(list(outs), args, [Variable(g) for g in gys],
                         enable_double_backprop=True)
    for a, b in zip(fast, slow):
        numpy.testing.assert_allclose(a.array, b.array, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('name', ['lstm', 'bigru', 'rnn_relu'])
def test_backward_constant_weights(name):
    # weights as constants: only x, hx (and cx) get gradients
    _, n_w, cell, _, _ = FUNCS[name]
    hx, cx, ws, bs, xs = _make(name, n_layers=1, batches=(2, 1), in_size=2, n=2)
    k = 2 if cell else 1

    def fn(*a):
        hx, cx = a[0], a[1] if cell else None
        hy, cy, ys = _call(name, 1, 0.0, hx, cx, ws, bs, list(a[k:]))
        return (hy,) + tuple(ys)
    args = [hx] + ([cx] if cell else []) + xs
    rng = numpy.random.RandomState(3)
    gys = tuple(rng.uniform(-1, 1, o.shape) for o in fn(*args))
    check_backward(fn, tuple(args), gys, eps=1e-6, atol=1e-7, rtol=1e-6)
