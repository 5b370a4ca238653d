import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import backend, dataset, iterators, optimizers, training


class Recorder(fastgrad.Link):
    """Records its call arguments; the loss is sum(w * x)."""

    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.w = fastgrad.Parameter(numpy.ones(2, 'f'))
        self.calls = []

    def forward(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        x = args[0] if args else kwargs['x']
        return F.sum(self.w * x)


def _updater(data, converter=dataset.concat_examples, **kw):
    model = Recorder()
    opt = optimizers.SGD(lr=0.1)
    opt.setup(model)
    it = iterators.SerialIterator(data, 2, shuffle=False)
    return training.updaters.StandardUpdater(it, opt, converter=converter, **kw), model, opt


def test_tuple_batches_are_positional():
    data = [(numpy.full(2, i, 'f'), numpy.int32(i)) for i in range(4)]
    up, model, opt = _updater(data)
    up.update()
    args, kwargs = model.calls[0]
    assert len(args) == 2 and not kwargs
    numpy.testing.assert_array_equal(args[0], [[0, 0], [1, 1]])
    # SGD step on sum(w * x): grad is the column sums
    numpy.testing.assert_allclose(model.w.array, 1 - 0.1 * numpy.array([1, 1]))
    assert up.iteration == 1 and opt.t == 1


def test_dict_and_single_array_batches():
    data = [{'x': numpy.full(2, i, 'f')} for i in range(2)]
    up, model, _ = _updater(data)
    up.update()
    assert set(model.calls[0][1]) == {'x'}
    up, model, _ = _updater([numpy.ones(2, 'f')] * 2)
    up.update()
    args, _ = model.calls[0]
    assert len(args) == 1 and args[0].shape == (2, 2)


def test_epoch_properties_and_auto_new_epoch():
    data = [numpy.ones(2, 'f')] * 4
    up, _, opt = _updater(data)
    assert up.epoch == 0 and up.previous_epoch_detail is None
    up.update()
    assert up.epoch_detail == 0.5 and not up.is_new_epoch and opt.epoch == 0
    up.update()
    assert up.is_new_epoch and up.epoch == 1 and opt.epoch == 1
    up2, _, opt2 = _updater(data, auto_new_epoch=False)
    up2.update(), up2.update()
    assert opt2.epoch == 0


def test_loss_func_and_getters():
    data = [numpy.ones(2, 'f')] * 2
    called = []

    def loss_func(x):
        called.append(x.shape)
        return F.sum(x * 0 + 1)

    up, _, opt = _updater(data, loss_func=loss_func)
    up.update()
    assert called == [(2, 2)]
    assert up.get_optimizer('main') is opt
    assert up.get_all_optimizers() == {'main': opt}
    assert isinstance(up.get_iterator('main'), iterators.SerialIterator)


def test_device_and_legacy_converter():
    seen = []

    def legacy(batch, device=None):
        seen.append(device)
        return dataset.concat_examples(batch)

    up, model, _ = _updater([numpy.ones(2, 'f')] * 2, converter=legacy, device='@numpy')
    assert up.device == backend.CpuDevice()
    up.update()
    assert seen == [-1]
    up, _, _ = _updater([numpy.ones(2, 'f')] * 2, converter=legacy)
    up.update()
    assert seen[-1] is None   # no device: None, as Chainer passes

    def legacy_without_default(batch, device):
        seen.append(device)
        return dataset.concat_examples(batch)

    up, _, _ = _updater([numpy.ones(2, 'f')] * 2, converter=legacy_without_default)
    up.update()
    assert seen[-1] is None


def test_finalize_finalizes_iterators():
    class It(iterators.SerialIterator):
        finalized = False

        def finalize(self):
            It.finalized = True

    model = Recorder()
    opt = optimizers.SGD()
    opt.setup(model)
    up = training.updaters.StandardUpdater(It([numpy.ones(2, 'f')], 1), opt)
    up.finalize()
    assert It.finalized


def test_serialize(mem_serializers):
    Saver, Loader = mem_serializers
    data = [numpy.full(2, i, 'f') for i in range(6)]
    up, model, opt = _updater(data)
    up.update(), up.update()
    saver = Saver()
    up.serialize(saver)
    keys = set(saver.target)
    assert 'iteration' in keys
    assert 'iterator:main/current_position' in keys
    assert 'model:main/w' in keys
    assert 'optimizer:main/t' in keys
    up2, model2, opt2 = _updater(data)
    up2.serialize(Loader(saver.target))
    assert up2.iteration == 2 and opt2.t == 2
    assert up2.get_iterator('main').current_position == 4
    numpy.testing.assert_array_equal(model2.w.array, model.w.array)


@pytest.mark.gpu
def test_device_gpu_moves_model_and_batches():
    import cupy
    up, model, _ = _updater([numpy.ones(2, 'f')] * 2, device='@cupy:0')
    assert isinstance(model.w.array, cupy.ndarray)
    up.update()
    assert isinstance(model.calls[0][0][0], cupy.ndarray)
