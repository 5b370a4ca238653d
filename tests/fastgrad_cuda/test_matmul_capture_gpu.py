"""utils.matmul while a CUDA stream is captured into a graph: CuPy refuses
cuBLAS there, so fastgrad's GEMM kernels compute it (what lets a step with a
convolution be replayed by graph_replay)."""
import numpy
import pytest

from fastgrad import _gemm, utils

SHAPES = [((5, 7), (7, 3)), ((4, 5, 7), (7, 3)), ((6, 9), (2, 9, 4)), ((6, 9), (2, 3, 9, 4)),
          ((2, 1, 3, 4), (5, 4, 6)), ((3, 8, 16), (3, 16, 33))]


@pytest.mark.parametrize('a_shape, b_shape', SHAPES)
def test_stacks_split_into_plain_products(monkeypatch, a_shape, b_shape):
    # the batching and broadcasting, with NumPy standing in for the kernel
    class Kernels(object):
        @staticmethod
        def linear_grad_x(gy, W, out=None):
            assert gy.ndim == 2 and W.ndim == 2
            calls.append(1)
            if out is None:
                return gy @ W
            assert out.flags.c_contiguous
            out[...] = gy @ W
    calls = []
    monkeypatch.setattr(_gemm, '_cuda', Kernels)
    rng = numpy.random.RandomState(1)
    a, b = rng.randn(*a_shape), rng.randn(*b_shape)
    numpy.testing.assert_allclose(_gemm._matmul_on_kernels(numpy, a, b, None), a @ b)
    out = numpy.empty(numpy.broadcast_shapes(a_shape[:-2], b_shape[:-2]) +
                      (a_shape[-2], b_shape[-1]), numpy.float32)      # another dtype
    assert _gemm._matmul_on_kernels(numpy, a, b, out) is out
    numpy.testing.assert_allclose(out, a @ b, rtol=1e-5)
    # a stack times one matrix is one GEMM; two stacks, one per matrix
    one = len(a_shape) == 2 or len(b_shape) == 2
    assert len(calls) == 2 * (1 if one else int(numpy.prod(out.shape[:-2])))


@pytest.mark.gpu
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('a_shape, b_shape', SHAPES)
def test_matmul_inside_a_capture_equals_cupy(a_shape, b_shape, dtype):
    import cupy
    rng = numpy.random.RandomState(0)
    a = cupy.asarray(rng.randn(*a_shape).astype(dtype))
    b = cupy.asarray(rng.randn(*b_shape).astype(dtype))
    expect = cupy.matmul(a, b)
    stream = cupy.cuda.Stream(non_blocking=True)
    with stream:
        stream.begin_capture(cupy.cuda.runtime.streamCaptureModeRelaxed)
        y = utils.matmul(a, b)
        out = cupy.empty(expect.shape, dtype)
        utils.matmul(a, b, out=out)
        graph = stream.end_capture()
    y.fill(numpy.nan)                   # the replay must write every element
    out.fill(numpy.nan)
    cupy.cuda.Device().synchronize()
    graph.launch(stream)
    stream.synchronize()
    tol = 1e-5 if dtype == numpy.float32 else 1e-12
    for got in (y, out):
        assert got.shape == expect.shape and got.dtype == dtype
        cupy.testing.assert_allclose(got, expect, rtol=tol, atol=tol)


@pytest.mark.gpu
def test_outside_a_capture_cupy_computes_it():
    import cupy
    a = cupy.ones((2, 3, 4), numpy.float32)
    cupy.testing.assert_allclose(utils.matmul(a, a.swapaxes(1, 2)), cupy.full((2, 3, 3), 4.0))
