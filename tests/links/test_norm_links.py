"""L.GroupNormalization, L.BatchRenormalization, L.DecorrelatedBatchNormalization,
L.Swish, L.Parameter, L.SimplifiedDropconnect: parameters (Chainer's names),
running statistics, modes, npz round trips and gradients."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import serializers


def _x(shape, seed=0, dtype=numpy.float32):
    return numpy.random.RandomState(seed).randn(*shape).astype(dtype)


def _keys(link):
    return sorted(k for k, _ in link.namedparams()) + sorted(link._persistent)


def _round_trip(src, dst, tmp_path):
    path = str(tmp_path / 'm.npz')
    serializers.save_npz(path, src)
    serializers.load_npz(path, dst)
    with numpy.load(path) as f:
        return sorted(f.files)


# -- GroupNormalization

def test_group_normalization_link(tmp_path):
    link = L.GroupNormalization(2)
    assert link.gamma.array is None
    x = _x((3, 4, 5))
    y = link(x)
    assert link.gamma.shape == (4,) and link.gamma.dtype == numpy.float32
    numpy.testing.assert_array_equal(
        y.array, F.group_normalization(x, 2, numpy.ones(4, numpy.float32),
                                       numpy.zeros(4, numpy.float32)).array)
    link.gamma.array[...] = numpy.arange(4)
    other = L.GroupNormalization(2, 4, initial_gamma=3, initial_beta=numpy.ones(4))
    assert _round_trip(link, other, tmp_path) == ['beta', 'gamma']
    numpy.testing.assert_array_equal(other.gamma.array, numpy.arange(4))
    F.sum(link(x) * link(x)).backward()
    assert link.gamma.grad.shape == (4,) and link.beta.grad is not None
    with pytest.raises(ValueError, match='at least 2'):
        L.GroupNormalization(2)(numpy.zeros(3, numpy.float32))


def test_group_normalization_initializers():
    link = L.GroupNormalization(1, 3, eps=1e-3, initial_gamma=2., initial_beta=0.5)
    numpy.testing.assert_array_equal(link.gamma.array, [2, 2, 2])
    numpy.testing.assert_array_equal(link.beta.array, [.5, .5, .5])
    assert link.eps == 1e-3 and link.groups == 1


# -- BatchRenormalization

def test_batch_renormalization_train_and_test(tmp_path):
    link = L.BatchRenormalization(3, rmax=2, dmax=1, decay=0.8)
    x = _x((6, 3, 2)) * 3 + 1
    with fastgrad.using_config('train', True):
        y = link(x)
    mean, var = x.mean(axis=(0, 2)), x.var(axis=(0, 2))
    m = 12
    numpy.testing.assert_allclose(link.avg_mean, 0.2 * mean, rtol=1e-5)
    numpy.testing.assert_allclose(link.avg_var, 0.8 + 0.2 * var * m / (m - 1), rtol=1e-5)
    # r = clip(std / 1, 1/2, 2) = 2 (std > 2), d = clip(mean, -1, 1)
    std = numpy.sqrt(var + 2e-5)
    r, d = numpy.clip(std, .5, 2), numpy.clip(mean, -1, 1)
    want = ((x - mean[:, None]) / std[:, None]) * r[:, None] + d[:, None]
    numpy.testing.assert_allclose(y.array, want, rtol=1e-4, atol=1e-5)
    with fastgrad.using_config('train', False):
        y = link(x)
    numpy.testing.assert_allclose(
        y.array, (x - link.avg_mean[:, None]) / numpy.sqrt(link.avg_var[:, None] + 2e-5),
        rtol=1e-5, atol=1e-5)
    other = L.BatchRenormalization(3)
    assert _round_trip(link, other, tmp_path) == ['N', 'avg_mean', 'avg_var', 'beta', 'gamma']
    numpy.testing.assert_array_equal(other.avg_var, link.avg_var)


def test_batch_renormalization_finetune_and_options():
    link = L.BatchRenormalization(3, use_gamma=False, use_beta=False,
                                  initial_avg_mean=numpy.ones(3), initial_avg_var=4.)
    assert link.gamma is None and link.beta is None
    numpy.testing.assert_array_equal(link.avg_mean, [1, 1, 1])
    numpy.testing.assert_array_equal(link.avg_var, [4, 4, 4])
    link.start_finetuning()
    xs = [_x((5, 3), seed) for seed in range(2)]
    with fastgrad.using_config('train', True):
        for x in xs:
            link(x, finetune=True)
    assert link.N == 2
    # decay 1 - 1/N: the plain average of the batches' statistics
    numpy.testing.assert_allclose(link.avg_mean, numpy.mean([x.mean(0) for x in xs], 0),
                                  rtol=1e-5)


# -- DecorrelatedBatchNormalization

def test_decorrelated_batch_normalization_link(tmp_path):
    link = L.DecorrelatedBatchNormalization(4, groups=2, decay=0.5)
    assert link.avg_mean.shape == (2, 2) and link.avg_projection.shape == (2, 2, 2)
    numpy.testing.assert_array_equal(link.avg_projection[1], numpy.eye(2))
    x = _x((20, 4, 3), dtype=numpy.float64).astype(numpy.float32)
    with fastgrad.using_config('train', True):
        y = link(x)
    numpy.testing.assert_array_equal(
        y.array, F.decorrelated_batch_normalization(x, groups=2).array)
    assert not numpy.allclose(link.avg_mean, 0)
    with fastgrad.using_config('train', False):
        y = link(x)
    numpy.testing.assert_array_equal(
        y.array, F.fixed_decorrelated_batch_normalization(
            x, link.avg_mean, link.avg_projection, groups=2).array)
    other = L.DecorrelatedBatchNormalization(4, groups=2)
    assert _round_trip(link, other, tmp_path) == ['N', 'avg_mean', 'avg_projection']
    numpy.testing.assert_array_equal(other.avg_projection, link.avg_projection)


def test_decorrelated_batch_normalization_old_npz(tmp_path):
    """Chainer before its issue #7706 saved one mean / projection for all groups."""
    path = str(tmp_path / 'old.npz')
    numpy.savez(path, avg_mean=numpy.arange(2, dtype=numpy.float32),
                avg_projection=2 * numpy.eye(2, dtype=numpy.float32), N=numpy.array(3))
    link = L.DecorrelatedBatchNormalization(4, groups=2)
    with pytest.warns(UserWarning, match='old DecorrelatedBatchNormalization'):
        serializers.load_npz(path, link)
    numpy.testing.assert_array_equal(link.avg_mean, [[0, 1], [0, 1]])
    numpy.testing.assert_array_equal(link.avg_projection, [2 * numpy.eye(2)] * 2)
    assert link.N == 3


