"""L.BatchNormalization: parameters and persistents, train/test modes, running
averages, fine-tuning, lazy axis form, gradients, printing."""
import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad.gradient_check import check_backward


def _bn_ref(x, gamma, beta, mean, var, eps, axis):
    shape = [1 if i in axis else n for i, n in enumerate(x.shape)]
    return (gamma.reshape(shape) * (x - mean.reshape(shape))
            / numpy.sqrt(var.reshape(shape) + eps) + beta.reshape(shape))


def test_parameters_and_persistents():
    bn = L.BatchNormalization(3)
    assert [n for n, _ in bn.namedparams()] == ['/beta', '/gamma']
    assert sorted(bn._persistent) == ['N', 'avg_mean', 'avg_var']
    assert bn.gamma.dtype == bn.beta.dtype == bn.avg_mean.dtype == numpy.float32
    numpy.testing.assert_array_equal(bn.gamma.array, numpy.ones(3))
    numpy.testing.assert_array_equal(bn.beta.array, numpy.zeros(3))
    numpy.testing.assert_array_equal(bn.avg_mean, numpy.zeros(3))
    numpy.testing.assert_array_equal(bn.avg_var, numpy.ones(3))
    assert bn.N == 0 and bn.decay == 0.9 and bn.eps == 2e-5 and bn.axis is None


def test_options():
    bn = L.BatchNormalization((2, 3), decay=0.5, eps=1e-3, dtype=numpy.float64,
                              initial_gamma=2.0, initial_beta=numpy.arange(6).reshape(2, 3),
                              initial_avg_mean=0.5, initial_avg_var=3.0)
    assert bn.gamma.shape == (2, 3) and bn.gamma.dtype == numpy.float64
    assert bn.avg_mean.dtype == bn.avg_var.dtype == bn.beta.dtype == numpy.float64
    numpy.testing.assert_array_equal(bn.gamma.array, numpy.full((2, 3), 2.0))
    numpy.testing.assert_array_equal(bn.beta.array, numpy.arange(6).reshape(2, 3))
    numpy.testing.assert_array_equal(bn.avg_mean, numpy.full((2, 3), 0.5))
    numpy.testing.assert_array_equal(bn.avg_var, numpy.full((2, 3), 3.0))
    nog = L.BatchNormalization(3, use_gamma=False, use_beta=False)
    assert nog.gamma is None and nog.beta is None and list(nog.params()) == []
    # The caller's initializer object is not modified.
    init = fastgrad.initializers.Constant(1.0)
    L.BatchNormalization(3, dtype=numpy.float64, initial_gamma=init)
    assert init.dtype is None
    with pytest.raises(RuntimeError, match='size or axis is required'):
        L.BatchNormalization()


def test_default_dtype_follows_config():
    with fastgrad.using_config('dtype', numpy.float64):
        bn = L.BatchNormalization(3)
    assert bn.gamma.dtype == bn.avg_mean.dtype == numpy.float64


