"""F.connectionist_temporal_classification: values against enumerating every
alignment, the gradient (numerical, float64), lengths, dtypes, errors."""
import itertools

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad.gradient_check import check_backward
from fastgrad.utils.type_check import InvalidType

CTC = F.connectionist_temporal_classification


def _collapse(a, blank):
    out, prev = [], None
    for c in a:
        if c != prev and c != blank:
            out.append(c)
        prev = c
    return out


def _brute(x, t, blank, il, ll):
    """-log p(t | x) summed over every alignment (tiny T and V only)."""
    loss = []
    for b in range(x.shape[1]):
        y = numpy.exp(x[:il[b], b] - x[:il[b], b].max(axis=1, keepdims=True))
        y /= y.sum(axis=1, keepdims=True)
        p = 0.0
        for a in itertools.product(range(x.shape[2]), repeat=int(il[b])):
            if _collapse(a, blank) == list(t[b, :ll[b]]):
                p += numpy.prod([y[i, a[i]] for i in range(il[b])])
        loss.append(-numpy.log(p) if p > 0 else numpy.inf)
    return numpy.array(loss)


def _data(seed=0, T=5, V=4):
    rng = numpy.random.RandomState(seed)
    x = rng.randn(T, 3, V)
    t = numpy.array([[1, 2], [3, 3], [2, 1]], numpy.int32)
    il = numpy.array([T, T - 1, 3], numpy.int32)
    ll = numpy.array([2, 2, 1], numpy.int32)
    return x, t, il, ll


@pytest.mark.parametrize('blank', [0, 3])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_matches_enumeration(blank, reduce):
    x, t, il, ll = _data()
    t = numpy.where(t == blank, (blank + 1) % 4, t).astype(numpy.int32)
    expect = _brute(x, t, blank, il, ll)
    loss = CTC([fastgrad.Variable(v) for v in x], t, blank, il, ll, reduce=reduce)
    if reduce == 'mean':
        expect = expect.mean()
    assert loss.shape == numpy.shape(expect) and loss.dtype == numpy.float64
    numpy.testing.assert_allclose(loss.array, expect, rtol=1e-12)


def test_default_lengths_and_empty_label():
    x, t, _, _ = _data(1, T=4, V=3)
    t = numpy.array([[1, 2], [2, 2], [1, 1]], numpy.int32)
    full_il = numpy.full(3, 4, numpy.int32)
    full_ll = numpy.full(3, 2, numpy.int32)
    numpy.testing.assert_allclose(CTC(list(x), t, 0, reduce='no').array,
                                  _brute(x, t, 0, full_il, full_ll), rtol=1e-12)
    ll = numpy.array([0, 1, 2], numpy.int32)      # label_length 0: all blanks
    numpy.testing.assert_allclose(CTC(list(x), t, 0, full_il, ll, reduce='no').array,
                                  _brute(x, t, 0, full_il, ll), rtol=1e-12)


def test_infeasible_is_infinite_with_zero_gradient():
    x, _, _, _ = _data(2, T=3, V=3)
    t = numpy.array([[1, 1], [1, 2], [2, 2]], numpy.int32)   # 1,1 needs 3 steps
    il = numpy.array([2, 3, 3], numpy.int32)
    xs = [fastgrad.Variable(v) for v in x]
    loss = CTC(xs, t, 0, il, reduce='no')
    assert numpy.isinf(loss.array[0]) and numpy.isfinite(loss.array[1:]).all()
    F.sum(loss[1:]).backward()
    g = numpy.stack([v.grad for v in xs])
    assert numpy.isfinite(g).all() and (g[:, 0] == 0).all()


@pytest.mark.parametrize('reduce', ['mean', 'no'])
def test_gradient(reduce):
    x, t, il, ll = _data(3)
    gy = numpy.asarray(numpy.random.RandomState(4).randn(*([] if reduce == 'mean' else [3])))

    def f(*xs):
        return CTC(list(xs), t, 0, il, ll, reduce=reduce)
    check_backward(f, tuple(x), gy)


def test_gradient_zero_past_input_length():
    x, t, il, ll = _data(5)
    xs = [fastgrad.Variable(v) for v in x]
    CTC(xs, t, 0, il, ll).backward()
    assert (xs[4].grad[1:] == 0).all() and (xs[3].grad[2] == 0).all()
    assert (xs[0].grad != 0).all()


@pytest.mark.parametrize('dtype,tol', [(numpy.float16, 2e-2), (numpy.float32, 1e-5)])
def test_low_precision(dtype, tol):
    x, t, il, ll = _data(6)
    xs = [fastgrad.Variable(v.astype(dtype)) for v in x]
    loss = CTC(xs, t, 0, il, ll, reduce='no')
    assert loss.dtype == dtype
    numpy.testing.assert_allclose(loss.array.astype(float), _brute(x, t, 0, il, ll),
                                  rtol=tol, atol=tol)
    F.sum(loss).backward()
    assert xs[0].grad.dtype == dtype


def test_long_sequence_stays_finite():
    """Log space: a long input whose probability underflows float64 linearly."""
    rng = numpy.random.RandomState(7)
    x = rng.randn(400, 2, 6) * 5
    t = rng.randint(1, 6, (2, 30)).astype(numpy.int32)
    xs = [fastgrad.Variable(v) for v in x]
    loss = CTC(xs, t, 0, reduce='no')
    assert numpy.isfinite(loss.array).all() and (loss.array > 745).any()
    F.sum(loss).backward()
    assert all(numpy.isfinite(v.grad).all() for v in xs)


