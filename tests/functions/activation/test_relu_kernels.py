"""ReLU's compiled loops (fastgrad/_core/activation.pyx, used by
functions/activation/relu.py on contiguous float32/float64 NumPy arrays):
NumPy's results bit for bit (NaN, infinities, -0, empty and 0-d arrays), on
one and several threads; the op really uses them, and other arrays keep the
NumPy code; wrong arguments raise, in a subprocess."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad._core import activation
from fastgrad.functions.activation import relu as relu_module


def _special(dtype, shape, seed):
    rng = numpy.random.RandomState(seed)
    a = numpy.asarray(rng.randn(*shape), dtype=dtype)
    flat = a.reshape(-1)
    specials = numpy.array([numpy.nan, numpy.inf, -numpy.inf, -0.0, 0.0], dtype)
    flat[:min(len(flat), 5)] = specials[:min(len(flat), 5)]
    return a


@pytest.fixture(params=[1, 3])
def threads(request):
    before = fastgrad.get_num_threads()
    fastgrad.set_num_threads(request.param)
    yield
    fastgrad.set_num_threads(before)


@pytest.mark.parametrize('shape', [(), (0,), (7,), (3, 5), (4, 64, 33, 33)])
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_relu_loops_are_numpy_bit_for_bit(shape, dtype, threads):
    x = _special(dtype, shape, 0)
    gy = _special(dtype, shape, 1)
    y = activation.relu_forward(x)
    expected = numpy.maximum(x, dtype(0))
    assert y.dtype == dtype and y.shape == x.shape
    # the same bits, NaN and the sign of zero included
    assert y.tobytes() == expected.tobytes()
    gx = activation.relu_backward(y, gy)
    with numpy.errstate(invalid='ignore'):            # inf * 0 in the reference
        expected_gx = gy * (y > 0)
    assert gx.tobytes() == expected_gx.tobytes()


def test_the_op_uses_the_loops_and_other_arrays_keep_numpy(monkeypatch):
    calls = []
    for name in ('relu_forward', 'relu_backward'):
        real = getattr(activation, name)
        monkeypatch.setattr(relu_module.activation, name,
                            lambda *a, _real=real, _name=name: calls.append(_name) or _real(*a))
    x = numpy.random.RandomState(2).randn(300, 120).astype(numpy.float32)
    both = ['relu_forward', 'relu_backward']
    # a strided x: NumPy forward, whose y (new, contiguous) the loops then take
    for data, expected in ((x, both), (x[:, ::2], both[1:]), (x.astype(numpy.float16), []),
                           (x[:10], [])):                  # small: NumPy's call is cheaper
        del calls[:]
        v = fastgrad.Variable(data)
        y = F.relu(v)
        y.grad = numpy.ones_like(y.array)
        y.backward()
        numpy.testing.assert_array_equal(y.array, numpy.maximum(data, 0))
        numpy.testing.assert_array_equal(v.grad, (data > 0).astype(data.dtype))
        assert calls == expected, data.dtype


def test_double_backprop_keeps_the_variable_gradient():
    x = fastgrad.Variable(numpy.array([[-1.0, 2.0, 3.0]]))
    y = F.relu(x)
    gx, = fastgrad.grad([F.sum(y * y)], [x], enable_double_backprop=True)
    numpy.testing.assert_array_equal(gx.array, [[0.0, 4.0, 6.0]])
    ggx, = fastgrad.grad([F.sum(gx)], [x])
    numpy.testing.assert_array_equal(ggx.array, [[0.0, 2.0, 2.0]])


def test_wrong_arguments_raise(run_python):
    out = run_python('''
        from fastgrad._core import activation
        x = np.ones((3, 4), np.float32)
        calls = [
            lambda: activation.relu_forward([1.0]),
            lambda: activation.relu_forward(x.astype(np.int32)),
            lambda: activation.relu_forward(x.astype(np.float16)),
            lambda: activation.relu_forward(x[:, ::2]),
            lambda: activation.relu_backward(x, x.astype(np.float64)),
            lambda: activation.relu_backward(x, x[:2]),
            lambda: activation.relu_backward(x, None),
            lambda: activation.relu_backward(x.T, x.T),
        ]
        for call in calls:
            try:
                call()
                print('no error')
            except (TypeError, ValueError) as e:
                print(type(e).__name__, str(e).split(':')[0])
        ''')
    lines = out.splitlines()
    assert len(lines) == 8 and 'no error' not in lines, out
    assert all(line.split()[1] in ('relu_forward', 'relu_backward') for line in lines), out
