"""``ParallelUpdater``: data parallelism over several devices of one process
(Chainer's semantics: each device gets every n-th example of the batch, the
gradients of all copies are summed into the main model, the main model is
updated and its parameters are copied back to the other copies)."""
import copy

from fastgrad import backend, configuration
from fastgrad.dataset import convert
from fastgrad.training.updaters.standard_updater import StandardUpdater, call_with_batch


class ParallelUpdater(StandardUpdater):
    """Data-parallel updater: each step splits the batch over model copies.

    Args:
        iterator, optimizer, converter, loss_func, loss_scale, auto_new_epoch:
            as for :class:`StandardUpdater`.
        models (dict): name -> model copies, one named ``'main'`` (the
            optimizer's target); built from ``devices`` when omitted.
        devices (dict): name -> device specifier, one named ``'main'``; any
            mix of ``'@numpy'`` and ``'@cupy:N'``.

    >>> import tempfile
    >>> from fastgrad import training
    >>> x = np.array([[0, 1], [1, 0], [2, 1], [1, 2]], np.float32)
    >>> t = np.array([0, 1, 1, 0], np.int32)
    >>> model = L.Classifier(L.Linear(2, 2, initialW=0))
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> dataset = fastgrad.datasets.TupleDataset(x, t)
    >>> it = fastgrad.iterators.SerialIterator(dataset, 4, shuffle=False)
    >>> updater = training.ParallelUpdater(  # each half of a batch on its own copy
    ...     it, optimizer, devices={'main': '@numpy', 'second': '@numpy'})
    >>> updater.update()
    >>> updater.iteration, updater.epoch
    (1, 1)
    >>> bool((model.predictor.W.array != 0).any())
    True
    """

    def __init__(self, iterator, optimizer, converter=convert.concat_examples,
                 models=None, devices=None, loss_func=None, loss_scale=None,
                 auto_new_epoch=True):
        super().__init__(iterator, optimizer, converter=converter,
                         loss_func=loss_func, loss_scale=loss_scale,
                         auto_new_epoch=auto_new_epoch)
        if models is None:
            if devices is None:
                raise ValueError('ParallelUpdater: either models or devices must '
                                 'be specified')
            if 'main' not in devices:
                raise KeyError("ParallelUpdater: 'devices' must contain a 'main' "
                               "key, got {}".format(sorted(devices)))
            models = {'main': optimizer.target}
            for name, device in devices.items():
                if name != 'main':
                    models[name] = copy.deepcopy(optimizer.target)
                    models[name].to_device(device)
            optimizer.target.to_device(devices['main'])
        elif devices is None:
            devices = {name: m.device for name, m in models.items()}
        if set(models) != set(devices):
            raise ValueError('ParallelUpdater: models {} and devices {} must have '
                             'the same names'.format(sorted(models), sorted(devices)))
        self._devices = {name: backend.get_device(d) for name, d in devices.items()}
        self._models = models

    def connect_trainer(self, trainer):
        main = self.get_optimizer('main').target
        for name, model in self._models.items():
            if model is not main:
                trainer.reporter.add_observer(name, model)

    def update_core(self):
        optimizer = self.get_optimizer('main')
        main = optimizer.target
        others = [m for m in self._models.values() if m is not main]
        iterator = self.get_iterator('main')
        batch = iterator.next()
        n = len(self._models)

        losses = []
        for i, (name, model) in enumerate(self._models.items()):
            device = self._devices[name]
            in_arrays = convert._call_converter(self.converter, batch[i::n], device)
            loss_func = self.loss_func or model
            with configuration.force_backprop_mode(), backend.using_device(device):
                losses.append(call_with_batch(loss_func, in_arrays))

        for model in self._models.values():
            model.cleargrads()
        for loss in losses:
            loss.backward(loss_scale=self.loss_scale)
        for model in others:
            main.addgrads(model)
        optimizer.update()
        for model in others:
            model.copyparams(main)
        if self.auto_new_epoch and iterator.is_new_epoch:
            optimizer.new_epoch(auto=True)