def test_errors():
    x, t, il, ll = _data()
    xs = list(x)
    with pytest.raises(TypeError, match='connectionist_temporal_classification: x must'):
        CTC(fastgrad.Variable(x), t, 0)
    with pytest.raises(TypeError, match='blank_symbol'):
        CTC(xs, t, 0.5)
    with pytest.raises(ValueError, match="only 'mean' and 'no'"):
        CTC(xs, t, 0, reduce='sum')
    with pytest.raises(ValueError, match='connectionist_temporal_classification: blank'):
        CTC(xs, t, 4)
    with pytest.raises(ValueError, match='connectionist_temporal_classification: labels'):
        CTC(xs, numpy.array([[1, 4], [1, 1], [2, 1]], numpy.int32), 0)
    with pytest.raises(ValueError, match='connectionist_temporal_classification: input_length'):
        CTC(xs, t, 0, numpy.array([6, 5, 5], numpy.int32))
    with pytest.raises(ValueError, match='connectionist_temporal_classification: label_length'):
        CTC(xs, t, 0, il, numpy.array([3, 1, 1], numpy.int32))
    with pytest.raises(InvalidType, match='t.dtype.name'):
        CTC(xs, t.astype(numpy.int64), 0)
    with pytest.raises(InvalidType, match='input_length.shape'):
        CTC(xs, t, 0, il[:2])
    with pytest.raises(InvalidType, match='x\\[0\\].ndim'):
        CTC([v[0] for v in xs], t, 0)


class _Array(numpy.ndarray):
    """A NumPy subclass: the op runs its array code (the CuPy path) on it
    instead of the compiled loops, which take plain ndarrays only."""


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_compiled_loops_equal_the_array_code(dtype, seed):
    rng = numpy.random.RandomState(seed)
    T, B, V, M = 9, 5, 6, 4
    x = rng.randn(T, B, V).astype(dtype)
    t = rng.randint(1, V, (B, M)).astype(numpy.int32)
    t[0, 1] = t[0, 0]                                # a repeat: no skip there
    il = numpy.array([T, T - 2, 3, 0, 1], numpy.int32)   # 3: too short for 4 labels
    ll = numpy.array([M, 3, 4, 0, 1], numpy.int32)

    def run(wrap):
        xs = [fastgrad.Variable(wrap(a.copy())) for a in x]
        loss = CTC(xs, t, 0, input_length=il, label_length=ll, reduce='no')
        loss.grad = numpy.arange(1, B + 1, dtype=dtype)
        loss.backward()
        return numpy.asarray(loss.array), numpy.stack([numpy.asarray(v.grad) for v in xs])
    got = run(lambda a: a)
    want = run(lambda a: a.view(_Array))
    tol = 1e-5 if dtype == numpy.float32 else 1e-12
    assert numpy.isinf(got[0][2]) and numpy.isinf(want[0][2])
    numpy.testing.assert_allclose(got[0], want[0], rtol=tol, atol=tol)
    numpy.testing.assert_allclose(got[1], want[1], rtol=tol, atol=tol)
    assert got[1].dtype == dtype


def test_compiled_loops_check_their_arguments(run_python):
    out = run_python('''
        from fastgrad._core import ctc
        i8 = np.int64
        logy = np.zeros((4, 2, 3), np.float32)
        path = np.zeros((2, 3), i8)
        pl = np.array([3, 1], i8)
        tl = np.array([4, 2], i8)
        calls = [
            lambda: ctc.ctc(logy.astype(np.float16), path, pl, tl, 0, True),
            lambda: ctc.ctc(logy[0], path, pl, tl, 0, True),
            lambda: ctc.ctc(logy.transpose(1, 0, 2), path, pl, tl, 0, True),
            lambda: ctc.ctc(logy, path.astype(np.int32), pl, tl, 0, True),
            lambda: ctc.ctc(logy, path[:1], pl, tl, 0, True),
            lambda: ctc.ctc(logy, path + 3, pl, tl, 0, True),
            lambda: ctc.ctc(logy, path - 1, pl, tl, 0, True),
            lambda: ctc.ctc(logy, path, np.array([4, 1], i8), tl, 0, True),
            lambda: ctc.ctc(logy, path, np.array([0, 1], i8), tl, 0, True),
            lambda: ctc.ctc(logy, path, pl, np.array([5, 1], i8), 0, True),
            lambda: ctc.ctc(logy, path, pl, np.array([-1, 1], i8), 0, True),
            lambda: ctc.ctc(logy, path, pl, tl, 3, True),
            lambda: ctc.ctc(logy, path, pl, tl, -1, True),
            lambda: ctc.ctc(logy, path, pl, tl[:1], 0, True),
            lambda: ctc.ctc(logy, np.zeros((2, 3, 1), i8), pl, tl, 0, True),
            lambda: ctc.ctc(None, path, pl, tl, 0, True),
        ]
        for call in calls:
            try:
                call()
                print('no error')
            except (TypeError, ValueError) as e:
                print(type(e).__name__, str(e).split(':')[0])
        logz, grad = ctc.ctc(logy, path, pl, tl, 0, True)
        print(logz.shape, grad.shape)
        ''')
    lines = out.splitlines()
    assert lines[-1] == '(2,) (4, 2, 3)', out
    assert len(lines) == 17 and all(line.split()[1] == 'ctc' for line in lines[:-1]), out
