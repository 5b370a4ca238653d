"""The new normalization functions on CuPy arrays give NumPy's numbers
(forward, gradients, running statistics): the same code through ``xp``."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad import Variable


def _run(fn, arrays, to):
    xs = [Variable(to(a)) for a in arrays]
    y = fn(*xs)
    y.grad = to(numpy.random.RandomState(9).randn(*y.shape).astype(y.dtype))
    y.backward()
    return [y.array] + [x.grad for x in xs]


def _compare(fn, arrays, rtol=1e-4):
    import cupy
    want = _run(fn, arrays, lambda a: a.copy())
    got = _run(fn, arrays, cupy.asarray)
    for w, g in zip(want, got):
        assert isinstance(g, cupy.ndarray)
        numpy.testing.assert_allclose(cupy.asnumpy(g), w, rtol=rtol, atol=rtol)


@pytest.mark.gpu
def test_group_normalization_gpu():
    rng = numpy.random.RandomState(0)
    _compare(lambda x, g, b: F.group_normalization(x, 4, g, b),
             [rng.randn(2, 8, 3, 3).astype(numpy.float32),
              rng.rand(8).astype(numpy.float32), rng.randn(8).astype(numpy.float32)])


@pytest.mark.gpu
def test_batch_renormalization_gpu():
    import cupy
    rng = numpy.random.RandomState(1)
    stats = [rng.randn(3).astype(numpy.float32), rng.rand(3).astype(numpy.float32) + .5]
    gpu_stats = [cupy.asarray(s) for s in stats]

    def f(stats):
        return lambda x, g, b: F.batch_renormalization(
            x, g, b, 2, 1, running_mean=stats[0], running_var=stats[1],
            update_statistics=True)
    arrays = [rng.randn(5, 3, 2).astype(numpy.float32), rng.rand(3).astype(numpy.float32),
              rng.randn(3).astype(numpy.float32)]
    want = _run(f(stats), arrays, lambda a: a.copy())
    got = _run(f(gpu_stats), arrays, cupy.asarray)
    for w, g in zip(want + stats, got + gpu_stats):
        numpy.testing.assert_allclose(cupy.asnumpy(g), w, rtol=1e-4, atol=1e-4)


@pytest.mark.gpu
def test_decorrelated_batch_normalization_gpu():
    rng = numpy.random.RandomState(2)
    _compare(lambda x: F.decorrelated_batch_normalization(x, groups=2),
             [rng.randn(20, 4, 3)], rtol=1e-8)
    _compare(lambda x, m, p: F.fixed_decorrelated_batch_normalization(x, m, p, groups=2),
             [rng.randn(5, 4, 3), rng.randn(2, 2), rng.randn(2, 2, 2)], rtol=1e-8)