# -- Swish, Parameter, SimplifiedDropconnect

def test_swish_link():
    link = L.Swish(None, beta_init=0.5)
    x = _x((2, 3, 4))
    y = link(x)
    assert link.beta.shape == (3, 4)
    numpy.testing.assert_allclose(y.array, x / (1 + numpy.exp(-0.5 * x)), rtol=1e-5)
    F.sum(y).backward()
    assert link.beta.grad.shape == (3, 4)
    link = L.Swish((3,))
    assert link(x).shape == x.shape and [k for k, _ in link.namedparams()] == ['/beta']


def test_parameter_link():
    a = _x((2, 3))
    link = L.Parameter(a)
    assert link.W.array is a and [k for k, _ in link.namedparams()] == ['/W']
    y = link()
    numpy.testing.assert_array_equal(y.array, a)
    link.cleargrads()               # a new parameter's grad is NaN, as in Chainer
    F.sum(y * 2).backward()
    numpy.testing.assert_array_equal(link.W.grad, numpy.full((2, 3), 2, numpy.float32))
    assert link(volatile='on').shape == (2, 3)


def test_simplified_dropconnect_link():
    link = L.SimplifiedDropconnect(None, 3, ratio=0.4)
    x = _x((4, 2, 3))
    y = link(x, train=False)
    assert link.W.shape == (3, 6) and link.b.shape == (3,)
    numpy.testing.assert_allclose(y.array, x.reshape(4, 6) @ link.W.array.T + link.b.array,
                                  rtol=1e-5, atol=1e-6)
    mask = numpy.random.RandomState(1).rand(4, 3, 6) > 0.4
    y = link(x, mask=mask)
    want = numpy.einsum('nij,nj->ni', link.W.array * mask / 0.6, x.reshape(4, 6)) + link.b.array
    numpy.testing.assert_allclose(y.array, want, rtol=1e-5, atol=1e-5)
    assert link.mask is mask
    F.sum(y).backward()
    assert link.W.grad.shape == (3, 6)
    nob = L.SimplifiedDropconnect(6, 2, nobias=True)
    assert nob.b is None and nob(x).shape == (4, 2)