@pytest.mark.parametrize('x_shape', [(8, 3), (5, 3, 4, 2)])
def test_train_mode_uses_batch_stats_and_updates_averages(x_shape):
    bn = L.BatchNormalization(3, decay=0.8)
    bn.gamma.array[...] = numpy.random.uniform(0.5, 1.5, 3)
    bn.beta.array[...] = numpy.random.randn(3)
    x = numpy.random.randn(*x_shape).astype(numpy.float32) * 2 + 1
    axis = (0,) + tuple(range(2, x.ndim))
    xd = x.astype('d')
    mean = xd.mean(axis=axis)
    var = xd.var(axis=axis)
    m = x.size // 3
    with fastgrad.using_config('train', True):
        y = bn(x)
    ref = _bn_ref(xd, bn.gamma.array.astype('d'), bn.beta.array.astype('d'), mean, var,
                  2e-5, axis)
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-4, atol=1e-4)
    numpy.testing.assert_allclose(bn.avg_mean, 0.2 * mean, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(bn.avg_var, 0.8 + 0.2 * var * m / (m - 1), rtol=1e-5)
    assert bn.N == 0


def test_test_mode_uses_averages_and_leaves_them_alone():
    bn = L.BatchNormalization(3, initial_avg_mean=numpy.array([1., 2., 3.], 'f'),
                              initial_avg_var=numpy.array([4., 1., 0.25], 'f'))
    mean0, var0 = bn.avg_mean.copy(), bn.avg_var.copy()
    x = numpy.random.randn(6, 3, 2).astype(numpy.float32)
    with fastgrad.using_config('train', False):
        y = bn(x)
    numpy.testing.assert_array_equal(bn.avg_mean, mean0)
    numpy.testing.assert_array_equal(bn.avg_var, var0)
    ref = _bn_ref(x.astype('d'), numpy.ones(3), numpy.zeros(3), mean0.astype('d'),
                  var0.astype('d'), 2e-5, (0, 2))
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-5, atol=1e-6)


def test_running_average_over_steps():
    bn = L.BatchNormalization(2)
    xs = [numpy.random.randn(10, 2).astype(numpy.float32) + k for k in range(3)]
    mean = numpy.zeros(2)
    var = numpy.ones(2)
    for x in xs:
        bn(x)
        mean = 0.9 * mean + 0.1 * x.astype('d').mean(axis=0)
        var = 0.9 * var + 0.1 * x.astype('d').var(axis=0) * 10 / 9
    numpy.testing.assert_allclose(bn.avg_mean, mean, rtol=1e-5)
    numpy.testing.assert_allclose(bn.avg_var, var, rtol=1e-5)


def test_finetune_accumulates_plain_average():
    bn = L.BatchNormalization(2)
    xs = [numpy.random.randn(10, 2).astype(numpy.float32) * (k + 1) for k in range(3)]
    for x in xs:
        bn(x, finetune=True)
    assert bn.N == 3
    means = [x.astype('d').mean(axis=0) for x in xs]
    numpy.testing.assert_allclose(bn.avg_mean, numpy.mean(means, axis=0), rtol=1e-5,
                                  atol=1e-6)
    bn.start_finetuning()
    assert bn.N == 0
    with fastgrad.using_config('train', False):
        bn(xs[0], finetune=True)
    assert bn.N == 0


def test_recomputing_does_not_update_statistics():
    bn = L.BatchNormalization(2)
    x = numpy.random.randn(4, 2).astype(numpy.float32)
    with fastgrad.using_config('in_recomputing', True):
        bn(x)
        bn(x, finetune=True)
    numpy.testing.assert_array_equal(bn.avg_mean, numpy.zeros(2))
    numpy.testing.assert_array_equal(bn.avg_var, numpy.ones(2))
    assert bn.N == 0


def test_test_keyword_is_rejected():
    bn = L.BatchNormalization(2)
    with pytest.raises(ValueError, match='test argument is not supported'):
        bn(numpy.zeros((2, 2), numpy.float32), test=True)


@pytest.mark.parametrize('axis,shape', [((0, 2, 3), (3,)), (0, (3, 4, 5)),
                                        ((0, 1), (4, 5))])
def test_lazy_with_axis(axis, shape):
    bn = L.BatchNormalization(axis=axis)
    assert bn.avg_mean is None and bn.gamma.array is None
    # registered from the start (None until sized), as in Chainer
    assert 'avg_mean' in bn._persistent and 'avg_var' in bn._persistent
    x = numpy.random.randn(2, 3, 4, 5).astype(numpy.float32)
    y = bn(x)
    assert bn.avg_mean.shape == bn.gamma.shape == bn.beta.shape == shape
    assert 'avg_mean' in bn._persistent and 'avg_var' in bn._persistent
    axes = axis if isinstance(axis, tuple) else (axis,)
    ref = _bn_ref(x.astype('d'), numpy.ones(shape), numpy.zeros(shape),
                  x.astype('d').mean(axis=axes), x.astype('d').var(axis=axes), 2e-5, axes)
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-4, atol=1e-4)


