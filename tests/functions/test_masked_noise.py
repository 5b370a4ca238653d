"""zoneout, simplified_dropconnect and gumbel_softmax against NumPy
formulas, with their masks given or fixed by the seed."""
import numpy

import fastgrad
import fastgrad.functions as F
from fastgrad.gradient_check import check_backward


def test_simplified_dropconnect_matches_the_formula():
    rng = numpy.random.RandomState(0)
    x, W, b = rng.rand(3, 4), rng.rand(2, 4), rng.rand(2)
    mask = rng.rand(3, 2, 4) > 0.5
    y = F.simplified_dropconnect(x, W, b, ratio=0.5, mask=mask)
    numpy.testing.assert_allclose(y.array, numpy.einsum('ijk,ik->ij', W * mask * 2, x) + b)
    check_backward(lambda x, W, b: F.simplified_dropconnect(x, W, b, mask=mask),
                   (x, W, b), rng.rand(3, 2))
    shared = rng.rand(2, 4) > 0.5
    y2 = F.simplified_dropconnect(x, W, None, ratio=0.25, mask=shared,
                                  use_batchwise_mask=False)
    numpy.testing.assert_allclose(y2.array, x @ (W * shared / 0.75).T)
    numpy.testing.assert_allclose(F.simplified_dropconnect(x, W, b, train=False).array,
                                  x @ W.T + b)


def test_zoneout_keeps_old_values_at_ratio_and_is_x_in_test_mode():
    numpy.random.seed(0)
    h, x = numpy.zeros(10000), numpy.ones(10000)
    y = F.zoneout(h, x, ratio=0.3).array
    assert set(numpy.unique(y)) <= {0.0, 1.0} and abs((y == 0).mean() - 0.3) < 0.02
    with fastgrad.using_config('train', False):
        numpy.testing.assert_array_equal(F.zoneout(h, x).array, x)


def test_gumbel_softmax_is_a_distribution_that_follows_the_logits():
    numpy.random.seed(1)
    log_pi = numpy.log(numpy.tile([[0.1, 0.2, 0.7]], (20000, 1)))
    y = F.gumbel_softmax(log_pi, tau=0.01).array
    numpy.testing.assert_allclose(y.sum(axis=1), 1.0)
    numpy.testing.assert_allclose(numpy.bincount(y.argmax(1)) / 20000., [0.1, 0.2, 0.7],
                                  atol=0.02)
