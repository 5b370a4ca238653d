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


# -- matmul: the library's other GEMMs on the same BLAS ----------------------------

def _matmul_cases(dtype):
    rng = numpy.random.RandomState(0)

    def r(*shape):
        return rng.uniform(-1, 1, shape).astype(dtype)
    return [
        (r(3, 4), r(4, 5)),
        (r(2, 3, 4), r(4, 5)),                          # batch on one side
        (r(3, 4), r(7, 4, 5)),
        (r(2, 1, 3, 4), r(6, 4, 5)),                    # broadcast batch axes
        (r(4, 3).T, r(5, 4).T),                         # F-ordered
        (r(2, 4, 3).swapaxes(1, 2), r(2, 5, 4).swapaxes(1, 2)),
        (r(3, 8)[:, ::2], r(4, 5)),                     # no unit stride: copied
        (r(3, 9)[:, 1:5], r(4, 5)),                     # row-strided view
        (r(1, 4), r(4, 1)),
        (r(3, 0), r(0, 5)),                             # k == 0: zeros
        (r(0, 3), r(3, 5)),
    ]


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_matmul_matches_numpy(dtype):
    tol = 1e-5 if dtype == numpy.float32 else 1e-12
    for a, b in _matmul_cases(dtype):
        assert blas.supports_matmul(a, b)
        y = blas.matmul(a, b)
        ref = numpy.matmul(a.astype(numpy.float64), b.astype(numpy.float64))
        assert y.shape == ref.shape and y.dtype == dtype
        numpy.testing.assert_allclose(y, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_matmul_out(dtype):
    rng = numpy.random.RandomState(1)
    a = rng.uniform(-1, 1, (2, 3, 4)).astype(dtype)
    b = rng.uniform(-1, 1, (4, 5)).astype(dtype)
    ref = numpy.matmul(a, b)
    big = numpy.full((4, 3, 5), numpy.nan, dtype)
    assert blas.matmul(a, b, big[1:3]) is not None
    numpy.testing.assert_allclose(big[1:3], ref, rtol=1e-5)
    assert numpy.isnan(big[0]).all() and numpy.isnan(big[3]).all()   # nothing else written
    out = numpy.empty((2, 5, 3), dtype).swapaxes(1, 2)                  # not row-major
    assert blas.matmul(a, b, out) is out
    numpy.testing.assert_allclose(out, ref, rtol=1e-5)


def test_matmul_errors_and_scope():
    a = numpy.ones((3, 4), numpy.float32)
    with pytest.raises(ValueError, match='do not align'):
        blas.matmul(a, numpy.ones((5, 2), numpy.float32))
    with pytest.raises(ValueError, match='out has shape'):
        blas.matmul(a, numpy.ones((4, 2), numpy.float32), numpy.empty((3, 3), numpy.float32))
    assert not blas.supports_matmul(a, numpy.ones((4, 2), numpy.float64))   # mixed dtypes
    assert not blas.supports_matmul(a.astype(numpy.float16), a.T.astype(numpy.float16))
    assert not blas.supports_matmul(a, numpy.ones(4, numpy.float32))        # 1-D


def test_utils_matmul_falls_back_to_numpy():
    from fastgrad import utils
    a = numpy.arange(6, dtype=numpy.float16).reshape(2, 3)
    numpy.testing.assert_array_equal(utils.matmul(a, a.T), numpy.matmul(a, a.T))
    v = numpy.arange(3, dtype=numpy.float32)
    numpy.testing.assert_array_equal(utils.matmul(v, v), numpy.matmul(v, v))
