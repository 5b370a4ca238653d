"""slstm, tree_lstm, zoneout and the stateful cell links on CuPy arrays: the
same code as on NumPy (results and gradients match the CPU's; the links'
state follows to_device)."""
import numpy
import pytest

import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import Variable

pytestmark = pytest.mark.gpu


def _grads(fn, arrays, gys):
    vs = [Variable(a) for a in arrays]
    ys = fn(*vs)
    loss = sum(F.sum(y * gy) for y, gy in zip(ys, gys))
    loss.backward()
    return [y.array for y in ys], [v.grad for v in vs]


@pytest.mark.parametrize('fn, shapes', [
    (F.slstm, [(3, 4), (3, 4), (3, 16), (3, 16)]),
    (F.tree_lstm, [(3, 4), (3, 4), (3, 20)]),
    (F.tree_lstm, [(2, 3, 2), (2, 12, 2)]),
])
def test_cells_match_cpu(fn, shapes):
    import cupy
    rng = numpy.random.RandomState(0)
    xs = [rng.randn(*s).astype(numpy.float32) for s in shapes]
    gys = [rng.randn(*shapes[0]).astype(numpy.float32) for _ in range(2)]
    ys_cpu, gx_cpu = _grads(fn, xs, gys)
    ys_gpu, gx_gpu = _grads(fn, [cupy.asarray(a) for a in xs], [cupy.asarray(g) for g in gys])
    for a, b in zip(ys_cpu + gx_cpu, ys_gpu + gx_gpu):
        assert isinstance(b, cupy.ndarray)
        numpy.testing.assert_allclose(cupy.asnumpy(b), a, rtol=1e-5, atol=1e-6)


def test_zoneout_on_gpu():
    import cupy
    h = cupy.zeros((4, 5), numpy.float32)
    x = cupy.ones((4, 5), numpy.float32)
    xv = Variable(x)
    y = F.zoneout(h, xv, 0.5)
    flag_x = y.creator.flag_x
    assert isinstance(flag_x, cupy.ndarray)
    cupy.testing.assert_array_equal(y.array, flag_x.astype(numpy.float32))
    y.grad = cupy.ones_like(x)
    y.backward()
    cupy.testing.assert_array_equal(xv.grad, flag_x.astype(numpy.float32))


@pytest.mark.parametrize('make, state', [
    (lambda: L.StatefulGRU(3, 4), ('h',)), (lambda: L.StatefulMGU(3, 4), ('h',)),
    (lambda: L.StatefulPeepholeLSTM(3, 4), ('c', 'h')),
    (lambda: L.StatefulZoneoutLSTM(3, 4), ('c', 'h'))])
def test_state_follows_to_device(make, state):
    import cupy
    link = make()
    x = numpy.random.randn(2, 3).astype(numpy.float32)
    link(x)
    link.to_device('@cupy:0')
    for name in state:
        assert isinstance(getattr(link, name).array, cupy.ndarray), name
    y = link(cupy.asarray(x))
    assert isinstance(y.array, cupy.ndarray)
    link.to_device('@numpy')
    for name in state:
        assert isinstance(getattr(link, name).array, numpy.ndarray), name