def test_without_gamma_beta():
    bn = L.BatchNormalization(3, use_gamma=False, use_beta=False)
    x = numpy.random.randn(6, 3).astype(numpy.float32)
    y = bn(x)
    ref = (x - x.mean(axis=0)) / numpy.sqrt(x.var(axis=0) + 2e-5)
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-4, atol=1e-4)
    with fastgrad.using_config('train', False):
        numpy.testing.assert_allclose(bn(x).array, (x - bn.avg_mean)
                                      / numpy.sqrt(bn.avg_var + 2e-5), rtol=1e-5)


@pytest.mark.parametrize('train', [True, False])
def test_backward_through_link_float64(train):
    with fastgrad.using_config('dtype', numpy.float64):
        bn = L.BatchNormalization(3)
    bn.gamma.array[...] = numpy.random.uniform(0.5, 1.5, 3)
    bn.beta.array[...] = numpy.random.randn(3)
    bn.avg_mean[...] = numpy.random.randn(3)
    bn.avg_var[...] = numpy.random.uniform(0.5, 2, 3)
    x = numpy.random.randn(5, 3, 2)

    def f(x):
        return bn(x)

    with fastgrad.using_config('train', train):
        check_backward(f, x, numpy.random.randn(5, 3, 2), params=(bn.gamma, bn.beta),
                       rtol=1e-4, atol=1e-5)


def test_printed_form():
    assert str(L.BatchNormalization(3)) == (
        'BatchNormalization(size=3, decay=0.9, eps=2e-05, dtype=float32, '
        'use_gamma=True, use_beta=True)')
    assert str(L.BatchNormalization(4, decay=0.5, dtype=numpy.float64,
                                    use_beta=False)) == (
        'BatchNormalization(size=4, decay=0.5, eps=2e-05, dtype=float64, '
        'use_gamma=True, use_beta=False)')


def test_float16_input_keeps_float32_statistics():
    bn = L.BatchNormalization(3)
    x = numpy.random.randn(8, 3).astype(numpy.float16)
    y = bn(x)
    assert y.dtype == numpy.float16 and bn.avg_mean.dtype == numpy.float32
    xd = x.astype('d')
    numpy.testing.assert_allclose(bn.avg_mean, 0.1 * xd.mean(axis=0), rtol=1e-2, atol=1e-3)
    ref = (xd - xd.mean(axis=0)) / numpy.sqrt(xd.var(axis=0) + 2e-5)
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-2, atol=1e-2)
    with fastgrad.using_config('train', False):
        assert bn(x).dtype == numpy.float16


def test_lazy_link_loads_running_stats_before_its_first_call():
    src = L.BatchNormalization(axis=0)
    rng = numpy.random.RandomState(0)
    src(rng.rand(4, 3).astype(numpy.float32), finetune=True)
    saved = {}
    src.serialize(fastgrad.serializers.DictionarySerializer(saved))
    dst = L.BatchNormalization(axis=0)
    assert dst.avg_mean is None
    dst.serialize(fastgrad.serializers.NpzDeserializer(saved))
    numpy.testing.assert_array_equal(dst.avg_mean, src.avg_mean)
    numpy.testing.assert_array_equal(dst.avg_var, src.avg_var)
    numpy.testing.assert_array_equal(dst.gamma.array, src.gamma.array)
    assert dst.N == src.N == 1


def test_finetune_is_keyword_only():
    bn = L.BatchNormalization(3)
    x = numpy.ones((2, 3), dtype=numpy.float32)
    with pytest.raises(TypeError, match='positional'):
        bn(x, True)
    bn(x, finetune=True)
    assert bn.N == 1
