"""F.simplified_dropconnect as one op: the mask it drew is on the node,
gradients (both mask layouts) with double backward, dtypes and errors."""
import numpy
import pytest

import fastgrad.functions as F
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType


def _inputs(dtype=numpy.float64, seed=0):
    rng = numpy.random.RandomState(seed)
    return (rng.randn(4, 2, 3).astype(dtype), rng.randn(5, 6).astype(dtype),
            rng.randn(5).astype(dtype))


@pytest.mark.parametrize('batchwise', [True, False])
def test_random_mask_is_kept_and_used(batchwise):
    x, W, b = _inputs()
    y = F.simplified_dropconnect(x, W, b, ratio=0.3, use_batchwise_mask=batchwise)
    mask = y.creator.mask
    assert mask.shape == ((4, 5, 6) if batchwise else (5, 6)) and mask.dtype == bool
    wm = W * mask / 0.7
    want = (numpy.einsum('nij,nj->ni', wm, x.reshape(4, 6)) if batchwise
            else x.reshape(4, 6) @ wm.T) + b
    numpy.testing.assert_allclose(y.array, want, rtol=1e-12)


@pytest.mark.parametrize('mask_shape', [(4, 5, 6), (5, 6)])
@pytest.mark.parametrize('with_bias', [True, False])
def test_gradients(mask_shape, with_bias):
    x, W, b = _inputs()
    mask = numpy.random.RandomState(1).rand(*mask_shape) > 0.4
    rng = numpy.random.RandomState(2)
    args = (x, W, b) if with_bias else (x, W)

    def f(*a):
        return F.simplified_dropconnect(*(a if with_bias else a + (None,)), ratio=0.4,
                                        mask=mask)
    check_backward(f, args, rng.randn(4, 5))
    check_double_backward(f, args, rng.randn(4, 5), tuple(rng.randn(*a.shape) for a in args))


def test_dtypes():
    x, W, b = _inputs(numpy.float16)
    y = F.simplified_dropconnect(x, W.astype(numpy.float32), b, train=False)
    assert y.dtype == numpy.float16
    numpy.testing.assert_allclose(y.array, x.reshape(4, 6).astype(numpy.float32)
                                  @ W.astype(numpy.float32).T + b, rtol=1e-2, atol=1e-2)


def test_errors():
    x, W, b = _inputs(numpy.float32)
    with pytest.raises(InvalidType, match='W.shape\\[1\\]'):
        F.simplified_dropconnect(x, W[:, :4], b)
    with pytest.raises(InvalidType, match='b.shape\\[0\\] == W.shape\\[0\\]'):
        F.simplified_dropconnect(x, W, b[:3])
    with pytest.raises(InvalidType, match='b.dtype == x.dtype'):
        F.simplified_dropconnect(x, W, b.astype(numpy.float64))
    with pytest.raises(InvalidType, match='self.mask.shape'):
        F.simplified_dropconnect(x, W, b, mask=numpy.ones((4, 5, 5), bool))
    with pytest.raises(InvalidType, match='self.mask.shape\\[0\\] == x.shape\\[0\\]'):
        F.simplified_dropconnect(x, W, b, mask=numpy.ones((3, 5, 6), bool))
    with pytest.raises(ValueError, match='mask must be'):
        F.simplified_dropconnect(x, W, b, mask=numpy.ones(6, bool))
