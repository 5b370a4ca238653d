"""ParallelUpdater on two CPU devices: the update equals the one computed by
hand (sum of the copies' gradients), copies stay in sync, and it runs in a
Trainer with the second copy reporting under its own name."""
import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad import iterators, optimizers, training
from fastgrad.datasets import TupleDataset


def _arrays(n=8, dtype=numpy.float64):
    rng = numpy.random.RandomState(0)
    x = rng.randn(n, 3).astype(dtype)
    return x, (x[:, 0] > 0).astype(numpy.int32)


def _data(n=8, dtype=numpy.float64):
    return TupleDataset(*_arrays(n, dtype))


def _model():
    model = L.Classifier(L.Linear(3, 2, initialW=numpy.arange(6.).reshape(2, 3) / 10))
    return model


def test_update_matches_sum_of_part_gradients():
    data = _data()
    with fastgrad.using_config('dtype', numpy.float64):
        model = _model()
        reference = _model()
    opt = optimizers.SGD(lr=0.1).setup(model)
    it = iterators.SerialIterator(data, 8, shuffle=False)
    updater = training.updaters.ParallelUpdater(
        it, opt, devices={'main': '@numpy', 'second': '@numpy'})
    updater.update()

    x, t = _arrays()
    reference.cleargrads()
    for part in (slice(0, None, 2), slice(1, None, 2)):
        reference(x[part], t[part]).backward()
    W = reference.predictor.W
    expected = W.array - 0.1 * W.grad
    numpy.testing.assert_allclose(model.predictor.W.array, expected, rtol=1e-12)
    second = updater._models['second']
    assert second is not model
    numpy.testing.assert_array_equal(second.predictor.W.array, model.predictor.W.array)
    assert updater.iteration == 1


def test_errors_name_the_problem():
    opt = optimizers.SGD().setup(_model())
    it = iterators.SerialIterator(_data(), 4)
    with pytest.raises(ValueError, match='models or devices'):
        training.updaters.ParallelUpdater(it, opt)
    with pytest.raises(KeyError, match="'main'"):
        training.updaters.ParallelUpdater(it, opt, devices={'a': '@numpy'})


def test_runs_in_a_trainer(tmp_path):
    model = _model()
    opt = optimizers.SGD(lr=0.2).setup(model)
    it = iterators.SerialIterator(_data(32, numpy.float32), 8)
    updater = training.updaters.ParallelUpdater(
        it, opt, devices={'main': '@numpy', 'sub': '@numpy'})
    trainer = training.Trainer(updater, (3, 'epoch'), out=str(tmp_path))
    trainer.extend(training.extensions.LogReport(trigger=(1, 'epoch')))
    trainer.run()
    log = trainer.get_extension('LogReport').log
    assert len(log) == 3 and 'main/loss' in log[0] and 'sub/loss' in log[0]
    assert log[-1]['main/loss'] < log[0]['main/loss']


def test_concat_with_async_transfer_on_cpu_is_concat_examples():
    from fastgrad.dataset import ConcatWithAsyncTransfer, concat_examples
    batch = [(numpy.ones(2, numpy.float32) * i, i) for i in range(3)]
    conv = ConcatWithAsyncTransfer()
    for device in (None, -1, '@numpy'):
        got = conv(batch, device)
        want = concat_examples(batch)
        for g, w in zip(got, want):
            numpy.testing.assert_array_equal(g, w)
    padded = conv([numpy.ones(1), numpy.ones(3)], padding=0)
    assert padded.tolist() == [[1, 0, 0], [1, 1, 1]]


@pytest.mark.gpu
def test_concat_with_async_transfer_on_gpu():
    import cupy

    from fastgrad.dataset import ConcatWithAsyncTransfer
    batch = [(numpy.full(4, i, numpy.float32), numpy.int32(i)) for i in range(5)]
    x, t = ConcatWithAsyncTransfer()(batch, 0)
    assert isinstance(x, cupy.ndarray) and isinstance(t, cupy.ndarray)
    numpy.testing.assert_array_equal(cupy.asnumpy(x)[:, 0], numpy.arange(5))
    numpy.testing.assert_array_equal(cupy.asnumpy(t), numpy.arange(5))


@pytest.mark.gpu
def test_parallel_updater_cpu_and_gpu_copies():
    model = _model()
    opt = optimizers.SGD(lr=0.1).setup(model)
    it = iterators.SerialIterator(_data(8, numpy.float32), 8, shuffle=False)
    updater = training.updaters.ParallelUpdater(
        it, opt, devices={'main': '@numpy', 'gpu': '@cupy:0'})
    updater.update()
    import cupy
    numpy.testing.assert_allclose(cupy.asnumpy(updater._models['gpu'].predictor.W.array),
                                  model.predictor.W.array)
