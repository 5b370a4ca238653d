"""Randomized misuse of the BLAS layer and the engine (issue #9): random
shapes, dtypes, strides, offsets, read-only and aliased buffers, wrong
gradients and retain indexes.  The loop runs in its own interpreter, printing
each case before it runs it: a signal fails the test and names the case;
otherwise every call must either give NumPy's float64 answer or raise a
Python exception.  Budget: FASTGRAD_FUZZ_EXAMPLES (default 150) per part."""
import os

import pytest

pytest.importorskip('hypothesis')

COMMON = '''
import sys
from hypothesis import given, settings, strategies as st, HealthCheck
from fastgrad._core import blas
EXAMPLES = {n}
SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))
DTYPES = [np.float32, np.float64, np.float16, np.int32]

def case(*what):
    print('case', *what, flush=True)

def laid_out(draw, shape, dtype):
    """An array of the given values in a random layout."""
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    values = rng.randint(-3, 4, size=shape).astype(dtype)
    kind = draw(st.sampled_from(['C', 'F', 'strided', 'reversed', 'offset', 'broadcast',
                                 'readonly']))
    if kind == 'F':
        return np.asfortranarray(values), kind
    if kind == 'strided' and values.ndim:
        big = np.zeros(tuple(2 * s + 1 for s in shape), dtype)
        view = big[tuple(slice(1, None, 2) for _ in shape)]
        view[...] = values
        return view, kind
    if kind == 'reversed' and values.ndim:
        return np.ascontiguousarray(values[::-1])[::-1], kind
    if kind == 'offset':
        buf = np.zeros(values.size + 1, dtype)[1:].reshape(shape)
        buf[...] = values
        return buf, kind
    if kind == 'broadcast' and values.ndim and shape[0] > 0:
        row = values[:1]
        return np.broadcast_to(row, shape), kind     # read-only, zero stride
    if kind == 'readonly':
        values.flags.writeable = False
    return values, kind
'''

BLAS = '''
@st.composite
def operands(draw):
    m, n, k = (draw(st.integers(0, 5)) for _ in range(3))
    batch = draw(st.sampled_from([(), (2,), (1,), (3, 1)]))
    da, db = draw(st.sampled_from(DTYPES)), draw(st.sampled_from(DTYPES))
    kb = k if draw(st.integers(0, 9)) else k + 1            # sometimes misaligned
    a, la = laid_out(draw, batch + (m, k), da)
    b, lb = laid_out(draw, (kb, n), db)
    out_kind = draw(st.sampled_from(['none', 'fresh', 'readonly', 'alias', 'wrong']))
    return a, la, b, lb, out_kind

@SETTINGS
@given(operands())
def fuzz_blas(ops):
    a, la, b, lb, out_kind = ops
    case('matmul', a.shape, a.dtype, la, b.shape, b.dtype, lb, out_kind)
    expected = None
    try:
        expected = np.matmul(a.astype(np.float64), b.astype(np.float64))
    except ValueError:
        pass
    a_before = a.copy()
    out = None
    if out_kind == 'fresh' and expected is not None:
        out = np.zeros(expected.shape, a.dtype)
    elif out_kind == 'readonly' and expected is not None:
        out = np.zeros(expected.shape, a.dtype); out.flags.writeable = False
    elif out_kind == 'alias' and expected is not None and a.shape == expected.shape \\
            and a.flags.writeable:
        out = a
    elif out_kind == 'wrong':
        out = np.zeros((7,), a.dtype)
    try:
        got = fastgrad.utils.matmul(a, b, out=out)
    except (TypeError, ValueError):
        return
    assert expected is not None, 'accepted misaligned operands'
    np.testing.assert_allclose(got.astype(np.float64), expected, rtol=1e-2, atol=1e-2)
    if a.ndim == 2 and b.ndim == 2:
        a = a_before                     # out may have been a
        for fn, args in (('linear_forward', (a, b.T)), ('linear_grad_x', (a, b)),
                         ('linear_grad_W', (a.T, b))):
            case(fn)
            try:
                got = getattr(blas, fn)(*args)
            except (TypeError, ValueError):
                continue
            np.testing.assert_allclose(got.astype(np.float64), expected, rtol=1e-2, atol=1e-2)

fuzz_blas()
print('blas done')
'''

ENGINE = '''
class Retain(fastgrad.FunctionNode):
    def __init__(self, ins, outs):
        self.ins, self.outs = ins, outs
    def forward(self, xs):
        self.retain_inputs(self.ins)
        self.retain_outputs(self.outs)
        return xs[0] * xs[1], xs[0] + xs[1]
    def backward(self, indexes, gys):
        self.get_retained_inputs(); self.get_retained_outputs()
        g = sum(g for g in gys if g is not None)
        return tuple(g for _ in indexes)

@SETTINGS
@given(st.data())
def fuzz_engine(data):
    draw = data.draw
    x = fastgrad.Variable(np.ones((2, 3), np.float32))
    W = fastgrad.Parameter(np.ones((4, 3), np.float32))
    y = F.linear(x, W)
    shape = draw(st.sampled_from([(2, 4), (2, 5), (4, 2), (2,), (), (2, 4, 1), (0, 4)]))
    dtype = draw(st.sampled_from(DTYPES))
    g, layout = laid_out(draw, shape, dtype)
    how = draw(st.sampled_from(['attr', 'backward', 'grad', 'grad_var']))
    case('grad', how, shape, dtype, layout)
    try:
        if how == 'attr':
            y.grad = g
            y.backward()
        elif how == 'backward':
            fastgrad.backward([y], [g])
        elif how == 'grad':
            fastgrad.grad([y], [x, W], grad_outputs=[g])
        else:
            y.grad_var = fastgrad.Variable(g)
            y.backward()
    except (TypeError, ValueError):
        pass
    else:
        assert shape == (2, 4) and dtype == np.float32, 'accepted a wrong gradient'
        if how != 'grad':
            assert W.grad.shape == (4, 3) and x.grad.shape == (2, 3)
    ins = tuple(draw(st.lists(st.integers(-4, 4), max_size=3)))
    outs = tuple(draw(st.lists(st.integers(-4, 4), max_size=3)))
    case('retain', ins, outs)
    a = fastgrad.Variable(np.ones(3)); b = fastgrad.Variable(np.ones(3))
    try:
        p, q = Retain(ins, outs).apply((a, b))
        F.sum(p + q).backward()
    except (IndexError, TypeError, ValueError):
        pass

fuzz_engine()
print('engine done')
'''


def _examples():
    return int(os.environ.get('FASTGRAD_FUZZ_EXAMPLES', '150'))


@pytest.mark.parametrize('part', ['blas', 'engine'])
def test_fuzz(part, run_python):
    body = BLAS if part == 'blas' else ENGINE
    out = run_python(COMMON.format(n=_examples()) + body, timeout=600)
    assert out.splitlines()[-1] == part + ' done'
