"""The BLAS kernels of the linear layer against NumPy in float64, all layouts."""
import numpy
import pytest

from fastgrad._core import blas


def _layouts(a):
    """The same matrix as C-ordered, F-ordered, row-strided and fully strided."""
    rng = numpy.random.RandomState(0)
    big = rng.standard_normal((a.shape[0] * 2, a.shape[1] * 3)).astype(a.dtype)
    big[::2, ::3] = a
    rows = numpy.zeros((a.shape[0], a.shape[1] + 5), a.dtype)
    rows[:, :a.shape[1]] = a
    return {
        'C': numpy.ascontiguousarray(a),
        'F': numpy.asfortranarray(a),
        'row-slice': rows[:, :a.shape[1]],
        'strided': big[::2, ::3],
    }


@pytest.mark.parametrize('dtype,rtol', [(numpy.float32, 1e-5), (numpy.float64, 1e-12)])
@pytest.mark.parametrize('shape', [(5, 7, 3), (1, 4, 6), (64, 33, 17), (3, 1, 1)])
def test_products_all_layouts(dtype, rtol, shape):
    N, K, M = shape
    rng = numpy.random.RandomState(1)
    x = rng.standard_normal((N, K)).astype(dtype)
    W = rng.standard_normal((M, K)).astype(dtype)
    b = rng.standard_normal(M).astype(dtype)
    gy = rng.standard_normal((N, M)).astype(dtype)
    x64, W64, b64, gy64 = (a.astype(numpy.float64) for a in (x, W, b, gy))
    for xl in _layouts(x).values():
        for Wl in _layouts(W).values():
            y = blas.linear_forward(xl, Wl, b)
            assert y.dtype == dtype and y.flags.c_contiguous
            numpy.testing.assert_allclose(y, x64 @ W64.T + b64, rtol=rtol, atol=rtol * 10)
            numpy.testing.assert_allclose(blas.linear_forward(xl, Wl), x64 @ W64.T,
                                          rtol=rtol, atol=rtol * 10)
            numpy.testing.assert_allclose(blas.linear_grad_x(gy, Wl), gy64 @ W64,
                                          rtol=rtol, atol=rtol * 10)
            numpy.testing.assert_allclose(blas.linear_grad_W(gy, xl), gy64.T @ x64,
                                          rtol=rtol, atol=rtol * 10)
    for gl in _layouts(gy).values():
        numpy.testing.assert_allclose(blas.linear_grad_x(gl, W), gy64 @ W64,
                                      rtol=rtol, atol=rtol * 10)
        numpy.testing.assert_allclose(blas.linear_grad_W(gl, x), gy64.T @ x64,
                                      rtol=rtol, atol=rtol * 10)


def test_inputs_are_not_modified():
    rng = numpy.random.RandomState(2)
    x = rng.standard_normal((4, 3))
    W = rng.standard_normal((2, 3))
    b = rng.standard_normal(2)
    copies = [a.copy() for a in (x, W, b)]
    blas.linear_forward(x, W, b)
    blas.linear_grad_x(rng.standard_normal((4, 2)), W)
    blas.linear_grad_W(rng.standard_normal((4, 2)), x)
    for a, c in zip((x, W, b), copies):
        numpy.testing.assert_array_equal(a, c)


@pytest.mark.parametrize('N,K,M', [(0, 3, 2), (3, 0, 2), (3, 2, 0)])
def test_empty_dimensions(N, K, M):
    x = numpy.ones((N, K), numpy.float32)
    W = numpy.ones((M, K), numpy.float32)
    b = numpy.full(M, 2, numpy.float32)
    numpy.testing.assert_array_equal(blas.linear_forward(x, W, b), x @ W.T + b)
    numpy.testing.assert_array_equal(blas.linear_forward(x, W), x @ W.T)
    gy = numpy.ones((N, M), numpy.float32)
    numpy.testing.assert_array_equal(blas.linear_grad_x(gy, W), gy @ W)
    numpy.testing.assert_array_equal(blas.linear_grad_W(gy, x), gy.T @ x)


def test_large_enough_to_release_the_gil():
    rng = numpy.random.RandomState(3)
    x = rng.standard_normal((128, 256)).astype(numpy.float32)
    W = rng.standard_normal((64, 256)).astype(numpy.float32)
    numpy.testing.assert_allclose(blas.linear_forward(x, W), x @ W.T, rtol=1e-4, atol=1e-4)


def test_supports():
    f32 = numpy.ones((2, 2), numpy.float32)
    assert blas.supports(f32, f32)
    assert blas.supports(f32.astype(numpy.float64), f32.astype(numpy.float64))
    assert not blas.supports(f32, f32.astype(numpy.float64))
    assert not blas.supports(f32.astype(numpy.float16), f32.astype(numpy.float16))
    assert not blas.supports(numpy.ones(2, numpy.float32), f32)
